"""The engine routes once per signature: its remembered routes equal routing from scratch.

``policy.routing_table`` names what routing reads of an object (prefix hits and tag
hits); the engine's ``PolicyCache`` remembers routes by that signature.  These
properties hold the remembered answer to ``policy.route_new_object`` /
``policy.route_delete_marker`` (which run ``winning_rules`` from scratch) for random
configurations, ``Not``/``Or`` filters included, on keys built around the rules'
prefixes (a prefix, a shorter one, and the prefix inside a longer key: R-060 says a
prefix, never a substring) and tags built around the filters' tag pairs (R-061, R-069).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from worlds import fan_out

from s3repl import policy
from s3repl.engine._caches import PolicyCache
from s3repl.model import (
    AndOperator,
    Bucket,
    DeleteMarker,
    Destination,
    Filter,
    FrozenMap,
    NotOperator,
    OrOperator,
    ReplicationConfiguration,
    ReplicationRule,
    ReplicationStatus,
    ServerSideEncryption,
    StorageClass,
    Tag,
)
from s3repl.testing.strategies import replication_configurations
from s3repl.world import World

_OWNER = "123456789012"
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
# Repeated members: most objects share a class and encryption (see _objects).
_CLASSES = (StorageClass.STANDARD,) * 4 + (StorageClass.STANDARD_IA, StorageClass.GLACIER)
_ENCRYPTIONS = (ServerSideEncryption.SSE_S3,) * 4 + (
    ServerSideEncryption.SSE_KMS,
    ServerSideEncryption.SSE_C,
)


def _mentioned(value: Any, prefixes: set[str], pairs: set[tuple[str, str]]) -> None:
    """Every prefix and tag pair anywhere in a rule, read from its fields generically.

    Independent of ``policy.routing_table`` on purpose: the keys and tags drawn here
    must exercise what a rule names, whatever the table thinks it reads.
    """
    if isinstance(value, Tag):
        pairs.add((value.key, value.value))
    elif isinstance(value, tuple):
        for item in value:
            _mentioned(item, prefixes, pairs)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            if field.name == "prefix" and isinstance(item, str):
                prefixes.add(item)
            elif field.name == "prefixes":
                prefixes.update(item)
            else:
                _mentioned(item, prefixes, pairs)


@st.composite
def _objects(
    draw: st.DrawFn, config: ReplicationConfiguration
) -> tuple[str, FrozenMap[str, str], StorageClass, ServerSideEncryption]:
    prefixes: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    _mentioned(config.rules, prefixes, pairs)
    starts = sorted(prefixes) or [""]
    start = draw(st.sampled_from(starts))
    # The prefix itself, a shorter one, or inside a longer key (a substring, not a prefix).
    start = draw(st.sampled_from((start, start[:-1], "x" + start, "")))
    key = start + draw(st.text("ab/", max_size=3)) or "k"
    # Few kinds of tag set and object, so that objects often agree on all but one
    # question: a question the table forgot then shows as a wrong remembered route.
    tags: dict[str, str] = {}
    carrying = draw(st.sampled_from(("all", "none", "each drawn")))
    for tag_key, value in sorted(pairs):
        choice = "carry" if carrying == "all" else "absent" if carrying == "none" else None
        choice = choice or draw(st.sampled_from(("carry", "other value", "absent")))
        if choice == "carry":
            tags[tag_key] = value
        elif choice == "other value":
            tags[tag_key] = value + "-other"
    if draw(st.booleans()):
        tags["extra"] = "tag"
    return (
        key,
        FrozenMap(tags),
        draw(st.sampled_from(_CLASSES)),
        draw(st.sampled_from(_ENCRYPTIONS)),
    )


def _world(config: ReplicationConfiguration) -> World:
    source = Bucket(name="src", owner=_OWNER, replication=config)
    return World(buckets=FrozenMap({"src": source}))


@st.composite
def _configurations_and_objects(
    draw: st.DrawFn,
) -> tuple[ReplicationConfiguration, list[Any]]:
    config = draw(replication_configurations(not_or=True))
    objects = draw(st.lists(_objects(config), min_size=1, max_size=16))
    return config, objects


@given(_configurations_and_objects())
def test_remembered_routes_equal_routing_from_scratch(
    drawn: tuple[ReplicationConfiguration, list[Any]],
) -> None:
    """R-060..R-069: one cache answers every object; each answer is the one
    ``policy.route_new_object`` (``winning_rules``) gives from scratch."""
    config, objects = drawn
    world = _world(config)
    cache = PolicyCache()
    for key, tags, storage_class, encryption in objects * 2:  # twice: hits as well as misses
        remembered = cache.new_object_routes(world, "src", key, tags, storage_class, encryption)
        fresh = policy.route_new_object(world, "src", key, tags, storage_class, encryption)
        # the header and status map the routes start a version with, too.
        expected = (fresh, *policy.created_statuses(fresh))
        assert remembered == expected, (key, dict(tags), storage_class, encryption)


@given(_configurations_and_objects(), st.booleans())
def test_remembered_marker_routes_equal_routing_from_scratch(
    drawn: tuple[ReplicationConfiguration, list[Any]], by_lifecycle: bool
) -> None:
    """R-087, R-104, R-110: a delete marker's remembered routes are its routes."""
    config, objects = drawn
    world = _world(config)
    cache = PolicyCache()
    for key, _, _, _ in objects * 2:
        marker = DeleteMarker(
            key=key,
            version_id="v",
            last_modified=_EPOCH,
            owner=_OWNER,
            by_lifecycle=by_lifecycle,
        )
        remembered = cache.delete_marker_routes(world, "src", key, by_lifecycle)
        fresh = policy.route_delete_marker(world, "src", marker)
        assert remembered == (fresh, *policy.created_statuses(fresh)), key


