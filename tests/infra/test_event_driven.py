"""The event-driven shop (``OrderFlow``): the bus and its archive, rules made from the event
catalogue, targets with retry policies and dead-letter queues, inventory's queues, the customer
messages' topic, and each producer's permission to publish only its own events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import Assembly

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "lambdas" / "shop" / "events" / "catalogue"
STACK = "EventDriven"
# What each function's POWERTOOLS_SERVICE_NAME is in the catalogue's words (producer, consumer).
SERVICES = {
    "shop-orders-api": "orders",
    "shop-order-tracker": "order-tracker",
    "shop-payments": "payments",
    "shop-inventory": "inventory",
    "shop-notifications": "notifications",
}


def catalogue() -> dict[str, dict[str, Any]]:
    entries = [json.loads(path.read_text()) for path in sorted(CATALOGUE.glob("[!_]*.json"))]
    return {entry["detailType"]: entry for entry in entries}


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def logical_id(reference: Any) -> str:
    """The resource a Ref or Fn::GetAtt names."""
    if "Ref" in reference:
        return str(reference["Ref"])
    return str(reference["Fn::GetAtt"][0])


@pytest.fixture(scope="module")
def template(dev: Assembly) -> dict[str, Any]:
    return dev.template_json(STACK)


@pytest.fixture(scope="module")
def services(template: dict[str, Any]) -> dict[str, str]:
    """Logical id of each of our functions -> its name in the catalogue."""
    return {
        name: SERVICES[fn["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]]
        for name, fn in of_type(template, "AWS::Lambda::Function").items()
        if fn["Properties"].get("Handler", "").startswith("shop.")
    }


@pytest.fixture(scope="module")
def queue_consumers(template: dict[str, Any], services: dict[str, str]) -> dict[str, str]:
    """Logical id of each queue an event source mapping reads -> the consumer it feeds."""
    return {
        logical_id(mapping["Properties"]["EventSourceArn"]): services[
            logical_id(mapping["Properties"]["FunctionName"])
        ]
        for mapping in of_type(template, "AWS::Lambda::EventSourceMapping").values()
    }


@pytest.fixture(scope="module")
def rules(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [rule["Properties"] for rule in of_type(template, "AWS::Events::Rule").values()]


# -- the bus and its archive -------------------------------------------------------------


def test_a_custom_bus_archives_every_event_of_this_account(
    template: dict[str, Any], prod: Assembly
) -> None:
    [bus] = of_type(template, "AWS::Events::EventBus")
    [archive] = of_type(template, "AWS::Events::Archive").values()
    props = archive["Properties"]
    assert props["SourceArn"] == {"Fn::GetAtt": [bus, "Arn"]}
    assert props["EventPattern"] == {"account": [{"Ref": "AWS::AccountId"}]}
    assert props["RetentionDays"] == 7
    [prod_archive] = of_type(prod.template_json(STACK), "AWS::Events::Archive").values()
    assert prod_archive["Properties"]["RetentionDays"] == 90


# -- rules -----------------------------------------------------------------------------


def test_every_rule_is_on_the_shop_bus_and_matches_catalogue_events(
    template: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    [bus] = of_type(template, "AWS::Events::EventBus")
    events = catalogue()
    assert len(rules) == 7
    for rule in rules:
        assert rule["EventBusName"] == {"Ref": bus}
        pattern = rule["EventPattern"]
        assert set(pattern["detail-type"]) <= set(events)
        assert set(pattern["source"]) == {events[t]["source"] for t in pattern["detail-type"]}


def test_each_event_reaches_exactly_the_consumers_the_catalogue_names(
    rules: list[dict[str, Any]], services: dict[str, str], queue_consumers: dict[str, str]
) -> None:
    # GIVEN every rule target, as the consumer it reaches (a function, or a queue's function)
    reached: dict[str, set[str]] = {}
    for rule in rules:
        for target in rule["Targets"]:
            target_id = logical_id(target["Arn"])
            consumer = services.get(target_id) or queue_consumers[target_id]
            for detail_type in rule["EventPattern"]["detail-type"]:
                reached.setdefault(detail_type, set()).add(consumer)
    # THEN each event of the catalogue reaches its documented consumers, and no others
    assert reached == {name: set(entry["consumers"]) for name, entry in catalogue().items()}


def test_every_target_retries_and_then_keeps_what_it_could_not_deliver(
    template: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    queues = of_type(template, "AWS::SQS::Queue")
    for rule in rules:
        for target in rule["Targets"]:
            assert target["RetryPolicy"] == {
                "MaximumRetryAttempts": 8,
                "MaximumEventAgeInSeconds": 7200,
            }
            assert logical_id(target["DeadLetterConfig"]["Arn"]) in queues


def test_express_orders_go_to_the_priority_queue_and_the_rest_to_the_standard_one(
    template: dict[str, Any], rules: list[dict[str, Any]]
) -> None:
    by_pattern = {
        json.dumps(rule["EventPattern"].get("detail"), sort_keys=True): logical_id(
            rule["Targets"][0]["Arn"]
        )
        for rule in rules
        if rule["EventPattern"]["detail-type"] == ["OrderPlaced"]
    }
    express = by_pattern[json.dumps({"data": {"express": [True]}})]
    standard = by_pattern[json.dumps({"data": {"express": [False]}})]
    assert express.startswith("ShopInventoryPriority")
    assert standard.startswith("ShopInventoryStandard")
    [cancellations] = [r for r in rules if r["EventPattern"]["detail-type"] == ["OrderCancelled"]
                       and "Input" not in json.dumps(r["Targets"])]  # fmt: skip
    assert logical_id(cancellations["Targets"][0]["Arn"]) == express


def test_notification_rules_transform_outcomes_into_the_documented_request(
    rules: list[dict[str, Any]],
) -> None:
    schema = json.loads((CATALOGUE / "targets" / "NotificationRequest.json").read_text())
    allowed = set(schema["input"]["properties"])
    transformers = [
        target["InputTransformer"]
        for rule in rules
        for target in rule["Targets"]
        if "InputTransformer" in target
    ]
    assert len(transformers) == 2
    for transformer in transformers:
        template_keys = set(json.loads(_fill(transformer["InputTemplate"])))
        assert set(schema["input"]["required"]) <= template_keys <= allowed
        assert transformer["InputPathsMap"]["id"] == "$.id"


def _fill(input_template: str) -> str:
    """The transformer's template with each <placeholder> given a dummy JSON value."""
    out = input_template
    while "<" in out:
        start = out.index("<")
        out = out[:start] + "0" + out[out.index(">", start) + 1 :]
    return out


