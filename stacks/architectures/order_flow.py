"""The seed's event-driven shop ("Diseño impulsado por eventos") as one reusable construct: a
customer's order is published on an EventBridge bus, whose rules route it to the services that
act on it ("Pago", "Inventario", "Mensaje"), which publish events of their own.

- The orders service (REST API: ``POST /orders``, ``GET /orders/{id}``, ``GET /products``)
  stores the order and publishes OrderPlaced; its tracker records every event of the order
  and publishes the outcome (OrderConfirmed, OrderCancelled).
- Payments (a Lambda target) charges, declines or refunds.
- Inventory is fed through SQS: express orders and cancellations through a priority queue,
  other orders through a standard one; it holds or gives back stock in DynamoDB transactions.
- Notifications publishes the customer's message to an SNS topic (e-mail by config; in dev an
  inbox queue subscribed with a filter policy).

The bus archives every event (replay); the event catalogue (``lambdas/shop/events/catalogue``)
is the single source of the rules' patterns and of each producer's right to publish.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr
from constructs import Construct

from ..constructs.acknowledgements import acknowledge
from ..constructs.consumer_queue import ConsumerQueue
from ..constructs.data_table import DataTable
from ..constructs.dead_letter_queue import DeadLetterQueue
from ..constructs.event_catalogue import EventCatalogue
from ..constructs.function_alarms import FunctionAlarms
from ..constructs.hardening import Hardening
from ..constructs.json_schema import load_json_schema
from ..constructs.keyed_rest_api import ApiLimits, KeyedRestApi
from ..constructs.python_function import LAMBDAS_DIR, PythonFunction

SHOP = LAMBDAS_DIR / "shop"
# Every function ships the whole shop package (the catalogue, the models), and with it the
# handler pieces it uses from lambdas/shared.
SHARED_PACKAGES = ("shared",)
CATALOGUE_DIR = SHOP / "events" / "catalogue"
DEMO_PRODUCTS = Path(__file__).parent / "order_flow_data" / "demo_products.json"
# The domains RFC 2606 reserves for examples: the dev inbox gets messages for these customers.
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")
NAMESPACE = "ServerlessReference/Shop"
# EventBridge retries a target that cannot be reached; then the event goes to its DLQ.
TARGET_RETRIES = 8
TARGET_MAX_AGE = Duration.hours(2)


@dataclass(frozen=True, kw_only=True)
class Consumer:
    """One service of the flow: its function and where its failures end."""

    function: PythonFunction
    dead_letters: DeadLetterQueue


class OrderFlow(Construct):
    """The shop's order flow; see the module documentation.

    Exposes ``api`` (``url``, ``api_key``), ``bus``, ``archive``, ``topic``, ``inbox`` (None
    unless ``inbox``), the tables (``orders_table``, ``products_table``...), the consumers'
    functions and dead-letter queues, and the inventory's ``priority_queue`` and
    ``standard_queue``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        hardening: Hardening,
        limits: ApiLimits | None = None,
        max_duration: Duration | None = None,
        archive_retention: Duration | None = None,
        notification_email: str | None = None,
        inbox: bool = False,
        seed_demo_catalogue: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self._hardening = hardening
        self._max_duration = max_duration or Duration.seconds(3)
        self.catalogue = EventCatalogue(CATALOGUE_DIR)
        archive_retention = archive_retention or Duration.days(30)

        self.bus = events.EventBus(self, "Bus", description="The shop's order flow")
        self.archive = self.bus.archive(
            "Archive",
            description="Every event of the shop, for replays",
            # Every event on this bus comes from this account.
            event_pattern=events.EventPattern(account=[Stack.of(self).account]),
            retention=archive_retention,
        )

        table = self._table
        self.orders_table = table("Orders", "orderId")
        self.products_table = table("Products", "productId")
        self.reservations_table = table("Reservations", "orderId")
        self.payments_table = table("Payments", "orderId")
        self.idempotency_table = table("NotificationsSent", "id", time_to_live="expiration")

        self.topic = sns.Topic(
            self,
            "CustomerMessages",
            display_name="Shop",
            master_key=hardening.topic_master_key(self),
            enforce_ssl=True,
        )

        self.payments = self._consumer(
            "Payments",
            module="payments.handler",
            service="shop-payments",
            description="Pago: charges placed orders, refunds cancelled ones that were charged",
            environment={"PAYMENTS_TABLE": self.payments_table.table_name},
            asynchronous=True,
        )
        self.payments_table.grant_read_write_data(self.payments.function.function)

        self.inventory = self._consumer(
            "Inventory",
            module="inventory.handler",
            service="shop-inventory",
            description="Inventario: holds stock for placed orders, gives back cancelled ones'",
            environment={
                "PRODUCTS_TABLE": self.products_table.table_name,
                "RESERVATIONS_TABLE": self.reservations_table.table_name,
            },
            asynchronous=False,
            timeout=Duration.seconds(15),
        )
        inventory_fn = self.inventory.function.function
        self.products_table.grant_read_write_data(inventory_fn)
        self.reservations_table.grant_read_write_data(inventory_fn)
        inventory_dlq = self.inventory.dead_letters.queue
        inventory_fn.add_environment("DEAD_LETTER_QUEUE_URL", inventory_dlq.queue_url)
        inventory_dlq.grant_send_messages(inventory_fn)

        self.tracker = self._consumer(
            "OrderTracker",
            module="orders.tracker_handler",
            service="shop-order-tracker",
            description="Records every event of an order; publishes its outcome once decided",
            environment={"ORDERS_TABLE": self.orders_table.table_name},
            asynchronous=True,
        )
        self.orders_table.grant_read_write_data(self.tracker.function.function)

        self.notifications = self._consumer(
            "Notifications",
            module="notifications.handler",
            service="shop-notifications",
            description="Mensaje: tells the customer how their order went, once",
            environment={
                "NOTIFICATION_TOPIC_ARN": self.topic.topic_arn,
                "IDEMPOTENCY_TABLE": self.idempotency_table.table_name,
                # A replayed event must still find its order notified: keep the record for as
                # long as the archive keeps the event, and a day more.
                "IDEMPOTENCY_TTL_SECONDS": str(int(archive_retention.to_seconds()) + 86_400),
            },
            asynchronous=True,
        )
        self._grant_publish_to_topic(self.notifications.function)
        self.idempotency_table.grant_read_write_data(self.notifications.function.function)

        self._add_queues()
        self._add_rules()
        self._add_subscriptions(notification_email=notification_email, inbox=inbox)
        self._add_api(limits or ApiLimits())
        if seed_demo_catalogue:
            self._seed_catalogue()

    # -- building blocks ----------------------------------------------------------------

    def _table(
        self, construct_id: str, partition_key: str, *, time_to_live: str | None = None
    ) -> dynamodb.Table:
        return DataTable(
            self,
            f"{construct_id}Table",
            partition_key=partition_key,
            hardening=self._hardening,
            time_to_live_attribute=time_to_live,
        ).table

    def _consumer(
        self,
        construct_id: str,
        *,
        module: str,
        service: str,
        description: str,
        environment: dict[str, str],
        asynchronous: bool,
        timeout: Duration | None = None,
    ) -> Consumer:
        """A service of the flow, with its dead-letter queue, alarms and the right to publish
        exactly its own events."""
        dead_letters = DeadLetterQueue(
            self,
            f"{construct_id}DeadLetters",
            purpose=f"the shop's {construct_id} service (events it could not get or handle)",
            hardening=self._hardening,
        )
        function = PythonFunction(
            self,
            construct_id,
            package="shop",
            handler=f"{module}.lambda_handler",
            description=description,
            service_name=service,
            metrics_namespace=NAMESPACE,
            hardening=self._hardening,
            timeout=timeout or Duration.seconds(10),
            environment={"EVENT_BUS_NAME": self.bus.event_bus_name, **environment},
            dead_letter_queue=dead_letters.queue if asynchronous else None,
            shared_packages=SHARED_PACKAGES,
        )
        if not asynchronous:
            acknowledge(
                function.function,
                "Polled from SQS by an event source mapping: a failed message stays in its "
                "queue and the queue's redrive policy moves it to the dead-letter queue",
                "Serverless-LambdaDLQ",
                "CKV_AWS_116",
            )
        self.catalogue.grant_publish(self.bus, function.function, _producer(service))
        FunctionAlarms(
            self,
            f"{construct_id}Alarms",
            function=function.function,
            max_duration=self._max_duration,
        )
        return Consumer(function=function, dead_letters=dead_letters)

    def _grant_publish_to_topic(self, publisher: PythonFunction) -> None:
        self.topic.grant_publish(publisher.function)
        if not self._hardening.customer_managed_keys:
            policy = publisher.role.node.find_child("DefaultPolicy")
            acknowledge(
                policy,
                "The topic uses SNS's AWS-managed key, named by its alias: CDK's publish grant "
                "cannot know the key's id, so it names this account's keys; that key's own "
                "policy lets it be used only through SNS",
                "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:"
                "<AWS::AccountId>:key/*]",
            )

    # -- inventory's queues ---------------------------------------------------------------

    def _add_queues(self) -> None:
        """Express orders and cancellations (which free stock) go through the priority queue,
        other orders through the standard one. SQS has no per-message priority: the priority
        is the queue's, and its consumer gets more of the function's concurrency."""
        function = self.inventory.function.function
        timeout = function.timeout or Duration.seconds(15)
        dead_letters = self.inventory.dead_letters.queue
        self.priority_queue = ConsumerQueue(
            self,
            "InventoryPriority",
            consumer_timeout=timeout,
            dead_letter_queue=dead_letters,
            hardening=self._hardening,
        ).queue
        self.standard_queue = ConsumerQueue(
            self,
            "InventoryStandard",
            consumer_timeout=timeout,
            dead_letter_queue=dead_letters,
            hardening=self._hardening,
        ).queue
        for queue, concurrency in ((self.priority_queue, 8), (self.standard_queue, 2)):
            function.add_event_source(
                sources.SqsEventSource(
                    queue,
                    batch_size=10,
                    report_batch_item_failures=True,
                    max_concurrency=concurrency,
                )
            )
        for mapping in function.node.find_all():
            if isinstance(mapping, lambda_.EventSourceMapping):
                acknowledge(
                    mapping,
                    "SQS event sources take no on-failure destination: failed messages stay "
                    "in the queue and its redrive policy moves them to the dead-letter queue",
                    "Serverless-LambdaEventSourceMappingDestination",
                )

    # -- routing ----------------------------------------------------------------------------

    def _add_rules(self) -> None:
        catalogue = self.catalogue

        def rule(construct_id: str, description: str, pattern: events.EventPattern) -> events.Rule:
            return events.Rule(
                self,
                construct_id,
                event_bus=self.bus,
                description=description,
                event_pattern=pattern,
            )

        def retried(dead_letters: DeadLetterQueue) -> dict[str, Any]:
            return {
                "dead_letter_queue": dead_letters.queue,
                "retry_attempts": TARGET_RETRIES,
                "max_event_age": TARGET_MAX_AGE,
            }

        rule(
            "OrdersToPayments",
            "Placed orders are charged, cancelled ones refunded",
            catalogue.pattern(["OrderPlaced", "OrderCancelled"]),
        ).add_target(
            targets.LambdaFunction(
                self.payments.function.function, **retried(self.payments.dead_letters)
            )
        )
        inventory_dlq = self.inventory.dead_letters
        for construct_id, description, pattern, queue in (
            (
                "ExpressOrdersToInventory",
                "Express orders reserve stock through the priority queue",
                catalogue.pattern(["OrderPlaced"], detail={"data": {"express": [True]}}),
                self.priority_queue,
            ),
            (
                "StandardOrdersToInventory",
                "Other orders reserve stock through the standard queue",
                catalogue.pattern(["OrderPlaced"], detail={"data": {"express": [False]}}),
                self.standard_queue,
            ),
            (
                "CancellationsToInventory",
                "Cancelled orders give their stock back through the priority queue",
                catalogue.pattern(["OrderCancelled"]),
                self.priority_queue,
            ),
        ):
            rule(construct_id, description, pattern).add_target(
                targets.SqsQueue(queue, **retried(inventory_dlq))
            )
        rule(
            "EverythingToTracker",
            "Every event of the catalogue joins its order's history",
            catalogue.pattern(catalogue.events),
        ).add_target(
            targets.LambdaFunction(
                self.tracker.function.function, **retried(self.tracker.dead_letters)
            )
        )
        # Notifications understands one shape, a notification request
        # (catalogue/targets/NotificationRequest.json): each outcome's rule makes it.
        data = "$.detail.data"
        common = {
            "orderId": events.EventField.from_path(f"{data}.orderId"),
            "customerEmail": events.EventField.from_path(f"{data}.customerEmail"),
            "correlationId": events.EventField.from_path("$.detail.metadata.correlationId"),
            "eventId": events.EventField.event_id,
        }
        for detail_type, kind, extra in (
            (
                "OrderConfirmed",
                "ORDER_CONFIRMED",
                {"totalCents": events.EventField.from_path(f"{data}.totalCents")},
            ),
            (
                "OrderCancelled",
                "ORDER_CANCELLED",
                {"reason": events.EventField.from_path(f"{data}.reason")},
            ),
        ):
            rule(
                f"{detail_type}ToNotifications",
                f"{detail_type}: tell the customer",
                catalogue.pattern([detail_type]),
            ).add_target(
                targets.LambdaFunction(
                    self.notifications.function.function,
                    event=events.RuleTargetInput.from_object({"kind": kind, **common, **extra}),
                    **retried(self.notifications.dead_letters),
                )
            )

    # -- the customer's messages ------------------------------------------------------------

    def _add_subscriptions(self, *, notification_email: str | None, inbox: bool) -> None:
        undelivered = self.notifications.dead_letters.queue
        if notification_email:
            self.topic.add_subscription(
                subscriptions.EmailSubscription(notification_email, dead_letter_queue=undelivered)
            )
        self.inbox: sqs.Queue | None = None
        if inbox:
            self.inbox = self._hardening.queue(self, "Inbox", retention_period=Duration.days(1))
            acknowledge(
                self.inbox,
                "The demo inbox is read by people and tests, not by a consumer that could fail "
                "on a message, so there is nothing to redrive",
                "AwsSolutions-SQS3",
                "Serverless-SQSRedrivePolicy",
            )
            self.topic.add_subscription(
                subscriptions.SqsSubscription(
                    self.inbox,
                    dead_letter_queue=undelivered,
                    filter_policy={
                        "recipientDomain": sns.SubscriptionFilter.string_filter(
                            allowlist=list(EXAMPLE_DOMAINS)
                        )
                    },
                )
            )

    # -- the orders API -------------------------------------------------------------------

    def _add_api(self, limits: ApiLimits) -> None:
        self.api = KeyedRestApi(
            self,
            "OrdersApi",
            description="Shop orders (event-driven)",
            allowed_origins=apigw.Cors.ALL_ORIGINS,
            limits=limits,
            hardening=self._hardening,
        )
        self.orders_api = PythonFunction(
            self,
            "OrdersApiHandler",
            package="shop",
            handler="orders.api_handler.lambda_handler",
            description="POST /orders, GET /orders/{id}, GET /products",
            service_name="shop-orders-api",
            metrics_namespace=NAMESPACE,
            hardening=self._hardening,
            memory_size=512,
            environment={
                "EVENT_BUS_NAME": self.bus.event_bus_name,
                "ORDERS_TABLE": self.orders_table.table_name,
                "PRODUCTS_TABLE": self.products_table.table_name,
            },
            synchronous_only=True,
            shared_packages=SHARED_PACKAGES,
        )
        function = self.orders_api.function
        self.orders_table.grant_read_write_data(function)
        self.products_table.grant_read_data(function)
        self.catalogue.grant_publish(self.bus, function, "orders")
        FunctionAlarms(self, "OrdersApiAlarms", function=function, max_duration=self._max_duration)

        api = self.api.api
        integration = apigw.LambdaIntegration(function, allow_test_invoke=False)
        validator = self.api.validator
        new_order = api.add_model(
            "NewOrder", schema=load_json_schema(SHOP / "orders" / "schemas" / "order_create.json")
        )
        orders = api.root.add_resource("orders")
        orders.add_method(
            "POST",
            integration,
            request_validator=validator,
            request_models={"application/json": new_order},
        )
        orders.add_resource("{id}").add_method(
            "GET",
            integration,
            request_validator=validator,
            request_parameters={"method.request.path.id": True},
        )
        api.root.add_resource("products").add_method("GET", integration)

    # -- the demo catalogue ---------------------------------------------------------------

    def _seed_catalogue(self) -> None:
        """Writes the demo products when the stack is created (and again if they change), with
        one SDK call from CloudFormation: no function of ours to keep."""
        products = json.loads(DEMO_PRODUCTS.read_text())
        write = cr.AwsSdkCall(
            service="DynamoDB",
            action="batchWriteItem",
            parameters={
                "RequestItems": {
                    self.products_table.table_name: [
                        {
                            "PutRequest": {
                                "Item": {
                                    "productId": {"S": product["productId"]},
                                    "name": {"S": product["name"]},
                                    "priceCents": {"N": str(product["priceCents"])},
                                    "stock": {"N": str(product["stock"])},
                                }
                            }
                        }
                        for product in products
                    ]
                }
            },
            physical_resource_id=cr.PhysicalResourceId.of("demo-catalogue"),
        )
        seed = cr.AwsCustomResource(
            self,
            "DemoCatalogue",
            on_create=write,
            on_update=write,
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
                resources=[self.products_table.table_arn]
            ),
            install_latest_aws_sdk=False,
            log_group=self._hardening.log_group(self, "DemoCatalogueLogs"),
        )
        key = self.products_table.encryption_key
        if key is not None:
            key.grant_encrypt(seed)
        self._hardening.adopt_cdk_helpers(Stack.of(self))


def _producer(service: str) -> str:
    """The catalogue's name of a service (its ``producer``), from the function's service name."""
    return service.removeprefix("shop-")
