"""Firehose: delivery streams in CloudFormation, and delivery to S3 as Firehose does it.

Gaps (moto/firehose/models.py):
- ``DeliveryStream`` (:113) is a plain ``BaseModel``: CloudFormation skips
  ``AWS::KinesisFirehose::DeliveryStream``, and what refers to it (an EventBridge rule's
  target, a role's policy) fails the stack. The model below creates it through the
  backend's ``create_delivery_stream`` (:195), as the API does; ``Ref`` is its name,
  ``Fn::GetAtt Arn`` its ARN.
- ``put_record_batch`` (:496) writes one S3 object per API call at once (``put_s3_records``,
  :469), ignoring the buffering hints and the compression format, and appends a "/" to the
  prefix Firehose would use as it is (:452-467). The patch hands S3-bound records to
  :mod:`.delivery` instead, which buffers and writes them as Firehose does.
- A ``KinesisStreamAsSource`` delivery stream is recorded (:136) but never reads its stream.
  Delivery streams are registered here when created, and :mod:`.delivery` reads their
  sources (through the event sources' in-process Kinesis reads) from the position the
  stream had at creation.

``DELIVERY`` is the emulator's one :class:`~.delivery.FirehoseDelivery` (moto's state is per
process too); the local cloud starts its thread and flushes it when it stops.
"""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

from moto.firehose import models as firehose
from moto.firehose.models import firehose_backends
from moto.moto_api._internal import mock_random
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from ..event_sources.moto_gaps import stream_position_at, stream_read, stream_shards
from ..moto_helpers.cfn_models import Context, Created, Properties, cfn_model
from .delivery import Backend, Destination, FirehoseDelivery, KinesisSource

Key = tuple[str, str, str]  # (account, region, delivery stream name)

_sources: dict[Key, KinesisSource] = {}
_sources_lock = threading.Lock()


def _stream(key: Key) -> Any:
    account, region, name = key
    return firehose_backends[account][region].delivery_streams.get(name)


def _destination(key: Key) -> Destination | None:
    """The S3 destination of a delivery stream (None: gone, or not S3-bound)."""
    stream = _stream(key)
    if stream is None:
        return None
    for destination in stream.destinations:
        config = destination.get("ExtendedS3") or destination.get("S3")
        if config:
            return Destination.from_configuration(key[2], stream.version_id, config)
    return None


def _write(account: str, region: str, bucket: str, key: str, body: bytes) -> None:
    s3_backends[account][get_partition(region)].put_object(bucket, key, body)


def _read(stream_arn: str, shard: str, after: int | None, limit: int) -> list[tuple[int, bytes]]:
    return [
        (record.sequence_number, base64.b64decode(record.data["Data"]))
        for record in stream_read(stream_arn, shard, after, limit)
    ]


DELIVERY = FirehoseDelivery(
    Backend(
        write=_write,
        destination=_destination,
        sources=lambda: list(_sources.values()),
        shards=stream_shards,
        read=_read,
        position_at=stream_position_at,
    )
)

# ---------------------------------------------------------------------------------------
# the patch

_original_create = firehose.FirehoseBackend.create_delivery_stream
_original_delete = firehose.FirehoseBackend.delete_delivery_stream
_original_put_batch = firehose.FirehoseBackend.put_record_batch


def _create_delivery_stream(self: firehose.FirehoseBackend, *args: Any, **kwargs: Any) -> str:
    arn: str = _original_create(self, *args, **kwargs)
    name = arn.rsplit("/", 1)[-1]
    stream = self.delivery_streams[name]
    source = stream.source or {}
    if stream.delivery_stream_type == "KinesisStreamAsSource" and source.get("KinesisStreamARN"):
        key = (self.account_id, self.region_name, name)
        with _sources_lock:
            _sources[key] = KinesisSource(key, source["KinesisStreamARN"], time.time())
    return arn


def _delete_delivery_stream(self: firehose.FirehoseBackend, delivery_stream_name: str) -> None:
    _original_delete(self, delivery_stream_name)
    key = (self.account_id, self.region_name, delivery_stream_name)
    with _sources_lock:
        _sources.pop(key, None)
    DELIVERY.forget(key)


def _put_record_batch(
    self: firehose.FirehoseBackend, delivery_stream_name: str, records: list[dict[str, Any]]
) -> dict[str, Any]:
    key = (self.account_id, self.region_name, delivery_stream_name)
    destination = _destination(key)
    if destination is None:  # not found (moto raises), or not S3-bound: moto's own way
        result: dict[str, Any] = _original_put_batch(self, delivery_stream_name, records)
        return result
    DELIVERY.accept(key, destination, [_data(record) for record in records])
    return {
        "FailedPutCount": 0,
        "Encrypted": False,
        "RequestResponses": [{"RecordId": str(mock_random.uuid4())} for _ in records],
    }


def _data(record: dict[str, Any]) -> bytes:
    data = record["Data"]
    return data if isinstance(data, bytes) else str(data).encode()


def patch() -> None:
    firehose.FirehoseBackend.create_delivery_stream = _create_delivery_stream  # type: ignore[method-assign]
    firehose.FirehoseBackend.delete_delivery_stream = _delete_delivery_stream  # type: ignore[method-assign]
    firehose.FirehoseBackend.put_record_batch = _put_record_batch  # type: ignore[method-assign]


def put_record(arn: str, data: bytes) -> None:
    """Put one record on a delivery stream by ARN (EventBridge targets do)."""
    parts = arn.split(":")
    backend = firehose_backends[parts[4]][parts[3]]
    backend.put_record(parts[5].split("/", 1)[1], {"Data": data})


# ---------------------------------------------------------------------------------------
# CloudFormation


def _delivery_stream(props: Properties, cfn: Context) -> Created:
    backend = firehose_backends[cfn.account_id][cfn.region_name]
    arn = backend.create_delivery_stream(
        region=cfn.region_name,
        delivery_stream_name=cfn.name,
        delivery_stream_type=props.get("DeliveryStreamType") or "DirectPut",
        kinesis_stream_source_configuration=props.get("KinesisStreamSourceConfiguration"),
        delivery_stream_encryption_configuration_input=props.get(
            "DeliveryStreamEncryptionConfigurationInput"
        ),
        s3_destination_configuration=props.get("S3DestinationConfiguration"),
        extended_s3_destination_configuration=props.get("ExtendedS3DestinationConfiguration"),
        redshift_destination_configuration=props.get("RedshiftDestinationConfiguration"),
        elasticsearch_destination_configuration=props.get("ElasticsearchDestinationConfiguration"),
        splunk_destination_configuration=props.get("SplunkDestinationConfiguration"),
        http_endpoint_destination_configuration=props.get("HttpEndpointDestinationConfiguration"),
        snowflake_destination_configuration=props.get("SnowflakeDestinationConfiguration"),
        iceberg_destination_configuration=props.get("IcebergDestinationConfiguration"),
        tags=props.get("Tags") or [],
    )
    return Created(cfn.name, {"Arn": arn})


def _delete(created: Created, account_id: str, region_name: str) -> None:
    backend = firehose_backends[account_id][region_name]
    if created.physical_id in backend.delivery_streams:
        backend.delete_delivery_stream(created.physical_id)


DeliveryStream = cfn_model(
    "AWS::KinesisFirehose::DeliveryStream",
    _delivery_stream,
    name_property="DeliveryStreamName",
    attributes=("Arn",),
    delete=_delete,
)

MODELS = (DeliveryStream,)
