"""The whole local cloud in one object: emulator, Lambda runtime, deployed stacks, front door,
and the CloudWatch recorder they write their logs and metrics through.

``LocalCloud`` is what ``make local``, ``make demo`` and the end-to-end tests start. It deploys a
cloud assembly exactly as synthesized and answers with the stacks' outputs, rewritten to the
local endpoints (``local_outputs``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .awslambda.runtime import LambdaRuntime
from .cloudwatch.recorder import CloudWatchRecorder
from .cloudwatch.service_metrics import LambdaMetrics
from .deployer import Deployer, read_assembly
from .emulator import DEFAULT_PORT, Emulator
from .event_sources.poller import EventSourcePoller
from .events.moto_gaps import scheduled_rules
from .events.schedules import ScheduledRules
from .firehose.moto_gaps import DELIVERY as FIREHOSE_DELIVERY
from .front_door import FrontDoor

DEFAULT_HTTP_PORT = DEFAULT_PORT + 1

Progress = Callable[[str], None]


@dataclass
class LocalCloud:
    cdk_out: Path
    port: int = DEFAULT_PORT
    http_port: int = DEFAULT_HTTP_PORT
    progress: Progress = print
    function_log: Callable[[str, str], None] | None = None
    # Functions' and APIs' logs and metrics into the emulator's CloudWatch (off: nothing is
    # recorded, for comparisons).
    record_cloudwatch: bool = True
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    emulator: Emulator = field(init=False)
    deployer: Deployer = field(init=False)
    cloudwatch: CloudWatchRecorder | None = field(init=False, default=None)
    runtime: LambdaRuntime = field(init=False)
    front_door: FrontDoor = field(init=False)
    event_sources: EventSourcePoller = field(init=False)
    schedules: ScheduledRules = field(init=False)

    def start(self) -> LocalCloud:
        started = time.perf_counter()
        self.progress(f"starting the AWS emulator (moto) on port {self.port}")
        self.emulator = Emulator(port=self.port).start()
        if self.record_cloudwatch:
            self.cloudwatch = CloudWatchRecorder(region=self.emulator.region).start()
        self.runtime = LambdaRuntime(
            endpoint=self.emulator.endpoint,
            region=self.emulator.region,
            log=self.function_log,
            cloudwatch=self.cloudwatch,
        )
        self.runtime.install()
        self.deployer = Deployer(self.emulator, self.cdk_out)
        self.deployer.bootstrap()
        for stack in read_assembly(self.cdk_out):
            self.progress(f"deploying {stack.stack_name}")
            self.outputs[stack.stack_name] = self.deployer.deploy_stack(stack)
        self.event_sources = EventSourcePoller(
            self.runtime.invoke_function,
            self.emulator.endpoint,
            self.emulator.region,
            log=self.runtime.log,
            metrics=LambdaMetrics(self.cloudwatch) if self.cloudwatch is not None else None,
        ).start()
        self.front_door = FrontDoor(
            emulator=self.emulator,
            invoke=self.runtime.invoke_function,
            port=self.http_port,
            cloudwatch=self.cloudwatch,
        )
        self.front_door.start()
        FIREHOSE_DELIVERY.start()
        self.schedules = ScheduledRules(scheduled_rules).start()
        self.progress(f"serving APIs and sites on {self.front_door.url}")
        self.startup_s = time.perf_counter() - started
        return self

    def stop(self) -> None:
        FIREHOSE_DELIVERY.stop()  # delivers what it buffered
        # The recorder after what writes to it (it writes what is left), before the emulator.
        for part in (
            "schedules",
            "event_sources",
            "front_door",
            "runtime",
            "cloudwatch",
            "emulator",
        ):
            component = getattr(self, part, None)
            if component is not None:
                (component.stop if part not in ("runtime", "cloudwatch") else component.close)()

    def flush_cloudwatch(self) -> bool:
        """Waits until the logs and metrics recorded so far can be read from the emulator
        (they are written in the background, about once a second)."""
        return self.cloudwatch is None or self.cloudwatch.flush()

    def local_outputs(self) -> dict[str, dict[str, str]]:
        """Stack outputs with cloud URLs replaced by their local equivalents, plus how to reach
        the emulator: the format of ``cdk deploy --outputs-file``."""
        local: dict[str, dict[str, str]] = {
            stack: {key: self.front_door.local_url(value) for key, value in outputs.items()}
            for stack, outputs in self.outputs.items()
        }
        local["LocalCloud"] = {
            "AwsEndpointUrl": self.emulator.endpoint,
            "FrontDoorUrl": self.front_door.url,
            "Region": self.emulator.region,
        }
        return local

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
