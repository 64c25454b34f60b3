"""The Lambda executor: runs functions' Python handlers in warm worker processes.

Each function gets a pool of execution environments, like Lambda's: the first invocation
starts a worker process (the cold start: the handler module is imported once), later ones
reuse an idle worker, and a request that arrives while every worker is busy starts another,
up to ``max_workers_per_function``. A worker is ``python -u -S worker.py`` started with:

- the function's environment variables, then Lambda's reserved ones (``AWS_REGION``,
  ``AWS_LAMBDA_FUNCTION_NAME``, ``LAMBDA_TASK_ROOT``, ``_HANDLER``...), fake credentials and
  ``AWS_ENDPOINT_URL`` pointing at the emulator, so the SDK clients in the handler talk to it;
  nothing of the caller's environment passes except ``PATH``, ``LANG`` and friends (no AWS
  credentials, no ``~/.aws`` files, no ``PYTHONPATH``, no ``PYTHONDONTWRITEBYTECODE``);
- its code (the deployed zip, extracted once per code hash) as working directory and the
  first entry of ``PYTHONPATH``, then its layers' Python folders (each layer extracted once
  per hash, host builds of their compiled distributions ahead of them) and the AWS SDK
  Lambda's runtime provides: what Lambda's ``sys.path`` holds, and nothing of this
  environment's site-packages (``-S``; see ``dependencies``). An undeclared dependency fails
  with ``Runtime.ImportModuleError`` here as in AWS. Only Python runtimes are executed.
- the read end of a lifeline pipe only this process writes to: when this process ends, even
  by SIGKILL, its workers end with it (see ``worker``).

Errors come back as Lambda returns them: an unhandled exception, an init failure
(``Runtime.ImportModuleError``, ``Runtime.HandlerNotFound``...), a result that is not JSON
(``Runtime.MarshalError``), a timeout (the worker is killed: ``Sandbox.Timedout``) or a
crashed worker (``Runtime.ExitError``), each with ``FunctionError: Unhandled``.

With a :class:`~localcloud.cloudwatch.recorder.CloudWatchRecorder` (``cloudwatch=``), each
function's output and Lambda's START/END/REPORT lines also go to its CloudWatch log group, one
log stream per worker, and every invocation records its ``AWS/Lambda`` metrics
(``telemetry.py``).

Asynchronous invocations (``InvocationType=Event``) return at once and run in a background
thread; a failure is retried twice (or ``MaximumRetryAttempts``), after a short delay standing
in for Lambda's minutes, then the event goes to the function's dead-letter queue (SQS or SNS,
with Lambda's ``RequestID``/``ErrorCode``/``ErrorMessage`` attributes) and to its on-failure
destination; a success goes to its on-success destination.

:meth:`LambdaRuntime.install` makes moto run every invocation (Invoke API, event sources,
notifications) through the runtime; :meth:`LambdaRuntime.invoke` can also be called directly.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..cloudwatch.recorder import CloudWatchRecorder
from . import moto_gaps
from .dependencies import (
    DependencyError,
    HostPackages,
    default_cache_dir,
    distributions,
    layer_paths,
    link_runtime_sdk,
    publish_folder,
)
from .destinations import Destinations
from .function_spec import FunctionSpec
from .telemetry import FunctionTelemetry, LogTarget, Report, end_line, start_line

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
# Must match worker.LOG_MARKER (the worker imports nothing from this package).
LOG_MARKER = "\x1elocalcloud-end "
UNHANDLED = "Unhandled"
# Lambda gives the init phase 10 s of its own, outside the function's timeout.
INIT_TIMEOUT_S = 10.0
# How long to wait for a worker's last output lines once it has replied.
_LOG_SETTLE_S = 2.0
_LOG_TAIL_BYTES = 4096
_FRAME = struct.Struct(">II")
# From the caller's environment, only what a process needs to run at all.
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "LD_LIBRARY_PATH", "TMPDIR", "SYSTEMROOT")

LogSink = Callable[[str, str], None]
_print_lock = threading.Lock()


def print_log(function_name: str, line: str) -> None:
    """The default log sink: ``[function-name] line`` on stderr, one line at a time."""
    with _print_lock:
        sys.stderr.write(f"[{function_name}] {line}\n")
        sys.stderr.flush()


# ---------------------------------------------------------------------------------------
# what came back


@dataclass(frozen=True)
class InvokeResult:
    payload: bytes
    function_error: str | None
    log_tail: str
    duration_ms: float
    request_id: str = ""
    cold_start: bool = False
    init_duration_ms: float | None = None

    def json(self) -> Any:
        return json.loads(self.payload) if self.payload else None


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _error_type(outcome: _Outcome) -> str:
    try:
        document = json.loads(outcome.payload)
    except ValueError:
        return UNHANDLED
    found = document.get("errorType") if isinstance(document, dict) else None
    return str(found) if found else UNHANDLED


def _trace_id() -> str:
    root = f"1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"
    return f"Root={root};Parent={uuid.uuid4().hex[:16]};Sampled=0"


# ---------------------------------------------------------------------------------------
# one execution environment


class _WorkerDied(Exception):
    pass


class _Worker:
    """A worker process, its private request/response pipes and its output reader."""

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        cwd: Path,
        spec: FunctionSpec,
        log: LogSink,
        *,
        lifeline_fd: int,
        target: LogTarget,
        telemetry: FunctionTelemetry | None = None,
    ) -> None:
        self.function_name = spec.name
        self._log = log
        self.target = target
        self._telemetry = telemetry
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [*command, str(child_read), str(child_write), str(lifeline_fd)],
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(child_read, child_write, lifeline_fd),
                # Its own process group: Ctrl-C goes to us, and a kill takes its children too.
                start_new_session=True,
            )
        except BaseException:
            for fd in (parent_read, parent_write):
                os.close(fd)
            raise
        finally:
            os.close(child_read)
            os.close(child_write)
        self.pid = self.process.pid
        self._read_fd = parent_read
        self._write_fd = parent_write
        self._lines: list[str] = []
        self._markers: set[str] = set()
        self._output = threading.Condition()
        self._reader = threading.Thread(
            target=self._read_output, name=f"lambda-log-{spec.name}-{self.pid}", daemon=True
        )
        self._reader.start()
        self.retired = False
        self.init_ms: float | None = None
        self._stop_lock = threading.Lock()
        self._stopped = False

    # -- output -------------------------------------------------------------------------

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        blank_pending = False
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            marker_at = line.find(LOG_MARKER)
            if marker_at >= 0:
                # The worker writes "\n" + marker: the blank line before it is not output.
                blank_pending = False
                if line[:marker_at]:
                    self._emit(line[:marker_at])
                with self._output:
                    self._markers.add(line[marker_at + len(LOG_MARKER) :])
                    self._output.notify_all()
                continue
            if blank_pending:
                self._emit("")
            blank_pending = line == ""
            if line:
                self._emit(line)
        with self._output:
            self._markers.add("<eof>")
            self._output.notify_all()

    def _emit(self, line: str) -> None:
        with self._output:
            self._lines.append(line)
        with contextlib.suppress(Exception):  # a broken log sink must not stop the function
            self._log(self.function_name, line)
        if self._telemetry is not None:
            self._telemetry.output(self.target, line)

    def take_lines(self, token: str | None) -> list[str]:
        """The output since the last call; with a token, once the worker's marker arrived."""
        with self._output:
            if token is not None:
                self._output.wait_for(
                    lambda: token in self._markers or "<eof>" in self._markers, _LOG_SETTLE_S
                )
                self._markers.discard(token)
            lines, self._lines = self._lines, []
        return lines

    # -- messages -----------------------------------------------------------------------

    def send(self, header: dict[str, Any], body: bytes) -> None:
        encoded = json.dumps(header).encode()
        data = memoryview(_FRAME.pack(len(encoded), len(body)) + encoded + body)
        try:
            while data:
                data = data[os.write(self._write_fd, data) :]
        except (OSError, ValueError) as error:  # BrokenPipeError: the worker is gone
            raise _WorkerDied(str(error)) from error

    def receive(self, deadline: float) -> tuple[dict[str, Any], bytes]:
        """The next message; TimeoutError past ``deadline`` (monotonic), _WorkerDied on EOF."""
        header_size, body_size = _FRAME.unpack(self._read_exact(_FRAME.size, deadline))
        header = json.loads(self._read_exact(header_size, deadline))
        return header, self._read_exact(body_size, deadline)

    def _read_exact(self, size: int, deadline: float) -> bytes:
        chunks: list[bytes] = []
        missing = size
        while missing:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            try:
                readable, _, _ = select.select([self._read_fd], [], [], remaining)
                if not readable:
                    continue
                chunk = os.read(self._read_fd, missing)
            except (OSError, ValueError) as error:
                raise _WorkerDied(str(error)) from error
            if not chunk:
                raise _WorkerDied(f"worker exited with status {self.process.poll()}")
            chunks.append(chunk)
            missing -= len(chunk)
        return b"".join(chunks)

    # -- life cycle ---------------------------------------------------------------------

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the worker's process group; its owner then sees EOF and stops it."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)

    def close_requests(self) -> None:
        """EOF on the worker's request pipe: an idle worker exits."""
        with self._stop_lock:
            if self._write_fd < 0:
                return
            fd, self._write_fd = self._write_fd, -1
        with contextlib.suppress(OSError):
            os.close(fd)

    def stop(self, grace_s: float = 0.0) -> None:
        """Ends the worker (EOF on its request pipe, then SIGKILL) and frees its pipes.

        Only the thread that holds the worker (busy: its invocation; idle: whoever took it
        out of the pool) calls this, so no other thread still uses the descriptors.
        """
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self.close_requests()
        if grace_s:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(grace_s)
        self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self._reader.join(1)
        with contextlib.suppress(OSError):
            os.close(self._read_fd)
        if self.process.stdout is not None:
            self.process.stdout.close()


