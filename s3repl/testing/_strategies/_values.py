"""Strategies for the small values of S3: bucket names, account ids, keys, tags, metadata.

The building blocks the other strategy modules draw from, each valid as AWS defines it
(bucket naming rules, 1,024-byte UTF-8 keys, tag and metadata limits), and the limits
and alphabets those modules share.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Sequence

from hypothesis import strategies as st

from s3repl.errors import InvalidBucketName
from s3repl.model.names import check_bucket_name
from s3repl.model.replication import Tag
from s3repl.model.tagging import METADATA_BYTES_MAX, TAG_KEY_MAX, TAG_VALUE_MAX, TAGS_MAX

_KEY_BYTES_MAX = 1024
_LOWER_DIGITS = string.ascii_lowercase + string.digits
# S3 accepts tag keys and values made of letters, digits, spaces and + - = . _ : / @.
_TAG_CHARS = string.ascii_letters + string.digits + "+-=._:/@"


def _valid_bucket_name(name: str) -> bool:
    try:
        check_bucket_name(name)
    except InvalidBucketName:
        return False
    return True


@functools.cache
def bucket_names() -> st.SearchStrategy[str]:
    """Bucket names that follow the S3 general purpose naming rules.

    Returns:
        A strategy of names of 3 to 63 lowercase letters, digits and hyphens.
    """
    edge = st.sampled_from(_LOWER_DIGITS)
    middle = st.text(alphabet=_LOWER_DIGITS + "-", min_size=1, max_size=61)
    return st.builds(lambda a, m, z: a + m + z, edge, middle, edge).filter(_valid_bucket_name)


@functools.cache
def account_ids() -> st.SearchStrategy[str]:
    """Twelve-digit AWS account ids.

    Returns:
        A strategy shrinking towards ``"000000000000"``.
    """
    return st.text(alphabet=string.digits, min_size=12, max_size=12)


# Anything UTF-8 and XML 1.0 can carry: no control, surrogate, private-use or
# unassigned characters (the last two exclude U+FFFE and U+FFFF).
_KEY_CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn"))


@functools.cache
def _prefixes(*, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(_KEY_CHARACTERS, min_size=min_size, max_size=32)


def object_keys(prefixes: Sequence[str] = ()) -> st.SearchStrategy[str]:
    """Object keys (1 to 1024 bytes of UTF-8), optionally under given prefixes.

    Args:
        prefixes: when not empty, every key starts with one of these.

    Returns:
        A strategy of keys that XML can carry.
    """
    suffixes = st.text(_KEY_CHARACTERS, min_size=1, max_size=64)
    if not prefixes:
        return suffixes
    keys = st.builds(lambda p, s: p + s, st.sampled_from(tuple(prefixes)), suffixes)
    return keys.filter(lambda key: len(key.encode("utf-8")) <= _KEY_BYTES_MAX)


_TAG_KEYS = st.text(alphabet=_TAG_CHARS, min_size=1, max_size=TAG_KEY_MAX).filter(
    lambda key: not key.lower().startswith("aws:")  # reserved prefix
)
_TAG_VALUES = st.text(alphabet=_TAG_CHARS + " ", max_size=TAG_VALUE_MAX)


@functools.cache
def tag_sets() -> st.SearchStrategy[dict[str, str]]:
    """Object tag sets S3 accepts: at most 10 tags, keys unique (R-024).

    Returns:
        A strategy of ``dict`` key -> value, shrinking towards ``{}``.
    """
    return st.dictionaries(_TAG_KEYS, _TAG_VALUES, max_size=TAGS_MAX)


@functools.cache
def tags() -> st.SearchStrategy[Tag]:
    """Filter tags (``Tag`` values with a key of 1 to 128 characters, R-024).

    Returns:
        A strategy of :class:`~s3repl.model.replication.Tag`.
    """
    return st.builds(Tag, key=_TAG_KEYS, value=_TAG_VALUES)


@functools.cache
def _tag_lists(*, min_size: int, max_size: int = 4) -> st.SearchStrategy[list[Tag]]:
    # Distinct keys: an object holds each key once, so a repeated key could never match.
    return st.lists(tags(), min_size=min_size, max_size=max_size, unique_by=lambda t: t.key)


# --------------------------------------------------------------------------- metadata

# User metadata travels as ``x-amz-meta-<key>`` HTTP headers: keys are header-name
# tokens (S3 folds them to lower case), values printable ASCII without spaces (HTTP
# would trim leading and trailing ones).
_METADATA_KEYS = st.text(
    alphabet=string.ascii_lowercase + string.digits + "-_", min_size=1, max_size=32
)
_METADATA_VALUE_CHARS = string.ascii_letters + string.digits + "-_.:/=+@,;!*'()~"
# A short random text, then a filler whose length is one integer choice: the 2 KB limit
# is reached often, and a long value shrinks in a few steps (a long random text costs
# the shrinker one choice per character; the content never matters to replication).
_METADATA_VALUES = st.builds(
    lambda text, filler: text + "x" * filler,
    st.text(_METADATA_VALUE_CHARS, max_size=16),
    st.just(0) | st.integers(min_value=1, max_value=1024),
)
_METADATA_KEY_LISTS = st.lists(_METADATA_KEYS, max_size=8, unique=True)


@st.composite
def _metadata(draw: st.DrawFn) -> dict[str, str]:
    keys = draw(_METADATA_KEY_LISTS)
    # Keys first (at most 8 x 32 bytes), then values share what is left of the 2 KB.
    budget = METADATA_BYTES_MAX - sum(len(key) for key in keys)
    out: dict[str, str] = {}
    for key in keys:
        value = draw(_METADATA_VALUES)[:budget]
        budget -= len(value)
        out[key] = value
    return out


@functools.cache
def metadata() -> st.SearchStrategy[dict[str, str]]:
    """User metadata S3 accepts: lower-case keys, at most 2 KB of keys and values.

    Returns:
        A strategy of ``dict`` key -> value (ASCII), shrinking towards ``{}``; the
        UTF-8 bytes of all keys and values never exceed 2,048 (``MetadataTooLarge``).
    """
    return _metadata()
