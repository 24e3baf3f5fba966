"""A put's ETag is the MD5 of its body, computed when first read (model.objects).

Whatever reads the version first, and in whatever order (the ETag, equality, hashing,
repr, pickling, ``attrs.evolve``, a replica), every reader sees the same quoted hex MD5
that S3 answers for a single-part upload, and a replica keeps its source's ETag (R-083).
"""

from __future__ import annotations

import hashlib
import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from worlds import fan_out

from s3repl import Engine, ObjectVersion
from s3repl.model._fastbuild import ETAG_OF_BODY


def md5_etag(body: bytes) -> str:
    """S3's ETag of a single-part, unencrypted upload: the body's quoted hex MD5."""
    return f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'


def put(body: bytes) -> tuple[Engine, ObjectVersion]:
    engine = fan_out("dst")
    return engine, engine.put_object("src", "k", body)


def first_read(version: ObjectVersion, how: str) -> object:
    """Read ``version`` one way (the first read of its ETag, directly or not)."""
    if how == "etag":
        return version.etag
    if how == "eq":
        return version == attrs.evolve(version, etag=md5_etag(version.body))
    if how == "hash":
        return hash(version)
    if how == "repr":
        return repr(version)
    if how == "pickle":
        return pickle.loads(pickle.dumps(version))
    if how == "evolve":
        return attrs.evolve(version, content_type="text/plain")
    return version.parts_count


READS = ("etag", "eq", "hash", "repr", "pickle", "evolve", "parts_count")


@pytest.mark.parametrize("how", READS)
def test_every_first_read_sees_the_body_md5(how: str) -> None:
    """R-080, R-083: a put's version is stored with its MD5 not yet computed; the first
    read of any kind sees it (equality with the computed value, the same hash, a repr
    that names it, a pickle and an evolved copy that carry it); parts_count is None."""
    _, version = put(b"payload")
    assert version._stored_etag is ETAG_OF_BODY  # not computed by the put
    first_read(version, how)
    expected = md5_etag(b"payload")
    computed = attrs.evolve(version, etag=expected)
    assert version.etag == expected
    assert version == computed
    assert hash(version) == hash(computed)
    assert f"etag={expected!r}" in repr(version)
    assert pickle.loads(pickle.dumps(version)).etag == expected
    assert version.parts_count is None


@given(body=st.binary(max_size=2_048))
def test_a_replica_keeps_its_source_etag(body: bytes) -> None:
    """R-083: the replica has the source's ETag (the MD5 of the body they share), read
    from the replica first, from the source first, or from a listing."""
    engine, _ = put(body)
    engine.step()
    expected = md5_etag(body)
    assert engine.head_object("dst", "k").etag == expected
    assert engine.head_object("src", "k").etag == expected
    listed = engine.list_object_versions("dst")
    assert [v.etag for v in listed if isinstance(v, ObjectVersion)] == [expected]
    assert len(listed) == 1


def test_a_multipart_etag_is_stored_as_given() -> None:
    """R-090: a multipart upload's ETag (``"...-N"``) is computed at completion, kept as
    it is, and read back with its part count."""
    engine = fan_out("dst")
    version = engine.complete_multipart_upload("src", "k", [b"a" * 10, b"b" * 10])
    assert version._stored_etag is not ETAG_OF_BODY
    assert version.etag.endswith('-2"')
    assert version.parts_count == 2
