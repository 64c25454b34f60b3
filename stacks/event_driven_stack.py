"""The seed's event-driven messaging: the shop's order flow over EventBridge, SQS and SNS."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from .architectures import OrderFlow
from .stage_config import StageConfig


class EventDrivenStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        shop = config.shop
        flow = OrderFlow(
            self,
            "Shop",
            hardening=config.hardening,
            limits=config.api_limits,
            max_duration=config.alarm_duration,
            archive_retention=shop.archive_retention,
            notification_email=shop.notification_email,
            inbox=shop.inbox,
            seed_demo_catalogue=shop.demo_catalogue,
        )
        CfnOutput(self, "OrdersApiUrl", value=flow.api.url)
        CfnOutput(self, "ApiKeyId", value=flow.api.api_key.key_id)
        CfnOutput(self, "EventBusName", value=flow.bus.event_bus_name)
        CfnOutput(self, "EventArchiveArn", value=flow.archive.archive_arn)
        CfnOutput(self, "NotificationTopicArn", value=flow.topic.topic_arn)
        CfnOutput(self, "OrdersTableName", value=flow.orders_table.table_name)
        CfnOutput(self, "ProductsTableName", value=flow.products_table.table_name)
        if flow.inbox is not None:
            CfnOutput(self, "NotificationsInboxQueueUrl", value=flow.inbox.queue_url)
