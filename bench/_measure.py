"""Helpers for the benchmarks: run commands interleaved, report medians (DESIGN section 7), and
a local cloud that keeps quiet while it is measured."""

from __future__ import annotations

import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the synthesis and cold-start benchmarks need no emulator
    from localcloud.cloud import LocalCloud


def time_command(command: Sequence[str], env: Mapping[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def interleaved_medians(runs: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Runs each measurement once per round, in turn, so machine noise hits all of them alike."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            samples[name].append(run())
    return {name: statistics.median(values) for name, values in samples.items()}


def silent_cloud(cdk_out: Path) -> LocalCloud:
    """A local cloud of ``cdk_out`` on free ports, printing nothing: no progress, no function
    logs."""
    from localcloud.cloud import LocalCloud  # noqa: PLC0415

    return LocalCloud(
        cdk_out,
        port=free_port(),
        http_port=free_port(),
        progress=lambda _message: None,
        function_log=lambda _function, _line: None,
    )


def free_port() -> int:
    """A port nothing listens on now: fixed ports collide with other runs on a shared machine."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
