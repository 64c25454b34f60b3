"""Cold start of each handler: import + module-level init, against the floor every function
that talks to DynamoDB pays (``import boto3; boto3.client("dynamodb")``).

Each measurement is a fresh interpreter timing only the import (interpreter start-up is the same
for all and is left out), interleaved over ``ROUNDS`` rounds. Last line:
``floor_ms=... <handler>_ms=... ratio=...`` where ratio is the worst handler over the floor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measure import interleaved_medians

REPO = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("ROUNDS", "15"))
HANDLERS = {
    "hello_world": "hello_world.handler",
    "items": "items.handler",
    "notes": "notes.handler",
    "registrations": "registrations.handler",
    "card_check": "registrations.card_check",
    "dni_check": "registrations.dni_check",
}
FLOOR = "import boto3; boto3.client('dynamodb')"
# Lambda's runtime ships boto3 compiled, and `make setup` compiles the venv: let the handlers'
# own modules be compiled too, as they would be after the first run.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPATH": str(REPO / "lambdas"),
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "TABLE_NAME": "items",
    "STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:bench",
    "CARD_KEY_ID": "arn:aws:kms:us-east-1:123456789012:key/bench",
    "ID_KEY_ID": "arn:aws:kms:us-east-1:123456789012:key/bench-ids",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "bench",
}


def timed(statement: str) -> float:
    probe = (
        "import time, json\n"
        "start = time.perf_counter()\n"
        f"{statement}\n"
        "print(json.dumps(time.perf_counter() - start))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=ENV, check=True, capture_output=True, text=True
    )
    return float(json.loads(done.stdout.strip().splitlines()[-1])) * 1000


def main() -> None:
    runs = {"floor": lambda: timed(FLOOR)}
    for name, module in HANDLERS.items():
        runs[name] = lambda module=module: timed(f"import {module}")
    for run in runs.values():  # compile bytecode once, untimed
        run()
    medians = interleaved_medians(runs, ROUNDS)
    worst = max(HANDLERS, key=lambda name: medians[name])
    ratio = medians[worst] / medians["floor"]
    print(f"rounds={ROUNDS} (medians of import + init in a fresh interpreter)")
    for name, value in medians.items():
        print(f"{name:>12}: {value:7.1f} ms")
    figures = " ".join(f"{name}_ms={value:.0f}" for name, value in medians.items())
    print(f"{figures} worst={worst} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
