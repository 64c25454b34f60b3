"""DynamoDB as CloudFormation and concurrent clients see it: tables updated in place, as
CloudFormation updates them, and each request atomic, as DynamoDB makes it.

Gaps (moto/dynamodb/models/table.py):
- ``Table`` has no ``update_from_cloudformation_json``: moto's own stack update stores
  ``None`` for a changed table, and a generic update can only replace it, losing every item
  (and the name functions were given). CloudFormation replaces a table only when its name,
  key schema or local indexes change; everything else (attributes, global indexes, billing,
  streams, time to live, point-in-time recovery, deletion protection, tags) is updated in
  place. The update below does the same through moto's backend (``update_table``,
  moto/dynamodb/models/__init__.py:168-195), and replaces the table otherwise.
- ``Table.create_from_cloudformation_json`` (:406-444) drops ``TimeToLiveSpecification`` and
  ``PointInTimeRecoverySpecification``; they are applied after create and update.

Gap (moto/dynamodb/models/__init__.py): the emulator's server answers requests on several
threads, and moto's backend takes no lock. A conditional write checks its condition and then
writes (``put_item``, :249; ``update_item``, :438), so two writers can both pass the check
(two orders both take the last unit; stock goes below zero). ``transact_write_items`` (:604)
deep-copies every table it touches before it starts and, if any condition fails, puts those
copies back (:701-715), undoing whatever other requests wrote to those tables meanwhile (or a
stack update's ``update_table`` or ``delete_table``). :func:`_serialize_requests` runs the item
operations and those table changes of every DynamoDB backend one at a time, on one re-entrant
lock (a transaction calls ``put_item`` and friends itself), which makes each request atomic
and isolated, as DynamoDB guarantees for conditional writes and transactions.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.table import Table

from ..moto_helpers.cfn_models import ResourceJson

_original_create = Table.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]


def _backend(account_id: str, region_name: str) -> DynamoDBBackend:
    return dynamodb_backends[account_id][region_name]


def _table_from_cfn(
    cls: Any,
    /,
    resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
    **kwargs: Any,
) -> Table:
    table: Table = _original_create(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    )
    _keep_dropped_properties(_backend(account_id, region_name), table, cloudformation_json)
    return table


def _table_update_from_cfn(
    cls: Any,
    /,
    *,  # moto passes them by name (moto/cloudformation/parsing.py:417-423)
    original_resource: Table,
    new_resource_name: str,
    cloudformation_json: ResourceJson,
    account_id: str,
    region_name: str,
) -> Table:
    props = cloudformation_json["Properties"]
    table = original_resource
    backend = _backend(account_id, region_name)
    local_indexes = [index["IndexName"] for index in props.get("LocalSecondaryIndexes", [])]
    if (
        props.get("TableName", table.name) != table.name
        or props.get("KeySchema") != table.schema
        or local_indexes != [index.name for index in table.indexes]
    ):
        # A replacement, as CloudFormation makes it: a new table, then the old one goes.
        name = props.get("TableName", new_resource_name)
        replacement: Table = _table_from_cfn(
            cls, name, cloudformation_json, account_id, region_name
        )
        backend.delete_table(table.name)
        return replacement
    backend.update_table(
        name=table.name,
        attr_definitions=props.get("AttributeDefinitions"),
        global_index=_index_changes(table, props.get("GlobalSecondaryIndexes", [])),
        throughput=props.get("ProvisionedThroughput"),
        billing_mode="PAY_PER_REQUEST"
        if props.get("BillingMode") == "PAY_PER_REQUEST"
        else "PROVISIONED",
        stream_spec={},
        deletion_protection_enabled=bool(props.get("DeletionProtectionEnabled", False)),
        warm_throughput=None,
    )
    _update_stream(table, props.get("StreamSpecification"))
    table.tags = props.get("Tags") or []
    _keep_dropped_properties(backend, table, cloudformation_json)
    return table


def _index_changes(table: Table, wanted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``update_table``'s GlobalSecondaryIndexUpdates from the existing to the wanted indexes
    (a changed index is dropped and made again, as DynamoDB cannot change its keys)."""
    existing = {index.name: index.describe() for index in table.global_indexes}
    wanted_by_name = {index["IndexName"]: index for index in wanted}
    changes: list[dict[str, Any]] = []
    for name, described in existing.items():
        target = wanted_by_name.get(name)
        same = target is not None and all(
            described.get(key) == target.get(key) for key in ("KeySchema", "Projection")
        )
        if not same:
            changes.append({"Delete": {"IndexName": name}})
    for name, target in wanted_by_name.items():
        if name not in existing or {"Delete": {"IndexName": name}} in changes:
            changes.append({"Create": target})
    return changes


def _update_stream(table: Table, wanted: dict[str, Any] | None) -> None:
    current = table.stream_specification or {}
    if not wanted:
        if current.get("StreamEnabled"):
            table.set_stream_specification({"StreamEnabled": False})
            table.latest_stream_label = None
        return
    if current.get("StreamEnabled") and current.get("StreamViewType") == wanted.get(
        "StreamViewType"
    ):
        return  # the same stream stays, and with it what its readers have read
    table.latest_stream_label = None
    table.set_stream_specification({"StreamEnabled": True, **wanted})


def _keep_dropped_properties(
    backend: DynamoDBBackend, table: Table, cloudformation_json: ResourceJson
) -> None:
    props = cloudformation_json["Properties"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and "AttributeName" in ttl:
        backend.update_time_to_live(table.name, ttl)
    pitr = (props.get("PointInTimeRecoverySpecification") or {}).get(
        "PointInTimeRecoveryEnabled", False
    )
    backend.update_continuous_backups(table.name, {"PointInTimeRecoveryEnabled": bool(pitr)})


# The backend operations that run one at a time: the item operations, and the table changes a
# stack update makes while requests come in.
_SERIALIZED = (
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "transact_write_items",
    "update_table",
    "delete_table",
)
_lock = threading.RLock()


def _one_at_a_time(operation: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(operation)
    def serialized(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return operation(*args, **kwargs)

    serialized.__wrapped_by_localcloud__ = True  # type: ignore[attr-defined]
    return serialized


def _serialize_requests() -> None:
    for name in _SERIALIZED:
        operation = getattr(DynamoDBBackend, name)
        if not getattr(operation, "__wrapped_by_localcloud__", False):
            setattr(DynamoDBBackend, name, _one_at_a_time(operation))


def patch() -> None:
    _serialize_requests()
    Table.create_from_cloudformation_json = classmethod(_table_from_cfn)  # type: ignore[method-assign,assignment]
    Table.update_from_cloudformation_json = classmethod(_table_update_from_cfn)  # type: ignore[method-assign,assignment]
