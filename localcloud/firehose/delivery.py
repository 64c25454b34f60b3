"""Firehose delivery to S3, as the service does it: records are buffered per delivery stream
and written as one object when the buffer reaches its size hint or its interval passes,
whichever comes first; a delivery stream whose source is a Kinesis stream reads it from the
position it had when the delivery stream was created (Firehose starts at ``LATEST``).

An object's key is the destination's ``Prefix`` followed by the UTC hour of the buffer's
first record (``YYYY/MM/DD/HH/``) and ``{stream}-{version}-{YYYY-MM-DD-HH-MM-SS}-{random}``;
a prefix with ``!{timestamp:...}`` or ``!{firehose:random-string}`` expressions is evaluated
instead, and no hour folder is added. ``GZIP`` and ``ZIP`` compression are applied (with the
``.gz``/``.zip`` suffix); the Snappy formats are written uncompressed, with a warning.

Nothing here knows moto: ``firehose/moto_gaps.py`` gives it what it needs (the streams'
configurations, how to write an object and read a source) and hands it every record put.
:meth:`FirehoseDelivery.flush` delivers at once what is buffered (the tests' way of not
waiting for an interval); the local cloud runs :meth:`FirehoseDelivery.start`'s thread.
"""

from __future__ import annotations

import datetime
import gzip
import io
import logging
import re
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

# Firehose's defaults when a destination gives no buffering hints.
DEFAULT_INTERVAL_S = 300
DEFAULT_SIZE_MB = 5
_EXPRESSION = re.compile(r"!\{([^}]*)\}")
# Java's date pattern letters Firehose's timestamp namespace takes, as strftime's.
_JAVA_DATE = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}


@dataclass(frozen=True)
class Destination:
    """A delivery stream's S3 destination (ExtendedS3 or S3 configuration)."""

    stream_name: str
    version: str
    bucket: str
    prefix: str
    interval_s: float
    size_bytes: int
    compression: str

    @classmethod
    def from_configuration(
        cls, stream_name: str, version: str, config: dict[str, Any]
    ) -> Destination:
        hints = config.get("BufferingHints") or {}
        return cls(
            stream_name=stream_name,
            version=version,
            bucket=str(config["BucketARN"]).split(":::", 1)[-1],
            prefix=str(config.get("Prefix") or ""),
            interval_s=float(hints.get("IntervalInSeconds", DEFAULT_INTERVAL_S)),
            size_bytes=int(float(hints.get("SizeInMBs", DEFAULT_SIZE_MB)) * 1024 * 1024),
            compression=str(config.get("CompressionFormat") or "UNCOMPRESSED").upper(),
        )


def object_key(destination: Destination, at: datetime.datetime) -> str:
    """The key Firehose gives an object whose first record arrived at ``at`` (UTC)."""
    stamp = at.strftime("%Y-%m-%d-%H-%M-%S")
    name = f"{destination.stream_name}-{destination.version}-{stamp}-{uuid.uuid4()}"
    suffix = {"GZIP": ".gz", "ZIP": ".zip"}.get(destination.compression, "")
    prefix = destination.prefix
    if _EXPRESSION.search(prefix):
        return _EXPRESSION.sub(lambda m: _evaluate(m.group(1), at), prefix) + name + suffix
    return f"{prefix}{at.strftime('%Y/%m/%d/%H')}/{name}{suffix}"


def _evaluate(expression: str, at: datetime.datetime) -> str:
    namespace, _, argument = expression.partition(":")
    if namespace == "timestamp":
        pattern = re.sub(
            "|".join(sorted(_JAVA_DATE, key=len, reverse=True)),
            lambda m: _JAVA_DATE[m.group(0)],
            argument,
        )
        return at.strftime(pattern)
    if namespace == "firehose" and argument == "random-string":
        return uuid.uuid4().hex[:11]
    if namespace == "firehose" and argument == "error-output-type":
        return "processing-failed"
    return ""


def compressed(body: bytes, compression: str, name: str) -> bytes:
    if compression == "GZIP":
        return gzip.compress(body)
    if compression == "ZIP":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, body)
        return buffer.getvalue()
    if compression != "UNCOMPRESSED":
        logger.warning("Firehose %s compression is not done locally: written as is", compression)
    return body


@dataclass
class _Buffer:
    destination: Destination
    records: list[bytes] = field(default_factory=list)
    size: int = 0
    first_at: float = 0.0


@dataclass(frozen=True)
class KinesisSource:
    """A delivery stream fed by a Kinesis stream, and when it was created."""

    key: tuple[str, str, str]  # (account, region, delivery stream name)
    stream_arn: str
    created_at: float