# -- inventory's queues -----------------------------------------------------------------------


def test_inventory_queues_keep_14_days_hide_six_timeouts_and_redrive(
    template: dict[str, Any], queue_consumers: dict[str, str]
) -> None:
    resources = template["Resources"]
    [inventory_fn] = [
        fn for fn in of_type(template, "AWS::Lambda::Function").values()
        if fn["Properties"].get("Handler") == "shop.inventory.handler.lambda_handler"
    ]  # fmt: skip
    timeout = inventory_fn["Properties"]["Timeout"]
    assert set(queue_consumers.values()) == {"inventory"}
    assert len(queue_consumers) == 2
    for queue_id in queue_consumers:
        props = resources[queue_id]["Properties"]
        assert props["MessageRetentionPeriod"] == 14 * 24 * 3600
        assert props["VisibilityTimeout"] >= 6 * timeout
        assert props["RedrivePolicy"]["maxReceiveCount"] == 3
        dead_letters = logical_id(props["RedrivePolicy"]["deadLetterTargetArn"])
        assert dead_letters.startswith("ShopInventoryDeadLetters")


def test_inventory_reads_batches_of_ten_reports_partial_failures_and_favours_express(
    template: dict[str, Any],
) -> None:
    concurrency = {}
    for mapping in of_type(template, "AWS::Lambda::EventSourceMapping").values():
        props = mapping["Properties"]
        assert props["BatchSize"] == 10
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        queue = logical_id(props["EventSourceArn"])
        concurrency[queue.split("Queue")[0]] = props["ScalingConfig"]["MaximumConcurrency"]
    assert concurrency["ShopInventoryPriority"] > concurrency["ShopInventoryStandard"]


