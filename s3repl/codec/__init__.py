"""S3 wire formats <-> s3repl's model values: XML documents and boto3 / AWS CLI dicts.

The codec is the only part of s3repl that knows a wire format (and the only one that
imports ``xmltodict``). Every decoder checks the document against the S3 schema and
raises the S3 error AWS would (``MalformedXML`` with AWS's exact message, its
``element`` naming the offending path); every encoder writes what the matching
decoder reads back unchanged.

- Replication configurations (SPEC section 2): :func:`replication_from_xml`,
  :func:`replication_to_xml`, :func:`replication_from_dict`,
  :func:`replication_to_dict`.
- The other control-plane documents (versioning, Object Lock, tagging, ACLs,
  ownership controls, default encryption): ``<name>_from_xml`` / ``_to_xml`` /
  ``_from_dict`` / ``_to_dict``, see :mod:`s3repl.codec.documents`.

XML input is parsed defensively: over 2 MB or with a DTD it is refused before
anything is expanded (no entity bombs, no external entities), and input that is not
text at all is ``InvalidArgument`` (also a ``TypeError``) before anything is copied.
A dict is checked whole, as botocore checks parameters: the ``MalformedXML`` it raises
carries every violation in ``violations`` (element path, what was expected there),
and no value, however deeply nested, is ever ``repr()``-ed. No decoder lets any other
exception escape: a model value's refusal becomes the document's error too.
"""

from s3repl.codec._replication import (
    replication_from_any,
    replication_from_dict,
    replication_from_xml,
    replication_to_dict,
    replication_to_xml,
)
from s3repl.codec._xml import MAX_DOCUMENT_BYTES, S3_NAMESPACE
from s3repl.codec.documents import (
    acl_from_dict,
    acl_from_xml,
    acl_to_dict,
    acl_to_xml,
    default_encryption_from_dict,
    default_encryption_from_xml,
    default_encryption_to_dict,
    default_encryption_to_xml,
    object_lock_configuration_from_dict,
    object_lock_configuration_from_xml,
    object_lock_configuration_to_dict,
    object_lock_configuration_to_xml,
    ownership_controls_from_dict,
    ownership_controls_from_xml,
    ownership_controls_to_dict,
    ownership_controls_to_xml,
    tagging_from_dict,
    tagging_from_xml,
    tagging_to_dict,
    tagging_to_xml,
    versioning_from_dict,
    versioning_from_xml,
    versioning_to_dict,
    versioning_to_xml,
)

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "S3_NAMESPACE",
    "acl_from_dict",
    "acl_from_xml",
    "acl_to_dict",
    "acl_to_xml",
    "default_encryption_from_dict",
    "default_encryption_from_xml",
    "default_encryption_to_dict",
    "default_encryption_to_xml",
    "object_lock_configuration_from_dict",
    "object_lock_configuration_from_xml",
    "object_lock_configuration_to_dict",
    "object_lock_configuration_to_xml",
    "ownership_controls_from_dict",
    "ownership_controls_from_xml",
    "ownership_controls_to_dict",
    "ownership_controls_to_xml",
    "replication_from_any",
    "replication_from_dict",
    "replication_from_xml",
    "replication_to_dict",
    "replication_to_xml",
    "tagging_from_dict",
    "tagging_from_xml",
    "tagging_to_dict",
    "tagging_to_xml",
    "versioning_from_dict",
    "versioning_from_xml",
    "versioning_to_dict",
    "versioning_to_xml",
]