# ---------------------------------------------------------------------------------------
# the execution environments of one function


class _Pool:
    def __init__(self, spec: FunctionSpec, capacity: int) -> None:
        self.spec = spec
        self.fingerprint = spec.fingerprint()
        self.capacity = capacity
        self.idle: list[_Worker] = []
        self.busy: set[_Worker] = set()
        self.starting = 0
        self.changed = threading.Condition()


# ---------------------------------------------------------------------------------------
# how one invocation ended


@dataclass
class _Outcome:
    payload: bytes
    function_error: str | None
    duration_ms: float
    # "timeout" or "error" when the worker was ended (REPORT's Status field); None otherwise.
    status: str | None = None
    max_rss_mb: int | None = None
    # The worker's output marker that ends this invocation's lines (None: read what is there).
    marker: str | None = None
    # Lines the runtime itself writes to the function's log.
    runtime_lines: list[str] = field(default_factory=list)


def _timed_out(request_id: str, timeout_s: float, started: float) -> _Outcome:
    seconds = f"{timeout_s:.2f}"
    payload = _error_payload(
        "Sandbox.Timedout", f"RequestId: {request_id} Error: Task timed out after {seconds} seconds"
    )
    return _Outcome(
        payload,
        UNHANDLED,
        (time.monotonic() - started) * 1000,
        status="timeout",
        runtime_lines=[f"{_now_iso()} {request_id} Task timed out after {seconds} seconds"],
    )


