"""The ``s3repl`` command: check a replication configuration, explain it, watch a demo.

Theory of operation.  Every subcommand is a thin shell around the library:

- ``check CONFIG`` decodes the configuration the way S3 would receive it (XML on the
  wire, or the JSON that boto3 and ``aws s3api put-bucket-replication`` send), puts it
  in a world (a permissive one built from the configuration itself, or one described
  by a world file, see ``s3repl._worldfile``), and prints every
  :class:`~s3repl.validate.Problem` of :func:`~s3repl.validate.validate_replication`
  (why ``PutBucketReplication`` would fail) and, when there is none, every
  :class:`~s3repl.validate.Finding` of :func:`~s3repl.validate.check_requirements`
  (why objects would later fail to replicate).  Findings need the configuration in
  place, and the engine only stores configurations AWS accepts, so findings are only
  evaluated for a configuration without problems; the output says so.  CloudFormation
  templates and Terraform plans are checked by :mod:`s3repl.iac`.
- ``explain CONFIG --key KEY`` shows which rules select an object and where a put
  would replicate to (:func:`s3repl.policy.explain_routing`).
- ``demo`` runs an embedded scenario step by step and prints its timeline and the
  final contents of every bucket.
- ``serve`` answers S3, IAM, KMS and STS requests from an engine over HTTP (extra
  ``s3repl[server]``).

Exit status: 0 when nothing was found, 1 when there are problems or findings, 2 when
the input is unusable (a file that cannot be read, JSON that does not parse, is over
2 MB or nests too deeply, a broken world file); always one line on stderr, never a
traceback.  A configuration that S3 itself would answer with ``MalformedXML`` is a
problem of the configuration (exit 1), not unusable input; a JSON one lists every
violation at once.  Wherever a file is read, ``-`` reads standard input (once).

Output is deterministic: no wall clock, no randomness outside the engine's seed.

Where things are (all private modules; this package re-exports the public names):

- ``_main``: the argument parser and :func:`main`.
- ``_check``, ``_explain``, ``_demo``, ``_serve``: one subcommand each.
- ``_config_file``: reading a configuration file (XML or JSON) as S3 would.
- ``_permissive_world``: the world ``check`` uses without a world file.
- ``_output``: what ``check`` found, in text and JSON.
- ``_exit`` (exit statuses, unusable input) and ``_text`` (wrapping), shared.
"""

from __future__ import annotations

# The exit statuses are not in __all__ (as before the split) but stay importable here.
from s3repl.cli._exit import EXIT_FOUND as EXIT_FOUND
from s3repl.cli._exit import EXIT_OK as EXIT_OK
from s3repl.cli._exit import EXIT_UNUSABLE as EXIT_UNUSABLE
from s3repl.cli._main import main
from s3repl.cli._permissive_world import permissive_world

__all__ = ["main", "permissive_world"]
