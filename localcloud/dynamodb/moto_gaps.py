"""DynamoDB tables in CloudFormation: updated in place, as CloudFormation updates them.

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
"""

from __future__ import annotations

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


def patch() -> None:
    Table.create_from_cloudformation_json = classmethod(_table_from_cfn)  # type: ignore[method-assign,assignment]
    Table.update_from_cloudformation_json = classmethod(_table_update_from_cfn)  # type: ignore[method-assign,assignment]
