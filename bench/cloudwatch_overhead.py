"""What recording logs and metrics in the emulator's CloudWatch costs the local cloud.

Warm ``GET /items/{id}`` through the local API (bench/local_latency.py's requests, REQUESTS of
them) with CloudWatch recording off and on, in alternating child processes (ROUNDS each, so
machine noise hits both alike; medians), and the recorder's background write time per
request: the work taken off the request path. Last line:
``p50_off_ms=... p50_on_ms=... p99_off_ms=... p99_on_ms=... ratio=... write_ms_per_request=...``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measure import free_port
from bench.local_latency import REPO, REQUESTS, get_latencies
from localcloud.cloud import LocalCloud
from localcloud.synth import synthesize

ROUNDS = int(os.environ.get("ROUNDS", "3"))


def child(mode: str, cdk_out: Path) -> None:
    """One local cloud, recording or not: its latencies and what writing cost, as JSON."""
    cloud = LocalCloud(
        cdk_out,
        port=free_port(),
        http_port=free_port(),
        progress=lambda _message: None,
        function_log=lambda _function, _line: None,
        record_cloudwatch=mode == "on",
    )
    with cloud:
        _cold, p50, p99 = get_latencies(cloud, cold_starts=0)
        assert cloud.flush_cloudwatch()
        write_s = cloud.cloudwatch.write_s if cloud.cloudwatch is not None else 0.0
    print(json.dumps({"p50": p50, "p99": p99, "write_s": write_s}))


def main() -> None:
    runs: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as scratch:
        cdk_out = Path(scratch) / "cdk.out"
        synthesize(REPO, cdk_out)
        for _ in range(ROUNDS):
            for mode, results in runs.items():
                done = subprocess.run(
                    [sys.executable, __file__, "--child", mode, str(cdk_out)],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    median = {
        (mode, key): statistics.median(run[key] for run in results)
        for mode, results in runs.items()
        for key in ("p50", "p99", "write_s")
    }
    # The write time covers everything recorded during the run: deployment, the cold request
    # and the warm ones.
    write_ms = median["on", "write_s"] * 1000 / (REQUESTS + 1)
    ratio = median["on", "p50"] / median["off", "p50"]
    print(f"GET /items/{{id}}, {REQUESTS} warm requests, median of {ROUNDS} runs each:")
    print(f"  recording off: p50 {median['off', 'p50']:.2f} ms, p99 {median['off', 'p99']:.2f} ms")
    print(f"  recording on:  p50 {median['on', 'p50']:.2f} ms, p99 {median['on', 'p99']:.2f} ms")
    print(f"  background writes to CloudWatch: {write_ms:.2f} ms per request")
    print(
        f"p50_off_ms={median['off', 'p50']:.2f} p50_on_ms={median['on', 'p50']:.2f} "
        f"p99_off_ms={median['off', 'p99']:.2f} p99_on_ms={median['on', 'p99']:.2f} "
        f"ratio={ratio:.2f} write_ms_per_request={write_ms:.2f}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]))
    else:
        main()
