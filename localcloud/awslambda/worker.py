"""One Lambda execution environment: imports a function's handler once, then runs invocations.

Started by :mod:`localcloud.awslambda.runtime` as ``python -u -S worker.py READ_FD WRITE_FD
LIFELINE_FD`` with the function's environment (``_HANDLER``, ``LAMBDA_TASK_ROOT``,
``AWS_LAMBDA_*``...), its code directory as the working directory and Lambda's import path in
``PYTHONPATH`` (its code, its layers, the runtime's AWS SDK). It uses the standard library
only, so it runs whatever those provide, and nothing else.

Protocol, over a private pipe pair (stdout and stderr stay the function's own, as in Lambda):
every message is a frame ``>II`` (header length, body length), a JSON header, a body.

- worker -> runtime, once, after the init phase: ``{"type": "ready", "init_ms"}`` or
  ``{"type": "init_error"}`` with Lambda's error document as the body; the worker then exits,
  and Lambda retries the init on the next invocation, with a fresh environment.
- runtime -> worker: ``{"request_id", "deadline_ms", "invoked_function_arn", "trace_id"}``
  with the event (JSON) as the body.
- worker -> runtime: ``{"type": "result"|"error", "max_rss_mb"}`` with the JSON payload, or
  Lambda's error document ``{errorMessage, errorType, requestId, stackTrace}``, as the body.

``LIFELINE_FD`` is the read end of a pipe whose write end only the runtime's process holds:
when that process ends, however it ends (SIGKILL included), the read returns end-of-file and
the worker kills its process group (itself and whatever the handler started), so no worker
outlives the local cloud. A thread blocked on a pipe costs nothing, unlike polling the parent
pid, and ``PR_SET_PDEATHSIG`` would fire when the *thread* that started the worker ends.

Before each reply the worker flushes the function's output and writes a marker line (see
``LOG_MARKER``) to it, so the runtime knows which lines belong to which invocation.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import json
import logging
import os
import resource
import signal
import struct
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import IO, Any

LOG_MARKER = "\x1elocalcloud-end "
_FRAME = struct.Struct(">II")

Handler = Callable[[Any, Any], Any]


class LambdaContext:
    """The context object of Lambda's Python runtime (same attribute names and types)."""

    def __init__(self, request_id: str, deadline_ms: int, invoked_function_arn: str) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        # A string, as in Lambda's runtime.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)

    def log(self, message: str) -> None:
        sys.stdout.write(message)

    def __repr__(self) -> str:
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},"
            f"function_name={self.function_name},function_version={self.function_version}])"
        )