def test_asynchronous_consumers_keep_failed_events_in_their_dead_letter_queues(
    template: dict[str, Any], services: dict[str, str]
) -> None:
    resources = template["Resources"]
    for function_id, service in services.items():
        props = resources[function_id]["Properties"]
        if service in {"payments", "order-tracker", "notifications"}:
            target = logical_id(props["DeadLetterConfig"]["TargetArn"])
            assert resources[target]["Type"] == "AWS::SQS::Queue"
        else:  # invoked synchronously (API Gateway) or polled (SQS)
            assert "DeadLetterConfig" not in props


def test_every_dead_letter_queue_alarms_as_soon_as_it_holds_a_message(
    template: dict[str, Any],
) -> None:
    dead_letter_queues = {
        name for name in of_type(template, "AWS::SQS::Queue") if "DeadLetters" in name
    }
    assert len(dead_letter_queues) == 4  # payments, inventory, tracker, notifications
    watched = {
        alarm["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in of_type(template, "AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    assert dead_letter_queues <= watched


# -- least privilege ---------------------------------------------------------------------


def test_each_producer_may_put_only_its_own_events_on_the_bus(
    template: dict[str, Any], services: dict[str, str]
) -> None:
    # GIVEN every statement that allows events:PutEvents, by the service whose role has it
    [bus] = of_type(template, "AWS::Events::EventBus")
    resources = template["Resources"]
    roles = {
        logical_id(resources[fn]["Properties"]["Role"]): service for fn, service in services.items()
    }
    allowed: dict[str, list[dict[str, Any]]] = {}
    for policy in of_type(template, "AWS::IAM::Policy").values():
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            if "events:PutEvents" in json.dumps(statement["Action"]):
                for role in policy["Properties"]["Roles"]:
                    allowed.setdefault(roles[logical_id(role)], []).append(statement)
    # THEN each producer has one, on the shop bus only, held to the catalogue's events by the
    # events:source and events:detail-type conditions
    produced: dict[str, set[str]] = {}
    for name, entry in catalogue().items():
        produced.setdefault(entry["producer"], set()).add(name)
    assert set(allowed) == set(produced)
    for service, statements in allowed.items():
        [statement] = statements
        assert statement["Action"] == "events:PutEvents"
        assert statement["Resource"] == {"Fn::GetAtt": [bus, "Arn"]}
        condition = statement["Condition"]["StringEquals"]
        assert set(condition["events:detail-type"]) == produced[service]
        assert condition["events:source"] == sorted(
            {catalogue()[name]["source"] for name in produced[service]}
        )


def test_payments_may_not_announce_an_order_nor_inventory_a_payment(
    template: dict[str, Any], services: dict[str, str]
) -> None:
    text = {
        service: json.dumps(
            [
                policy
                for policy in of_type(template, "AWS::IAM::Policy").values()
                if logical_id(policy["Properties"]["Roles"][0])
                == logical_id(template["Resources"][fn]["Properties"]["Role"])
            ]
        )
        for fn, service in services.items()
    }
    assert '"OrderPlaced"' not in text["payments"]
    assert '"PaymentCompleted"' not in text["inventory"]
    assert '"OrderConfirmed"' not in text["orders"]


# -- the customer messages' topic --------------------------------------------------------------


def test_the_topic_is_encrypted_and_accepts_only_tls(
    template: dict[str, Any], prod: Assembly
) -> None:
    [topic] = of_type(template, "AWS::SNS::Topic").values()
    assert json.dumps(topic["Properties"]["KmsMasterKeyId"]).endswith(':alias/aws/sns"]]}')
    [policy] = of_type(template, "AWS::SNS::TopicPolicy").values()
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    prod_template = prod.template_json(STACK)
    [key] = of_type(prod_template, "AWS::KMS::Key")
    [prod_topic] = of_type(prod_template, "AWS::SNS::Topic").values()
    assert prod_topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key, "Arn"]}


