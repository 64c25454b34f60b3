"""How long a registration takes on the local cloud: from ``POST /registrations`` answering 202
to ``GET /registrations/{id}`` first reporting a final state, for valid registrations (three
checks in parallel, the conditional write, the welcome) and rejected ones (three checks, the
rejection's record).

The first registration pays the functions' cold starts and is reported apart (``cold_ms``).
Then ``REGISTRATIONS`` of each kind, alternating, polled every 10 ms. ``execution_p50_ms`` is
what Step Functions itself recorded (stopDate - startDate), without the API and the polling.
Last line: ``p50_ms=... p90_ms=... rejected_p50_ms=... execution_p50_ms=... cold_ms=...``.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._measure import silent_cloud
from demo.checks import http
from demo.registration_workflow import a_dni
from localcloud.__main__ import api_key_values
from localcloud.cloud import LocalCloud
from localcloud.synth import synthesize

REPO = Path(__file__).resolve().parents[1]
REGISTRATIONS = int(os.environ.get("REGISTRATIONS", "40"))
POLL_S = 0.01
CARD = {"number": "4111 1111 1111 1111", "expiry": "12/35"}


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class Registrar:
    def __init__(self, cloud: LocalCloud, outputs: dict[str, str]) -> None:
        self.api = f"{outputs['RegistrationsApiUrl']}registrations"
        self.key = {"x-api-key": api_key_values(cloud)[outputs["ApiKeyId"]]}
        self.stepfunctions = cloud.emulator.client("stepfunctions")
        self.executions = outputs["StateMachineArn"].replace(":stateMachine:", ":execution:")

    def register(self, *, valid: bool) -> tuple[float, float, str]:
        """(ms from 202 to a final state, ms Step Functions recorded, the final state)."""
        body = {
            "dni": a_dni() if valid else "12345678A",
            "email": f"user{random.randrange(10**9)}@example.com",
            "name": "Bench",
            "card": CARD,
        }
        accepted = http("POST", self.api, body, self.key)
        assert accepted.status == 202, accepted.body
        accepted_at = time.perf_counter()
        registration_id = accepted.json()["id"]
        while True:
            state = http("GET", f"{self.api}/{registration_id}", headers=self.key).json()
            if state["status"] != "RUNNING":
                break
            time.sleep(POLL_S)
        took = (time.perf_counter() - accepted_at) * 1000
        execution = self.stepfunctions.describe_execution(
            executionArn=f"{self.executions}:{registration_id}"
        )
        recorded = (execution["stopDate"] - execution["startDate"]).total_seconds() * 1000
        return took, recorded, str(state["status"])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cdk.out.bench.") as scratch:
        synthesize(REPO, Path(scratch))
        with silent_cloud(Path(scratch)) as cloud:
            outputs = next(o for o in cloud.local_outputs().values() if "StateMachineArn" in o)
            registrar = Registrar(cloud, outputs)
            cold, _, _ = registrar.register(valid=True)
            registrar.register(valid=False)
            valid: list[float] = []
            rejected: list[float] = []
            recorded: list[float] = []
            for _ in range(REGISTRATIONS):
                took, in_sfn, status = registrar.register(valid=True)
                assert status == "SUCCEEDED", status
                valid.append(took)
                recorded.append(in_sfn)
                took, _, status = registrar.register(valid=False)
                assert status == "REJECTED", status
                rejected.append(took)
    p50, p90 = statistics.median(valid), percentile(valid, 0.9)
    print(f"valid registrations ({REGISTRATIONS}): p50 {p50:.0f} ms, p90 {p90:.0f} ms")
    print(f"rejected registrations ({REGISTRATIONS}): p50 {statistics.median(rejected):.0f} ms")
    print(f"as Step Functions recorded them (valid): p50 {statistics.median(recorded):.0f} ms")
    print(f"first registration (cold functions): {cold:.0f} ms")
    print(
        f"p50_ms={p50:.0f} p90_ms={p90:.0f} rejected_p50_ms={statistics.median(rejected):.0f} "
        f"execution_p50_ms={statistics.median(recorded):.0f} cold_ms={cold:.0f}"
    )


if __name__ == "__main__":
    main()
