"""A DynamoDB table with the defaults every table here needs."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from .acknowledgements import acknowledge
from .hardening import Hardening


class DataTable(Construct):
    """On-demand, encrypted as the stage decides (AWS-managed or the stack's key), point-in-time
    recovery on; a stage that keeps data also protects the table from deletion. With
    ``time_to_live_attribute``, DynamoDB deletes items once the epoch second it holds has
    passed."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        partition_key: str,
        hardening: Hardening,
        sort_key: str | None = None,
        time_to_live_attribute: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            partition_key=dynamodb.Attribute(
                name=partition_key, type=dynamodb.AttributeType.STRING
            ),
            sort_key=(
                dynamodb.Attribute(name=sort_key, type=dynamodb.AttributeType.STRING)
                if sort_key
                else None
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=not hardening.destroys_data,
            removal_policy=hardening.removal_policy,
            time_to_live_attribute=time_to_live_attribute,
            **hardening.table_encryption(self),
        )
        if not hardening.customer_managed_keys:
            acknowledge(
                self.table,
                "Encrypted with DynamoDB's AWS-managed key in this stage (no key cost); prod "
                "uses the stack's customer-managed key",
                "CKV_AWS_119",
            )