@given(_configurations_and_objects())
def test_equal_signatures_route_alike(
    drawn: tuple[ReplicationConfiguration, list[Any]],
) -> None:
    """The signature is all routing reads: two objects that agree on it (and on KMS
    encryption) have the same winning rules."""
    config, objects = drawn
    table = policy.routing_table(config)
    seen: dict[tuple[object, ...], tuple[policy.Route, ...]] = {}
    for key, tags, _, encryption in objects:
        kms = encryption.uses_kms
        winners = policy.winning_rules(config, key, tags, kms_encrypted=kms)
        previous = seen.setdefault((kms, *table.signature(key, tags)), winners)
        assert previous == winners, (key, dict(tags))


def test_the_table_asks_prefixes_not_substrings() -> None:
    """R-060: ``Prefix="logs/"`` is asked as a prefix: ``app/logs/x`` does not hit it."""
    flt = Filter(prefix="logs/")
    config = ReplicationConfiguration(
        role="arn:aws:iam::123456789012:role/r",
        rules=(
            ReplicationRule(
                id="logs",
                priority=1,
                status="Enabled",
                filter=flt,
                destination=Destination(bucket="arn:aws:s3:::dst"),
            ),
        ),
    )
    table = policy.routing_table(config)
    assert table.prefixes == ("logs/",)
    assert table.signature("logs/x", FrozenMap()) == (True,)
    assert table.signature("app/logs/x", FrozenMap()) == (False,)


_A, _B = Tag(key="a", value="1"), Tag(key="b", value="2")
#: Each place of a filter that names a prefix or a tag: the table must ask it.
_QUESTIONS = [
    (None, "v1/", ("v1/",), ()),
    (Filter(), None, (), ()),
    (Filter(prefix=""), None, (), ()),
    (Filter(prefix="p/"), None, ("p/",), ()),
    (Filter(tag=_A), None, (), (("a", "1"),)),
    (Filter(and_=AndOperator(prefix="p/", tags=(_A, _B))), None, ("p/",), (("a", "1"), ("b", "2"))),
    (Filter(not_=NotOperator(prefix="n/")), None, ("n/",), ()),
    (Filter(not_=NotOperator(tag=_B)), None, (), (("b", "2"),)),
    (
        Filter(not_=NotOperator(or_=OrOperator(prefixes=("o/", "q/"), tags=(_A,)))),
        None,
        ("o/", "q/"),
        (("a", "1"),),
    ),
    (
        Filter(and_=AndOperator(prefix="p/", tags=(_A,), not_=NotOperator(tag=_B))),
        None,
        ("p/",),
        (("a", "1"), ("b", "2")),
    ),
]


@pytest.mark.parametrize(("flt", "v1_prefix", "prefixes", "pairs"), _QUESTIONS)
def test_the_table_asks_every_place_a_filter_names(
    flt: Filter | None,
    v1_prefix: str | None,
    prefixes: tuple[str, ...],
    pairs: tuple[tuple[str, str], ...],
) -> None:
    """R-060, R-061, R-069: a prefix or tag pair named anywhere in a rule is asked."""
    rule = ReplicationRule(
        id="r",
        priority=None if flt is None else 1,
        prefix=v1_prefix,
        status="Enabled",
        filter=flt,
        destination=Destination(bucket="arn:aws:s3:::dst"),
    )
    table = policy.routing_table(
        ReplicationConfiguration(role="arn:aws:iam::123456789012:role/r", rules=(rule,))
    )
    assert table.prefixes == prefixes
    assert tuple(zip(table.tag_keys, table.tag_values, strict=True)) == pairs


# --- status maps: shared by the engine's cache, never process-wide -------------------------


def _replicated_twice(*, seed: int) -> tuple[Any, Any]:
    """Two objects of one engine replicated alike to one destination: their versions."""
    engine = fan_out("dst", seed=seed)
    engine.put_object("src", "a", b"1")
    engine.put_object("src", "b", b"22")
    engine.run()
    world = engine.snapshot()
    (first,) = world.versions("src", "a")
    (second,) = world.versions("src", "b")
    return first, second


def test_versions_recorded_alike_share_the_engines_status_maps() -> None:
    """R-123, R-124: two versions whose one destination completed read COMPLETED, and
    hold one status map between them (the engine's cache hands back the maps of a
    transition, so a stored version costs no map of its own); another engine's equal
    maps are its own (no process-wide intern table, issue 9)."""
    first, second = _replicated_twice(seed=1)
    assert first.destination_statuses == {"dst": ReplicationStatus.COMPLETED}
    assert first.destination_statuses is second.destination_statuses
    elsewhere, _ = _replicated_twice(seed=2)
    assert elsewhere.destination_statuses == first.destination_statuses
    assert elsewhere.destination_statuses is not first.destination_statuses


def test_the_cache_keeps_maps_equal_in_another_order_apart() -> None:
    """R-123: the cache shares a transition's maps by their items in order; a map equal
    in another order iterates differently, so it is not handed back for it."""
    cache = PolicyCache()
    done, pending = ReplicationStatus.COMPLETED, ReplicationStatus.PENDING
    ab = FrozenMap({"a": done, "b": pending})
    ba = FrozenMap({"b": pending, "a": done})
    assert cache._shared(ab) is ab
    assert cache._shared(FrozenMap({"a": done, "b": pending})) is ab
    assert cache._shared(ba) is ba
