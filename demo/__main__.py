"""``make demo``: start the local cloud, exercise every deployed architecture once with real
requests, say what happened, and exit 0 only if everything behaved.

Each architecture's demo step is a module of this package with a ``run(cloud, outputs,
report)`` that does nothing when the architecture is not deployed; a new architecture's step
is a new module and its name in ``ARCHITECTURES``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from localcloud.__main__ import PROJECT
from localcloud.cloud import LocalCloud
from localcloud.synth import synthesize

from .checks import Report

# The demo steps, in the order they run: one module of this package per architecture.
ARCHITECTURES = (
    "hello_world",
    "rest_microservice",
    "web_application",
    "event_driven",
    "registration_workflow",
    "stream_processing",
    "image_processing",
)

Step = Callable[[LocalCloud, dict[str, dict[str, str]], Report], None]


def steps() -> list[tuple[str, Step]]:
    return [(name, importlib.import_module(f"{__package__}.{name}").run) for name in ARCHITECTURES]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--port", type=int, default=4576)
    parser.add_argument("--http-port", type=int, default=4577)
    args = parser.parse_args(argv)
    report = Report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cdk.out.demo.") as scratch:
        print("Synthesizing and starting the local cloud ...", flush=True)
        synthesize(PROJECT, Path(scratch))
        local = LocalCloud(
            Path(scratch),
            port=args.port,
            http_port=args.http_port,
            progress=lambda message: print(f"  ... {message}", flush=True),
            # The demo says what happened itself; function logs stay out of the way.
            function_log=lambda function, line: None,
        )
        with local as cloud:
            outputs = cloud.local_outputs()
            print(f"ready in {time.perf_counter() - started:.1f} s")
            for name, step in steps():
                try:
                    step(cloud, outputs, report)
                except Exception as error:  # report it and go on with the next architecture
                    report.check(name, False, f"{type(error).__name__}: {error}")
    if report.failures:
        print(f"\n{len(report.failures)} check(s) failed: {', '.join(report.failures)}")
        return 1
    print("\nEvery architecture behaved as designed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
