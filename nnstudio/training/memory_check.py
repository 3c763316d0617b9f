"""Refusing a run whose memory would not fit, before the model or its data is allocated.

The estimate comes from `nnstudio.core.memory`; this adds what only the trainer knows (the
device, the batch, the splits) and asks the OS how much is free: psutil for the CPU, the
driver for a GPU.
"""

from __future__ import annotations

from typing import Any

from nnstudio.core.graph import Graph
from nnstudio.core.layers import ShapeContext
from nnstudio.core.memory import OutOfMemoryError, estimate_training_memory, memory_problem


def available_memory(device: Any = None) -> int | None:
    """Free bytes on `device` (a torch device or None for the CPU); None when unknown."""
    kind = getattr(device, "type", "cpu")
    if kind == "cuda":
        try:
            import torch

            free, _total = torch.cuda.mem_get_info(device)
            return int(free)
        except Exception:  # no driver answer: do not guess
            return None
    if kind != "cpu":
        return None  # MPS shares system memory in ways psutil does not show
    figures = [_process_limit_left(), _cgroup_left()]
    try:
        import psutil

        figures.append(int(psutil.virtual_memory().available))
    except Exception:
        pass
    known = [f for f in figures if f is not None]
    return min(known) if known else None


def _process_limit_left() -> int | None:
    """What an address-space limit (ulimit -v) leaves this process, if one is set."""
    try:
        import resource

        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return None
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[0])
        import os

        return max(0, soft - pages * os.sysconf("SC_PAGE_SIZE"))
    except (ImportError, OSError, ValueError, IndexError, AttributeError):
        return None


def _cgroup_left() -> int | None:
    """What a container's memory limit (cgroup v2, else v1) leaves, if one is set."""
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            with open(limit_file, encoding="ascii") as handle:
                text = handle.read().strip()
            if text == "max":
                return None
            limit = int(text)
            if limit >= 2**60:
                return None
            with open(usage_file, encoding="ascii") as handle:
                used = int(handle.read().strip())
            return max(0, limit - used)
        except (OSError, ValueError):
            continue
    return None


def check_training_memory(
    graph: Graph,
    context: ShapeContext,
    settings: Any,
    dataset: Any,
    device: Any = None,
    copies: int = 1,
) -> None:
    """OutOfMemoryError (figures and a suggestion) when training would not fit in memory;
    `copies` networks of this shape train together (stacked variants)."""
    free = available_memory(device)
    if free is None:
        return
    n_train = len(dataset.x_train)
    batch = settings["batch_size"]
    batch = n_train if batch <= 0 or batch >= n_train else batch
    largest_split = max(n_train, len(dataset.x_val), len(dataset.x_test))
    estimate = estimate_training_memory(graph, context, settings["optimizer"], batch, largest_split)
    if copies > 1:
        estimate = estimate.times(copies)
    problem = memory_problem(estimate, free, graph)
    if problem:
        raise OutOfMemoryError(problem)
