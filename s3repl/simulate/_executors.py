"""Executors by name: this process, a process pool, or a Dask cluster.

Why Dask through ``Client.get_executor()``: it is a ``concurrent.futures.Executor``,
so :func:`~s3repl.simulate.ensemble` needs no Dask-specific code, and the same call
reaches a ``LocalCluster`` of worker processes or a real cluster at a scheduler's
address.  Dask (``distributed``) is the optional extra ``s3repl[dask]``, imported only
here and only when asked for.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

__all__ = ["EXECUTORS", "ExecutorUnavailableError", "open_executor"]

#: The executor names ``open_executor`` knows.
EXECUTORS = ("serial", "processes", "dask")


class ExecutorUnavailableError(RuntimeError):
    """The executor cannot be had: Dask is not installed, or the scheduler is unreachable."""


@contextlib.contextmanager
def _dask(scheduler: str | None, workers: int | None) -> Iterator[Executor]:
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        msg = "the dask executor needs Dask: pip install 's3repl[dask]'"
        raise ExecutorUnavailableError(msg) from None
    cluster = None
    try:
        if scheduler is None:
            cluster = distributed.LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            client = distributed.Client(cluster, set_as_default=False)
        else:
            client = distributed.Client(scheduler, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as err:
        msg = f"cannot reach the Dask scheduler {scheduler}: {err}"
        raise ExecutorUnavailableError(msg) from None
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def open_executor(
    name: str, *, workers: int | None = None, scheduler: str | None = None
) -> Iterator[Executor | None]:
    """An executor for :func:`~s3repl.simulate.ensemble`, closed when the block ends.

    Args:
        name: ``"serial"`` (yields ``None``: runs stay in this process),
            ``"processes"`` (a ``ProcessPoolExecutor``) or ``"dask"`` (the executor of a
            Dask ``Client``).
        workers: worker processes (default: the CPU count) for ``processes`` and for a
            local Dask cluster.
        scheduler: a Dask scheduler address such as ``tcp://10.0.0.5:8786``; ``None``
            starts a ``LocalCluster`` of worker processes.

    Raises:
        ValueError: an unknown name, or fewer than one worker.
        ExecutorUnavailableError: Dask is not installed or the scheduler cannot be reached.
    """
    if name not in EXECUTORS:
        msg = f"unknown executor {name!r} (known: {', '.join(EXECUTORS)})"
        raise ValueError(msg)
    if workers is not None and workers < 1:
        msg = f"workers must be at least 1, got {workers}"
        raise ValueError(msg)
    if name == "serial":
        yield None
    elif name == "processes":
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
    else:
        with _dask(scheduler, workers) as executor:
            yield executor