def test_the_dev_inbox_gets_only_example_customers_and_keeps_what_it_cannot_take(
    template: dict[str, Any], prod: Assembly
) -> None:
    [subscription] = of_type(template, "AWS::SNS::Subscription").values()
    props = subscription["Properties"]
    assert props["Protocol"] == "sqs"
    assert logical_id(props["Endpoint"]).startswith("ShopInbox")
    assert props["FilterPolicy"] == {
        "recipientDomain": ["example.com", "example.org", "example.net"]
    }
    assert logical_id(props["RedrivePolicy"]["deadLetterTargetArn"]).startswith(
        "ShopNotificationsDeadLetters"
    )
    assert "RawMessageDelivery" not in props  # the inbox reads SNS's envelope
    # prod has no inbox (and no e-mail subscription unless notificationEmail is set)
    assert not of_type(prod.template_json(STACK), "AWS::SNS::Subscription")


# -- data, API, outputs ---------------------------------------------------------------------


def test_the_notifications_record_expires_after_the_archive_keeps_the_event(
    template: dict[str, Any],
) -> None:
    tables = of_type(template, "AWS::DynamoDB::Table")
    [sent] = [t for name, t in tables.items() if name.startswith("ShopNotificationsSent")]
    assert sent["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expiration",
        "Enabled": True,
    }
    [fn] = [
        fn for fn in of_type(template, "AWS::Lambda::Function").values()
        if fn["Properties"].get("Handler") == "shop.notifications.handler.lambda_handler"
    ]  # fmt: skip
    ttl = int(fn["Properties"]["Environment"]["Variables"]["IDEMPOTENCY_TTL_SECONDS"])
    assert ttl > 7 * 24 * 3600  # the dev archive's retention


def test_dev_seeds_the_demo_catalogue_at_deployment_and_prod_does_not(
    template: dict[str, Any], prod: Assembly
) -> None:
    [seed] = of_type(template, "Custom::AWS").values()
    call = json.dumps(seed["Properties"]["Create"])
    assert "batchWriteItem" in call
    products = json.loads((REPO / "stacks/architectures/order_flow_data/demo_products.json")
                          .read_text())  # fmt: skip
    assert all(f'\\"{p["productId"]}\\"' in call for p in products)
    assert not of_type(prod.template_json(STACK), "Custom::AWS")


def test_the_orders_api_needs_a_key_and_validates_new_orders_with_the_shared_schema(
    template: dict[str, Any],
) -> None:
    methods = of_type(template, "AWS::ApiGateway::Method").values()
    keyed = [m["Properties"] for m in methods if m["Properties"]["HttpMethod"] != "OPTIONS"]
    assert len(keyed) == 3
    assert all(m["ApiKeyRequired"] is True for m in keyed)
    [post] = [m for m in keyed if m["HttpMethod"] == "POST"]
    model = template["Resources"][post["RequestModels"]["application/json"]["Ref"]]
    schema = json.loads((REPO / "lambdas/shop/orders/schemas/order_create.json").read_text())
    assert model["Properties"]["Schema"]["required"] == schema["required"]


def test_outputs_are_the_documented_interface(template: dict[str, Any]) -> None:
    assert {
        "OrdersApiUrl",
        "ApiKeyId",
        "EventBusName",
        "NotificationTopicArn",
        "NotificationsInboxQueueUrl",
    } <= set(template["Outputs"])


def test_the_readme_table_is_the_catalogue() -> None:
    # GIVEN the README's event table (the rows after its marker, up to the first blank line)
    readme = (REPO / "README.md").read_text()
    after_marker = readme[readme.index("<!-- event catalogue:") :].splitlines()[3:]
    rows = after_marker[: after_marker.index("")]
    listed = {}
    for row in rows:
        detail_type, source, producer, consumers, meaning = (
            cell.strip().strip("`") for cell in row.strip("|").split("|")
        )
        listed[detail_type] = (source, producer, set(consumers.split(", ")), meaning)
    # THEN it lists every event of the catalogue, as the catalogue describes it
    assert listed == {
        name: (e["source"], e["producer"], set(e["consumers"]), e["description"])
        for name, e in catalogue().items()
    }