# write(account, region, bucket, key, body); destination(key) -> Destination or None (gone);
# sources() -> the Kinesis-fed delivery streams; shards(stream_arn) -> shard ids or None;
# read(stream_arn, shard, after, limit) -> [(sequence number, data bytes)];
# position_at(stream_arn, shard, epoch) -> sequence number before it (None: the start).
Write = Callable[[str, str, str, str, bytes], None]


@dataclass
class Backend:
    write: Write
    destination: Callable[[tuple[str, str, str]], Destination | None]
    sources: Callable[[], Iterable[KinesisSource]]
    shards: Callable[[str], list[str] | None]
    read: Callable[[str, str, int | None, int], list[tuple[int, bytes]]]
    position_at: Callable[[str, str, float], int | None]


class FirehoseDelivery:
    """The buffers of every S3-bound delivery stream in the emulator."""

    def __init__(self, backend: Backend, clock: Callable[[], float] = time.time) -> None:
        self._backend = backend
        self._clock = clock
        self._buffers: dict[tuple[str, str, str], _Buffer] = {}
        # Kinesis sources: (delivery stream key, shard) -> last sequence number read
        self._positions: dict[tuple[tuple[str, str, str], str], int | None] = {}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- records in ----------------------------------------------------------------------

    def accept(
        self, key: tuple[str, str, str], destination: Destination, records: Iterable[bytes]
    ) -> None:
        """Buffer records put to a delivery stream; write the buffer if it is full."""
        with self._lock:
            buffer = self._buffers.get(key)
            if buffer is None or buffer.destination != destination:
                if buffer is not None:
                    self._write(key, buffer)
                buffer = self._buffers[key] = _Buffer(destination)
            for record in records:
                if not buffer.records:
                    buffer.first_at = self._clock()
                buffer.records.append(record)
                buffer.size += len(record)
            if buffer.size >= destination.size_bytes:
                self._write(key, self._buffers.pop(key))

    def forget(self, key: tuple[str, str, str]) -> None:
        """The delivery stream was deleted: what it buffered is lost, as in AWS."""
        with self._lock:
            self._buffers.pop(key, None)
            for position in [p for p in self._positions if p[0] == key]:
                del self._positions[position]

    def read_sources(self) -> None:
        """Take what arrived on Kinesis source streams into their delivery streams."""
        for source in list(self._backend.sources()):
            destination = self._backend.destination(source.key)
            shards = self._backend.shards(source.stream_arn)
            if destination is None or shards is None:
                continue
            for shard in shards:
                position_key = (source.key, shard)
                with self._lock:
                    if position_key not in self._positions:
                        self._positions[position_key] = self._backend.position_at(
                            source.stream_arn, shard, source.created_at
                        )
                    after = self._positions[position_key]
                while records := self._backend.read(source.stream_arn, shard, after, 500):
                    self.accept(source.key, destination, [data for _, data in records])
                    after = records[-1][0]
                    with self._lock:
                        self._positions[position_key] = after

    # -- objects out ---------------------------------------------------------------------

    def flush(self) -> None:
        """Deliver everything now: what the sources hold, then every buffer."""
        self.read_sources()
        with self._lock:
            buffers, self._buffers = self._buffers, {}
        for key, buffer in buffers.items():
            self._write(key, buffer)

    def deliver_due(self) -> None:
        """Read the sources, and write the buffers whose interval has passed."""
        self.read_sources()
        now = self._clock()
        with self._lock:
            due = [
                key
                for key, buffer in self._buffers.items()
                if buffer.records and now - buffer.first_at >= buffer.destination.interval_s
            ]
            buffers = [(key, self._buffers.pop(key)) for key in due]
        for key, buffer in buffers:
            self._write(key, buffer)

    def _write(self, key: tuple[str, str, str], buffer: _Buffer) -> None:
        if not buffer.records:
            return
        destination = buffer.destination
        at = datetime.datetime.fromtimestamp(buffer.first_at, datetime.UTC)
        object_name = object_key(destination, at)
        body = compressed(
            b"".join(buffer.records), destination.compression, object_name.rsplit("/", 1)[-1]
        )
        account, region, _ = key
        try:
            self._backend.write(account, region, destination.bucket, object_name, body)
        except Exception:  # Firehose retries, then backs up; locally: say so, keep going
            logger.exception("Firehose %s: delivery to s3://%s failed", key[2], destination.bucket)

    # -- the delivery thread -------------------------------------------------------------

    def start(self, period_s: float = 1.0) -> FirehoseDelivery:
        if self._thread is not None:  # one delivery per process, however many clouds
            return self
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(period_s,), name="firehose-delivery", daemon=True
        )
        self._thread.start()
        return self

    def _run(self, period_s: float) -> None:
        while not self._stop.wait(period_s):
            try:
                self.deliver_due()
            except Exception:
                logger.exception("Firehose delivery failed")

    def stop(self) -> None:
        """Stop the thread; what is buffered is delivered first (nothing put is lost)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.flush()
