"""The implementation of :mod:`s3repl.testing.invariants`, one module per kind of check.

Import the names from ``s3repl.testing.invariants``; these modules are private.
"""
