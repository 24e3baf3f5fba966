"""s3repl's shipped testing kit (install the ``s3repl[testing]`` extra for Hypothesis).

- :mod:`s3repl.testing.strategies`: Hypothesis strategies for bucket names, object
  keys, tag sets, filters, destinations, replication rules and whole replication
  configurations, producing only values that AWS would accept.

Nothing in the library imports this package, so ``import s3repl`` never needs
Hypothesis.
"""
