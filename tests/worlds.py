"""Worlds that several test modules run on (importable: ``pythonpath`` in pyproject)."""

from __future__ import annotations

import sys

import pytest

from s3repl import Engine
from s3repl.engine._queue import OrderPolicy
from s3repl.testing.machine import DEFAULT_ROLE


def break_policy(monkeypatch: pytest.MonkeyPatch, name: str, broken: object) -> None:
    """Replace the policy rule ``name`` by ``broken`` wherever policy binds it.

    policy is a package: a rule is defined in one private module and also bound in
    the modules that call it and in the facade, so a mutation patches every binding.
    """
    bound = False
    for module_name, module in sorted(sys.modules.items()):
        in_policy = module_name == "s3repl.policy" or module_name.startswith("s3repl.policy.")
        if in_policy and hasattr(module, name):
            monkeypatch.setattr(module, name, broken)
            bound = True
    assert bound, f"policy has no rule called {name}"


def two_way() -> Engine:
    """east (us-east-1) <-> west (us-west-2), each syncing replica modifications back."""
    engine = Engine(seed=11)
    engine.create_bucket("east", versioning=True)
    engine.create_bucket("west", region="us-west-2", versioning=True)
    engine.put_bucket_ownership_controls("west", "ObjectWriter")
    engine.create_role(DEFAULT_ROLE)
    for source, dest in (("east", "west"), ("west", "east")):
        engine.put_bucket_replication(
            source,
            {
                "Role": DEFAULT_ROLE,
                "Rules": [
                    {
                        "ID": f"{source}-to-{dest}",
                        "Priority": 1,
                        "Status": "Enabled",
                        "Filter": {},
                        "DeleteMarkerReplication": {"Status": "Enabled"},
                        "SourceSelectionCriteria": {"ReplicaModifications": {"Status": "Enabled"}},
                        "Destination": {"Bucket": f"arn:aws:s3:::{dest}"},
                    }
                ],
            },
        )
    return engine


def fan_out(*destinations: str, seed: int = 1, order: OrderPolicy = "fifo") -> Engine:
    """``src`` replicating everything to each of ``destinations`` (one rule each)."""
    engine = Engine(seed=seed, order=order)
    for name in ("src", *destinations):
        engine.create_bucket(name, versioning=True)
    engine.create_role(DEFAULT_ROLE)
    rules = [
        {
            "ID": f"to-{dest}",
            "Priority": priority,
            "Status": "Enabled",
            "Filter": {},
            "DeleteMarkerReplication": {"Status": "Enabled"},
            "Destination": {"Bucket": f"arn:aws:s3:::{dest}"},
        }
        for priority, dest in enumerate(destinations, start=1)
    ]
    engine.put_bucket_replication("src", {"Role": DEFAULT_ROLE, "Rules": rules})
    return engine