def _exited(request_id: str, died: _WorkerDied, started: float) -> _Outcome:
    message = f"RequestId: {request_id} Error: Runtime exited with error: {died}"
    return _Outcome(
        _error_payload("Runtime.ExitError", message),
        UNHANDLED,
        (time.monotonic() - started) * 1000,
        status="error",
        runtime_lines=[message],
    )


# ---------------------------------------------------------------------------------------
# the runtime


class LambdaRuntime:
    """Runs Lambda functions locally; see the module documentation."""

    def __init__(
        self,
        *,
        endpoint: str,
        region: str,
        python: str = sys.executable,
        log: LogSink | None = None,
        workdir: Path | None = None,
        max_workers_per_function: int = 4,
        async_retry_delays_s: tuple[float, ...] = (1.0, 2.0),
        cache_dir: Path | None = None,
        cloudwatch: CloudWatchRecorder | None = None,
    ) -> None:
        """``cache_dir`` keeps, across runs, the layers (extracted, with the bytecode their
        imports compile) and host builds of their compiled packages (default:
        ``~/.cache/localcloud``): content-addressed, so paid once per machine."""
        self.endpoint = endpoint
        self._telemetry = FunctionTelemetry(cloudwatch) if cloudwatch is not None else None
        self.region = region
        self.python = python
        self.log: LogSink = log or print_log
        self.max_workers_per_function = max_workers_per_function
        # Lambda waits about 1 and 2 minutes between asynchronous retries; locally, seconds.
        self.async_retry_delays_s = async_retry_delays_s
        self._own_workdir = workdir is None
        self.workdir = (
            Path(tempfile.mkdtemp(prefix="localcloud-lambda-")) if workdir is None else workdir
        )
        self._lock = threading.Lock()
        self._pools: dict[str, _Pool] = {}
        self._code_dirs: dict[tuple[Path, str], Path] = {}
        self._extract_lock = threading.Lock()
        self._async: set[threading.Thread] = set()
        self._async_done = threading.Condition(self._lock)
        self._destinations = Destinations(endpoint=endpoint, region=region)
        # Workers read the lifeline; only this process holds its write end (pipes are not
        # inherited), so they see end-of-file and end when this process does, however it ends.
        self._lifeline_read, self._lifeline_write = os.pipe()
        self._closed = False
        self._installed = False
        self._previous_invoker: moto_gaps.LambdaInvoker | None = None
        self.cache_dir = cache_dir or default_cache_dir()
        self._host_packages = HostPackages(self.cache_dir / "host-packages", python)
        self._layer_paths: dict[tuple[str, str], list[Path]] = {}
        self._sdk_dir: Path | None = None

    # -- moto -----------------------------------------------------------------------------

    def install(self) -> LambdaRuntime:
        """Makes moto run every Lambda invocation through this runtime."""
        self._previous_invoker = moto_gaps.current_lambda_invoker()
        moto_gaps.set_lambda_invoker(self._invoke_moto)
        self._installed = True
        return self

    def _invoke_moto(
        self, function: moto_gaps.MotoFunction, event: Any, invocation_type: str
    ) -> tuple[bytes, str | None, str]:
        result = self.invoke(moto_gaps.spec_from_moto(function), event, invocation_type)
        return result.payload, result.function_error, result.log_tail

    def invoke_function(
        self,
        function: str,
        event: Any,
        invocation_type: str = "RequestResponse",
        *,
        qualifier: str | None = None,
    ) -> InvokeResult:
        """Invokes a function deployed in the emulator, by name or ARN, without HTTP in between
        (for the servers in front of Lambda: API Gateway, event sources)."""
        return self.invoke(
            moto_gaps.spec_from_moto(moto_gaps.deployed_function(function, qualifier, self.region)),
            event,
            invocation_type,
        )

    # -- invocations ----------------------------------------------------------------------

    def invoke(
        self, spec: FunctionSpec, event: Any, invocation_type: str = "RequestResponse"
    ) -> InvokeResult:
        """Runs the function; ``Event`` returns at once and runs it in the background."""
        if self._closed:
            raise RuntimeError("the Lambda runtime is closed")
        if invocation_type == "DryRun":
            return InvokeResult(b"", None, "", 0.0)
        if invocation_type == "Event":
            request_id = str(uuid.uuid4())
            thread = threading.Thread(
                target=self._run_async,
                args=(spec, event, request_id, time.time()),
                name=f"lambda-async-{spec.name}",
                daemon=True,
            )
            with self._lock:
                self._async.add(thread)
            thread.start()
            return InvokeResult(b"", None, "", 0.0, request_id=request_id)
        return self._invoke_sync(spec, event, str(uuid.uuid4()))

    def join_async(self, timeout_s: float | None = None) -> bool:
        """Waits for the background (``Event``) invocations; False if some still run."""
        with self._async_done:
            return self._async_done.wait_for(lambda: not self._async, timeout_s)

    def _invoke_sync(self, spec: FunctionSpec, event: Any, request_id: str) -> InvokeResult:
        if not spec.runtime.startswith("python"):
            message = f"localcloud runs Python functions only, not {spec.runtime}"
            payload = _error_payload("Runtime.InvalidRuntime", message)
            return InvokeResult(payload, UNHANDLED, message, 0.0, request_id)
        body = json.dumps(event).encode()
        pool = self._pool_for(spec)
        worker, cold = self._acquire(pool)
        # Busy execution environments, this one included (ConcurrentExecutions).
        concurrent = len(pool.busy)
        outcome: _Outcome | None = None
        try:
            init_lines: list[str] = []
            if cold:
                outcome = self._initialize(worker, request_id)
                init_lines = worker.take_lines("init")
                if outcome is not None:
                    self._log_start(worker, spec, request_id)
                    return self._result(
                        spec,
                        request_id,
                        worker,
                        outcome,
                        init_lines,
                        cold=True,
                        concurrent=concurrent,
                    )
            self._log_start(worker, spec, request_id)
            outcome = self._run(worker, spec, body, request_id)
            return self._result(
                spec, request_id, worker, outcome, init_lines, cold=cold, concurrent=concurrent
            )
        finally:
            self._release(pool, worker, keep=outcome is not None and outcome.status is None)

    def _log_start(self, worker: _Worker, spec: FunctionSpec, request_id: str) -> None:
        if self._telemetry is not None:
            self._telemetry.started(worker.target, request_id, spec.version)

    def _initialize(self, worker: _Worker, request_id: str) -> _Outcome | None:
        """Waits for a new worker's init phase; what to report if it failed."""
        started = time.monotonic()
        try:
            reply, body = worker.receive(started + INIT_TIMEOUT_S)
        except TimeoutError:
            worker.stop()
            return _timed_out(request_id, INIT_TIMEOUT_S, started)
        except _WorkerDied as died:
            worker.stop()
            return _exited(request_id, died, started)
        if reply["type"] != "ready":
            # Lambda retries a failed init on the next invocation, in a new environment.
            worker.stop(grace_s=1.0)
            return _Outcome(body, UNHANDLED, 0.0, status="error")
        worker.init_ms = float(reply["init_ms"])
        return None

    def _run(self, worker: _Worker, spec: FunctionSpec, body: bytes, request_id: str) -> _Outcome:
        started = time.monotonic()
        header = {
            "request_id": request_id,
            "deadline_ms": int((time.time() + spec.timeout_s) * 1000),
            "invoked_function_arn": spec.arn,
            "trace_id": _trace_id(),
        }
        try:
            worker.send(header, body)
            reply, payload = worker.receive(started + spec.timeout_s)
        except TimeoutError:
            # Lambda ends the execution environment; the next invocation starts a new one.
            worker.stop()
            return _timed_out(request_id, spec.timeout_s, started)
        except _WorkerDied as died:
            worker.stop()
            return _exited(request_id, died, started)
        return _Outcome(
            payload,
            UNHANDLED if reply["type"] == "error" else None,
            (time.monotonic() - started) * 1000,
            max_rss_mb=reply.get("max_rss_mb"),
            marker=request_id,
        )

    def _result(
        self,
        spec: FunctionSpec,
        request_id: str,
        worker: _Worker,
        outcome: _Outcome,
        init_lines: list[str],
        *,
        cold: bool,
        concurrent: int,
    ) -> InvokeResult:
        """The invocation's result, with Lambda's START/END/REPORT lines in the log tail (and,
        with a recorder, its end in the function's log group and its metrics)."""
        lines = worker.take_lines(outcome.marker)
        for line in outcome.runtime_lines:
            self.log(spec.name, line)
        duration = outcome.duration_ms
        init_ms = worker.init_ms if cold else None
        report = Report(
            request_id,
            duration,
            spec.memory_mb,
            outcome.max_rss_mb or 0,
            init_ms,
            outcome.status,
            _error_type(outcome) if outcome.function_error else None,
        )
        if self._telemetry is not None:
            self._telemetry.finished(
                worker.target, report, outcome.runtime_lines, concurrent=concurrent
            )
        log = [
            *init_lines,
            start_line(request_id, spec.version),
            *lines,
            *outcome.runtime_lines,
            end_line(request_id),
            report.text(),
        ]
        tail = ("\n".join(log) + "\n").encode()[-_LOG_TAIL_BYTES:].decode("utf-8", "ignore")
        return InvokeResult(
            outcome.payload,
            outcome.function_error,
            tail,
            duration,
            request_id,
            cold,
            init_ms,
        )

    # -- asynchronous invocations ---------------------------------------------------------

    def _run_async(self, spec: FunctionSpec, event: Any, request_id: str, queued_at: float) -> None:
        try:
            attempts = 1 + max(0, spec.max_retry_attempts)
            self._event_age(spec, queued_at)
            result = self._invoke_sync(spec, event, request_id)
            attempt = 1
            while result.function_error and attempt < attempts and not self._closed:
                delays = self.async_retry_delays_s or (0.0,)
                time.sleep(delays[min(attempt - 1, len(delays) - 1)])
                if self._closed:
                    return
                self._event_age(spec, queued_at)
                result = self._invoke_sync(spec, event, request_id)
                attempt += 1
            if self._closed:
                return
            self._after_async(spec, event, request_id, result, attempt)
        except Exception as error:  # the background thread has nobody to raise to
            if not self._closed:
                self.log(spec.name, f"localcloud: asynchronous invocation failed: {error!r}")
        finally:
            with self._async_done:
                self._async.discard(threading.current_thread())
                self._async_done.notify_all()

    def _event_age(self, spec: FunctionSpec, queued_at: float) -> None:
        if self._telemetry is not None:
            self._telemetry.metrics.async_event_age(spec.name, (time.time() - queued_at) * 1000)

    def _after_async(
        self, spec: FunctionSpec, event: Any, request_id: str, result: InvokeResult, attempts: int
    ) -> None:
        failed = result.function_error is not None
        if failed and spec.dead_letter_arn:
            try:
                message = json.loads(result.payload).get("errorMessage", "")
            except ValueError:
                message = result.payload.decode("utf-8", "replace")
            try:
                self._destinations.send(
                    spec.dead_letter_arn,
                    json.dumps(event),
                    {
                        "RequestID": {"DataType": "String", "StringValue": request_id},
                        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
                        "ErrorMessage": {
                            "DataType": "String",
                            "StringValue": str(message)[:1024] or UNHANDLED,
                        },
                    },
                )
            except Exception as error:  # Lambda counts it and still tries the destination
                if self._telemetry is not None:
                    self._telemetry.metrics.dead_letter_error(spec.name)
                self.log(spec.name, f"localcloud: dead-letter queue not reached: {error!r}")
        destination = spec.on_failure_arn if failed else spec.on_success_arn
        if destination:
            try:
                response_payload = json.loads(result.payload) if result.payload else None
            except ValueError:
                response_payload = result.payload.decode("utf-8", "replace")
            response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": spec.version}
            if failed:
                response_context["functionError"] = result.function_error
            function_arn = spec.arn if spec.arn.count(":") == 7 else f"{spec.arn}:{spec.version}"
            record = {
                "version": "1.0",
                "timestamp": _now_iso(),
                "requestContext": {
                    "requestId": request_id,
                    "functionArn": function_arn,
                    "condition": "RetriesExhausted" if failed else "Success",
                    "approximateInvokeCount": attempts,
                },
                "requestPayload": event,
                "responseContext": response_context,
                "responsePayload": response_payload,
            }
            outcome = "Failure" if failed else "Success"
            self._destinations.send(
                destination,
                json.dumps(record),
                detail_type=f"Lambda Function Invocation Result - {outcome}",
                function_arn=function_arn,
            )

    # -- pools and workers ----------------------------------------------------------------

    def _pool_for(self, spec: FunctionSpec) -> _Pool:
        fingerprint = spec.fingerprint()
        retired: list[_Worker] = []
        with self._lock:
            if self._closed:
                raise RuntimeError("the Lambda runtime is closed")
            # One pool per function version (qualified ARN); $LATEST's is replaced on updates.
            pool = self._pools.get(spec.arn)
            if pool is not None and pool.fingerprint != fingerprint:
                # New code or configuration: new execution environments, as in Lambda.
                with pool.changed:
                    retired, pool.idle = pool.idle, []
                    for worker in pool.busy:
                        worker.retired = True
                pool = None
            if pool is None:
                capacity = self.max_workers_per_function
                if spec.max_workers:
                    capacity = min(capacity, spec.max_workers)
                pool = self._pools[spec.arn] = _Pool(spec, capacity)
        for worker in retired:
            worker.stop(grace_s=1.0)
        return pool

    def _acquire(self, pool: _Pool) -> tuple[_Worker, bool]:
        throttled = False
        with pool.changed:
            while True:
                while pool.idle:
                    worker = pool.idle.pop()
                    if worker.alive():
                        pool.busy.add(worker)
                        return worker, False
                    worker.stop()
                if len(pool.busy) + pool.starting < pool.capacity:
                    pool.starting += 1
                    break
                if not throttled and self._telemetry is not None:
                    # Lambda would refuse it (TooManyRequestsException); here it waits.
                    self._telemetry.metrics.throttle(pool.spec.name)
                throttled = True
                pool.changed.wait()
        try:
            worker = self._start_worker(pool.spec)
        except BaseException:
            with pool.changed:
                pool.starting -= 1
                pool.changed.notify()
            raise
        with pool.changed:
            pool.starting -= 1
            pool.busy.add(worker)
        return worker, True

    def _release(self, pool: _Pool, worker: _Worker, *, keep: bool) -> None:
        with pool.changed:
            pool.busy.discard(worker)
            reuse = keep and not worker.retired and not self._closed and worker.alive()
            if reuse:
                pool.idle.append(worker)
            pool.changed.notify()
        if not reuse:
            worker.stop()

    def _start_worker(self, spec: FunctionSpec) -> _Worker:
        code_dir = self._code_dir(spec)
        stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{spec.version}]{uuid.uuid4().hex}"
        target = LogTarget(
            spec.name,
            spec.log_group_name,
            stream,
            spec.log_format,
            spec.application_log_level,
        )
        env = {key: os.environ[key] for key in _PASSED_THROUGH if key in os.environ}
        env.setdefault("LANG", "C.UTF-8")
        env.update(spec.environment)
        env.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region,
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                # The user's ~/.aws files must not reach the function.
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
                "AWS_LAMBDA_LOG_STREAM_NAME": stream,
                "LAMBDA_TASK_ROOT": str(code_dir),
                "_HANDLER": spec.handler,
                "TZ": ":UTC",
                "PYTHONPATH": os.pathsep.join(str(p) for p in self._import_path(spec, code_dir)),
            }
        )
        if spec.log_format == "JSON":
            # Lambda tells the runtime (and Powertools' Logger) the format and level.
            env["AWS_LAMBDA_LOG_FORMAT"] = "JSON"
            env["AWS_LAMBDA_LOG_LEVEL"] = spec.application_log_level or "INFO"
        return _Worker(
            # -S: none of this environment's site-packages, only the import path above.
            [self.python, "-u", "-S", str(WORKER_SCRIPT)],
            env,
            code_dir,
            spec,
            self.log,
            lifeline_fd=self._lifeline_read,
            target=target,
            telemetry=self._telemetry,
        )

    def _import_path(self, spec: FunctionSpec, code_dir: Path) -> list[Path]:
        """Lambda's ``sys.path`` for the function: its code, its layers, the runtime's SDK."""
        path = [code_dir]
        for layer in spec.layers:
            key = (layer.code_key, spec.runtime)
            with self._extract_lock:
                found = self._layer_paths.get(key)
            if found is None:
                layer_dir = self._extract(layer.code_key, layer.code_zip, self.cache_dir / "layers")
                found = self._layer_import_path(spec, layer_dir)
                with self._extract_lock:
                    self._layer_paths[key] = found
            path += found
        return [*path, self._runtime_sdk()]

    def _runtime_sdk(self) -> Path:
        with self._extract_lock:
            if self._sdk_dir is None:
                self._sdk_dir = link_runtime_sdk(self.cache_dir / "runtime-sdk")
            return self._sdk_dir

    def _layer_import_path(self, spec: FunctionSpec, layer_dir: Path) -> list[Path]:
        folders = layer_paths(layer_dir, spec.runtime)
        try:
            host_builds = self._host_packages.folder_for(distributions(folders))
        except DependencyError as error:  # the import then fails in the worker, as it would
            self.log(spec.name, f"localcloud: {error}")
            return folders
        return [host_builds, *folders] if host_builds is not None else folders

    def _code_dir(self, spec: FunctionSpec) -> Path:
        if spec.code_dir is not None:
            return spec.code_dir.resolve()
        return self._extract(spec.code_key, spec.code_zip or b"", self.workdir / "code")

    def _extract(self, key: str, code_zip: bytes, into: Path) -> Path:
        """The zip, extracted once per content key into ``into`` (function code: this run's
        workdir; layers: the machine's cache, where their imports leave their bytecode, so
        a layer as large as Powertools is not compiled again on every start)."""
        with self._extract_lock:
            found = self._code_dirs.get((into, key))
            if found is not None:
                return found
            # A file-system-safe name for the hash (moto's code_sha_256 is base64).
            name = hashlib.sha256(key.encode()).hexdigest()[:32]
            target = into / name
            if not target.is_dir():
                into.mkdir(parents=True, exist_ok=True)
                staging = Path(tempfile.mkdtemp(prefix=f"{name}.", dir=into))
                if code_zip:
                    with zipfile.ZipFile(io.BytesIO(code_zip)) as archive:
                        archive.extractall(staging)
                publish_folder(staging, target)
            self._code_dirs[(into, key)] = target
            return target

    # -- life cycle -----------------------------------------------------------------------

    def worker_pids(self, function_name: str) -> list[int]:
        """The live workers of a function (idle and busy)."""
        with self._lock:
            pools = [pool for pool in self._pools.values() if pool.spec.name == function_name]
        pids: list[int] = []
        for pool in pools:
            with pool.changed:
                pids += [w.pid for w in [*pool.idle, *pool.busy] if w.alive()]
        return pids

    def close(self) -> None:
        """Stops every worker, unregisters from moto, removes the temporary workdir."""
        if self._closed:
            return
        self._closed = True
        if self._installed:
            # Hand moto back to whoever had it (another runtime in this process), if still ours.
            if moto_gaps.current_lambda_invoker() == self._invoke_moto:
                moto_gaps.set_lambda_invoker(self._previous_invoker)
            self._installed = False
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        idle: list[_Worker] = []
        for pool in pools:
            with pool.changed:
                idle += pool.idle
                pool.idle = []
                for worker in pool.busy:
                    # Their invocations end with an error and stop them on release.
                    worker.retired = True
                    worker.kill()
        for worker in idle:  # all at once: each exits on EOF
            worker.close_requests()
        for worker in idle:
            worker.stop(grace_s=0.5)
        for fd in (self._lifeline_write, self._lifeline_read):  # ends any worker still alive
            with contextlib.suppress(OSError):
                os.close(fd)
        self._destinations.close()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LambdaRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "FunctionSpec",
    "InvokeResult",
    "LambdaRuntime",
    "print_log",
]
