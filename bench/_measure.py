"""Helpers for the benchmarks: run commands interleaved, report medians (DESIGN section 7)."""

from __future__ import annotations

import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence


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


def free_port() -> int:
    """A port nothing listens on now (benchmarks run beside other local clouds)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