class _Fault(Exception):
    def __init__(self, error_type: str, message: str, stack: list[str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = stack or []


def error_document(
    error_type: str, message: str, request_id: str, stack: list[str]
) -> dict[str, Any]:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack,
    }


def load_handler(handler: str) -> Handler:
    """Lambda's Python runtime rules and error types for ``module.path.function``."""
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as error:
        raise _Fault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {error}") from None
    module_name = module_name.replace("/", ".")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise _Fault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise _Fault(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from None
    except SyntaxError as error:
        raise _Fault(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {error}",
            [f'  File "{error.filename}" Line {error.lineno}\n    {error.text}'],
        ) from None
    try:
        function: Handler = getattr(module, function_name)
    except AttributeError:
        raise _Fault(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        ) from None
    return function


class _Encoder(json.JSONEncoder):
    """Lambda's response marshaller: Decimals become numbers, text stays unescaped."""

    def default(self, o: Any) -> Any:
        if isinstance(o, decimal.Decimal):
            return float(o)
        return super().default(o)


def marshal(result: Any) -> bytes:
    return json.dumps(result, cls=_Encoder, ensure_ascii=False).encode()


def _user_stack(tb: Any) -> list[str]:
    # Leave out this module's own frames, as Lambda's runtime leaves out its bootstrap.
    frames = [f for f in traceback.extract_tb(tb) if f.filename != __file__]
    return traceback.format_list(frames)


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


def _configure_root_logger() -> _RequestIdFilter:
    # Lambda's runtime gives the root logger a handler with this format; code that only calls
    # logging.getLogger().setLevel(...) relies on it.
    handler = logging.StreamHandler(sys.stdout)
    request_filter = _RequestIdFilter()
    handler.addFilter(request_filter)
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    logging.getLogger().addHandler(handler)
    return request_filter


class _Channel:
    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._reader: IO[bytes] = os.fdopen(read_fd, "rb")
        self._write_fd = write_fd

    def receive(self) -> tuple[dict[str, Any], bytes] | None:
        prefix = self._reader.read(_FRAME.size)
        if len(prefix) < _FRAME.size:
            return None
        header_size, body_size = _FRAME.unpack(prefix)
        header = self._reader.read(header_size)
        body = self._reader.read(body_size)
        if len(header) < header_size or len(body) < body_size:
            return None
        return json.loads(header), body

    def send(self, header: dict[str, Any], body: bytes) -> None:
        encoded = json.dumps(header).encode()
        data = memoryview(_FRAME.pack(len(encoded), len(body)) + encoded + body)
        while data:
            data = data[os.write(self._write_fd, data) :]


def _end_of_output(token: str) -> None:
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        with contextlib.suppress(OSError, ValueError):
            if stream is not None:
                stream.flush()
    # The runtime reads fd 1 and fd 2 from one pipe; the newline ends any unfinished line.
    with contextlib.suppress(OSError):  # the function may have closed it
        os.write(1, f"\n{LOG_MARKER}{token}\n".encode())


def _log_error(document: dict[str, Any]) -> None:
    lines = [f"[ERROR] {document['errorType']}: {document['errorMessage']}"]
    if document["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.extend(frame.rstrip("\n") for frame in document["stackTrace"])
    print("\n".join(lines), file=sys.stderr, flush=True)


def _max_rss_mb() -> int:
    # VmHWM starts afresh at exec; ru_maxrss keeps the peak of the process that forked us.
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def invoke(
    handler: Handler, header: dict[str, Any], body: bytes, request_filter: _RequestIdFilter
) -> tuple[dict[str, Any], bytes]:
    request_id = header["request_id"]
    request_filter.request_id = request_id
    if header.get("trace_id"):
        os.environ["_X_AMZN_TRACE_ID"] = header["trace_id"]
    context = LambdaContext(request_id, header["deadline_ms"], header["invoked_function_arn"])
    try:
        result = handler(json.loads(body), context)
    except Exception as error:
        document = error_document(
            type(error).__name__, str(error), request_id, _user_stack(error.__traceback__)
        )
        _log_error(document)
        return {"type": "error"}, json.dumps(document).encode()
    try:
        return {"type": "result"}, marshal(result)
    except (TypeError, ValueError) as error:
        document = error_document(
            "Runtime.MarshalError", f"Unable to marshal response: {error}", request_id, []
        )
        _log_error(document)
        return {"type": "error"}, json.dumps(document).encode()


def _die_with_the_runtime(lifeline_fd: int) -> None:
    """Blocks until the runtime's process is gone, then ends this worker's process group."""
    with contextlib.suppress(OSError):
        os.read(lifeline_fd, 1)
    if os.getpgid(0) == os.getpid():  # the runtime makes each worker its own group's leader
        os.killpg(os.getpid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> int:
    threading.Thread(
        target=_die_with_the_runtime, args=(int(argv[3]),), name="lifeline", daemon=True
    ).start()
    channel = _Channel(int(argv[1]), int(argv[2]))
    request_filter = _configure_root_logger()
    started = time.perf_counter()
    try:
        handler = load_handler(os.environ["_HANDLER"])
    except _Fault as fault:
        document = error_document(fault.error_type, fault.message, "", fault.stack)
    except Exception as error:
        # Any other exception raised while importing the module fails the init phase.
        document = error_document(
            type(error).__name__, str(error), "", _user_stack(error.__traceback__)
        )
    else:
        init_ms = (time.perf_counter() - started) * 1000
        _end_of_output("init")
        channel.send({"type": "ready", "init_ms": init_ms}, b"")
        while (message := channel.receive()) is not None:
            header, body = message
            reply, payload = invoke(handler, header, body, request_filter)
            reply["max_rss_mb"] = _max_rss_mb()
            _end_of_output(header["request_id"])
            channel.send(reply, payload)
        return 0
    _log_error(document)
    _end_of_output("init")
    channel.send({"type": "init_error"}, json.dumps(document).encode())
    return 1


if __name__ == "__main__":
    # sys.path[0] is this file's directory, which is not part of the function.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    sys.exit(main(sys.argv))
