"""Shared pytest configuration: the Hypothesis profiles.

Three profiles, chosen by environment so that no test needs its own ``@settings``:

- ``dev`` (the default): quick, randomised runs while editing.
- ``ci``: derandomised so a CI run is reproducible, no deadline (CI machines are
  noisy), and the failing example's blob printed so it can be replayed locally.
  Chosen automatically when the ``CI`` environment variable is set.
- ``thorough``: thousands of examples, for a nightly job or a run by hand
  (``HYPOTHESIS_PROFILE=thorough python -m pytest``).

``HYPOTHESIS_PROFILE`` overrides the automatic choice.
"""

from __future__ import annotations

import os

from hypothesis import settings

# Parent every profile on Hypothesis' own "default" explicitly: when it detects CI,
# Hypothesis makes its built-in (derandomised) "ci" profile the implicit parent.
_BASE = settings.get_profile("default")

settings.register_profile("dev", _BASE, max_examples=50)
settings.register_profile(
    "ci",
    _BASE,
    derandomize=True,
    max_examples=100,
    deadline=None,
    print_blob=True,
)
settings.register_profile("thorough", _BASE, max_examples=5000, deadline=None)


def _profile_name() -> str:
    explicit = os.environ.get("HYPOTHESIS_PROFILE")
    if explicit:
        return explicit
    return "ci" if os.environ.get("CI") else "dev"


settings.load_profile(_profile_name())
