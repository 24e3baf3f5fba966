"""s3repl's shipped testing kit (install the ``s3repl[testing]`` extra for Hypothesis).

- ``s3repl.testing.strategies``: Hypothesis strategies for bucket names, object
  keys, tag sets, metadata, IAM policies, filters, destinations, replication rules,
  whole replication configurations, consistent worlds (``worlds()``) and operations on
  them (``operations()``), producing only values that AWS would accept; and
  ``invalid_replication_configurations()`` with the error code each must get.
- ``s3repl.testing.invariants``: ``check_*`` functions stating what replication
  guarantees, raising ``AssertionError``.
- ``s3repl.testing.machine``: a Hypothesis state machine that drives an engine and
  checks those invariants.
- ``s3repl.testing.explore``: an exhaustive explorer of task interleavings for
  small scenarios; ``s3repl.testing.properties``: policy properties checked by search.

Import the submodule you need; this package imports none of them, and nothing in the
library imports this package, so ``import s3repl`` never needs Hypothesis.
"""
