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

    One pass over the given mapping, copied once (a frozen map is kept as it is).

    Raises:
        InvalidTag: naming the offending tag.
    """
    if not tags:
        return EMPTY
    if isinstance(tags, FrozenMap):
        frozen = tags
        data: Mapping[str, str] = tags
    elif isinstance(tags, Mapping):
        data = dict(tags)
        frozen = FrozenMap._wrap(data)  # data is this call's own copy: no second one
    else:
        msg = f"Tags must be a mapping of key to value, got {type(tags).__name__}"
        raise InvalidTag(msg)
    if len(data) > TAGS_MAX:
        msg = f"Object tags cannot be greater than {TAGS_MAX}"
        raise InvalidTag(msg)
    for key, value in data.items():
        # Limits count Unicode characters: len() of a str, whatever its script.
        if (
            type(key) is str
            and type(value) is str
            and 0 < len(key) <= TAG_KEY_MAX
            and len(value) <= TAG_VALUE_MAX
        ):
            continue  # every tag of a valid set: one test, then the next
        _refuse_tag(key, value)
    return frozen


def _refuse_tag(key: object, value: object) -> None:
    """Raise the ``InvalidTag`` a tag deserves (``str`` subclasses are fine)."""
    if not isinstance(key, str) or not isinstance(value, str):
        msg = f"Tag {key!r}: keys and values must be strings"
        raise InvalidTag(msg)
    if not 1 <= len(key) <= TAG_KEY_MAX:
        msg = f"The TagKey you have provided is invalid: {key!r}"
        raise InvalidTag(msg)
    if len(value) > TAG_VALUE_MAX:
        msg = f"The TagValue you have provided is invalid: {value!r}"
        raise InvalidTag(msg)


def check_metadata(metadata: Mapping[str, str] | None) -> FrozenMap[str, str]:
    """Return user metadata as a frozen mapping with lower-case keys (S3 folds them).

    One pass: an ASCII string's UTF-8 size is its length (no encoding), and a key
    already in lower case is not folded again.

    Raises:
        MetadataTooLarge: when keys and values exceed 2 KB of UTF-8.
    """
    if not metadata:
        return EMPTY
    # The usual metadata at once: string keys, none empty, every key already lower case
    # and everything ASCII (its UTF-8 size is its length).  join() refuses a key or
    # value that is not a string; the loop below then names it.
    try:
        keys = "".join(metadata)  # its keys, without a keys() view to allocate
        values = "".join(metadata.values())
    except TypeError:
        pass
    else:
        size = len(keys) + len(values)
        if (
            keys.islower()  # every cased character of every key is lower case
            and keys.isascii()
            and values.isascii()
            and size <= METADATA_BYTES_MAX
            and "" not in metadata
        ):
            return FrozenMap._wrap(dict(metadata))  # this call's own copy
    folded: dict[str, str] = {}
    size = 0
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str) or not key:
            msg = f"Metadata {key!r}: keys must be non-empty strings and values strings"
            raise MetadataTooLarge(msg)
        if key.isascii():
            size += len(key)
            if not key.islower():  # ASCII only: there islower() means lower() is a no-op
                key = key.lower()
        else:
            size += len(key.encode())
            key = key.lower()
        size += len(value) if value.isascii() else len(value.encode())
        folded[key] = value
    if size > METADATA_BYTES_MAX:
        msg = (
            f"Your metadata headers exceed the maximum allowed metadata size "
            f"({size} > {METADATA_BYTES_MAX} bytes)"
        )
        raise MetadataTooLarge(msg)
    return FrozenMap._wrap(folded)  # folded is this call's own dict: no second copy
