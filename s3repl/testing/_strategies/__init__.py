"""The implementation of :mod:`s3repl.testing.strategies`, one module per kind of value.

Import the names from ``s3repl.testing.strategies``; these modules are private.
"""
