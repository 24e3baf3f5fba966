"""FrozenMap: an immutable, hashable mapping that compares equal to a plain dict.

Why not ``MappingProxyType``: it is neither hashable nor picklable, and explorers
deduplicate states by hashing them.  Why no intern table: a process-wide cache of
shared maps outlives every engine and grows without bound; the engine shares equal
status maps itself, per world view (``s3repl.engine._caches``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeVar, overload

__all__ = ["EMPTY", "FrozenMap"]

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class FrozenMap(Mapping[K, V]):
    """An immutable mapping with dict equality, a stable hash and a dict-like repr."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        """Copy ``data`` (a mapping) into a new frozen mapping."""
        self._data: dict[K, V] = dict(data) if data else {}
        self._hash: int | None = None

    @classmethod
    def _wrap(cls, data: dict[K, V]) -> FrozenMap[K, V]:
        """Wrap ``data`` without copying: a live read-only view for the engine's own use."""
        view: FrozenMap[K, V] = cls.__new__(cls)
        view._data = data
        view._hash = None
        return view

    def __getitem__(self, key: K) -> V:
        """Return the value for ``key``."""
        return self._data[key]

    @overload
    def get(self, key: K, /) -> V | None: ...

    @overload
    def get(self, key: K, /, default: V | T) -> V | T: ...

    def get(self, key: K, /, default: object = None) -> object:
        """Return the value for ``key``, or ``default`` (a dict lookup, not a KeyError)."""
        return self._data.get(key, default)

    def __contains__(self, key: object) -> bool:
        """Whether ``key`` is present."""
        return key in self._data

    def __iter__(self) -> Iterator[K]:
        """Iterate over keys in insertion order."""
        return iter(self._data)

    def __len__(self) -> int:
        """Return the number of entries."""
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        """Compare equal to any mapping with the same items."""
        if isinstance(other, FrozenMap):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        """Hash the items, independent of insertion order."""
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __repr__(self) -> str:
        """Return a dict literal, so reprs stay valid Python."""
        return repr(self._data)

    def __reduce__(self) -> tuple[type[FrozenMap[K, V]], tuple[dict[K, V]]]:
        """Pickle as the plain dict."""
        return (type(self), (self._data,))

    def to_dict(self) -> dict[K, V]:
        """Return a fresh mutable copy."""
        return dict(self._data)


#: The one empty map every empty tag set, metadata and status map shares, so that
#: "is it empty?" is an identity test on the hot path (``len`` is a Python call).  One
#: immutable value, not a cache: no table of shared maps lives here (who shares equal
#: maps owns that memory, as the engine's ``PolicyCache.status_changes`` does).
EMPTY: FrozenMap[Any, Any] = FrozenMap()
