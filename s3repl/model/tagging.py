"""Object tag sets and user metadata, with the limits S3 enforces on them."""

from __future__ import annotations

from collections.abc import Mapping

from s3repl.errors import InvalidTag, MetadataTooLarge
from s3repl.model._frozenmap import EMPTY, FrozenMap

__all__ = ["TAGS_MAX", "TAG_KEY_MAX", "TAG_VALUE_MAX", "check_metadata", "check_tags"]

#: At most 10 tags per object (R-024).
TAGS_MAX = 10
#: Tag keys hold at most 128 Unicode characters (R-024).
TAG_KEY_MAX = 128
#: Tag values hold at most 256 Unicode characters (R-024).
TAG_VALUE_MAX = 256
#: User metadata holds at most 2 KB, keys and values in UTF-8.
METADATA_BYTES_MAX = 2048


def check_tags(tags: Mapping[str, str] | object | None) -> FrozenMap[str, str]:
    """Return an object tag set as a frozen mapping, enforcing S3's limits (R-024).

    Raises:
        InvalidTag: naming the offending tag.
    """
    if not tags:
        return EMPTY
    if isinstance(tags, FrozenMap):
        frozen = tags
    elif isinstance(tags, Mapping):
        frozen = FrozenMap(tags)
    else:
        msg = f"Tags must be a mapping of key to value, got {type(tags).__name__}"
        raise InvalidTag(msg)
    if len(frozen) > TAGS_MAX:
        msg = f"Object tags cannot be greater than {TAGS_MAX}"
        raise InvalidTag(msg)
    for key, value in frozen.items():
        if not isinstance(key, str) or not isinstance(value, str):
            msg = f"Tag {key!r}: keys and values must be strings"
            raise InvalidTag(msg)
        if not 1 <= len(key) <= TAG_KEY_MAX:
            msg = f"The TagKey you have provided is invalid: {key!r}"
            raise InvalidTag(msg)
        if len(value) > TAG_VALUE_MAX:
            msg = f"The TagValue you have provided is invalid: {value!r}"
            raise InvalidTag(msg)
    return frozen


def check_metadata(metadata: Mapping[str, str] | None) -> FrozenMap[str, str]:
    """Return user metadata as a frozen mapping with lower-case keys (S3 folds them).

    Raises:
        MetadataTooLarge: when keys and values exceed 2 KB of UTF-8.
    """
    if not metadata:
        return EMPTY
    folded: dict[str, str] = {}
    size = 0
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str) or not key:
            msg = f"Metadata {key!r}: keys must be non-empty strings and values strings"
            raise MetadataTooLarge(msg)
        folded[key.lower()] = value
        size += len(key.encode()) + len(value.encode())
    if size > METADATA_BYTES_MAX:
        msg = (
            f"Your metadata headers exceed the maximum allowed metadata size "
            f"({size} > {METADATA_BYTES_MAX} bytes)"
        )
        raise MetadataTooLarge(msg)
    return FrozenMap(folded)
