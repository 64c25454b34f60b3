"""What each stage turns on (stacks/constructs/hardening.py): prod's keys, web ACLs, reserved
concurrency; dev's explicit AWS-managed encryption; versioned buckets in both."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.constructs.dedicated_key import PURPOSE_TAG

from .conftest import STACKS, Assembly

# Resource types whose data prod encrypts with the stack's key, and the property naming it.
KEY_PROPERTIES = {
    "AWS::Logs::LogGroup": ("KmsKeyId",),
    "AWS::DynamoDB::Table": ("SSESpecification", "KMSMasterKeyId"),
    "AWS::SQS::Queue": ("KmsMasterKeyId",),
    "AWS::SNS::Topic": ("KmsMasterKeyId",),
    "AWS::Kinesis::Stream": ("StreamEncryption", "KeyId"),
    "AWS::StepFunctions::StateMachine": ("EncryptionConfiguration", "KmsKeyId"),
}
MANAGED_RULE_GROUPS = {
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
}


def resources(template: dict[str, Any], *types: str) -> dict[str, dict[str, Any]]:
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"] in types
    }


def dig(properties: dict[str, Any], path: tuple[str, ...]) -> Any:
    for step in path:
        properties = (properties or {}).get(step)  # type: ignore[assignment]
    return properties


def refers_to(value: Any, logical_id: str) -> bool:
    return value in ({"Fn::GetAtt": [logical_id, "Arn"]}, {"Ref": logical_id})


@pytest.fixture(scope="module")
def prod_templates(prod: Assembly) -> dict[str, dict[str, Any]]:
    return {stack: prod.template_json(stack) for stack in STACKS}


@pytest.fixture(scope="module")
def dev_templates(dev: Assembly) -> dict[str, dict[str, Any]]:
    return {stack: dev.template_json(stack) for stack in STACKS}


def dedicated_keys(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Keys for one kind of data (DedicatedKey), made in every stage, tagged with their use."""
    return {
        name: key
        for name, key in resources(template, "AWS::KMS::Key").items()
        if any(tag["Key"] == PURPOSE_TAG for tag in key["Properties"].get("Tags", []))
    }


def stack_keys(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = resources(template, "AWS::KMS::Key")
    return {name: key for name, key in keys.items() if name not in dedicated_keys(template)}


def the_key(template: dict[str, Any]) -> str:
    [key] = stack_keys(template)
    return key


# -- prod: one customer-managed key per stack -----------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_prod_has_one_rotated_key_per_stack(prod_templates: dict, stack: str) -> None:
    keys = stack_keys(prod_templates[stack])
    assert len(keys) == 1, f"{stack} has {len(keys)} keys"
    [key] = keys.values()
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("stack", STACKS)
def test_prod_encrypts_logs_data_queues_and_function_environments_with_the_stack_key(
    prod_templates: dict, stack: str
) -> None:
    # GIVEN every resource of the stack that stores data, logs or messages, and every function
    # that has an environment
    template = prod_templates[stack]
    key = the_key(template)
    stored = resources(template, *KEY_PROPERTIES)
    functions = {
        name: fn
        for name, fn in resources(template, "AWS::Lambda::Function").items()
        if fn["Properties"].get("Environment")
    }
    assert resources(template, "AWS::Logs::LogGroup"), f"{stack} has no log group"
    assert functions, f"{stack} has no function with an environment"
    # THEN each names the stack's key
    for name, resource in stored.items():
        value = dig(resource["Properties"], KEY_PROPERTIES[resource["Type"]])
        assert refers_to(value, key), f"{name} ({resource['Type']}) is not under {key}: {value}"
    for name, function in functions.items():
        assert refers_to(function["Properties"].get("KmsKeyArn"), key), name


def test_prod_tables_use_the_key_through_kms_encryption(prod_templates: dict) -> None:
    template = prod_templates["RestMicroservice"]
    [table] = resources(template, "AWS::DynamoDB::Table").values()
    sse = table["Properties"]["SSESpecification"]
    assert sse["SSEEnabled"] is True
    assert sse["SSEType"] == "KMS"


def test_prod_key_policy_lets_only_named_users_use_the_key(prod_templates: dict) -> None:
    # GIVEN the REST stack's key policy
    template = prod_templates["RestMicroservice"]
    [key] = resources(template, "AWS::KMS::Key").values()
    statements = {s["Sid"]: s for s in key["Properties"]["KeyPolicy"]["Statement"]}
    # THEN the account administers the key but cannot use it directly ...
    admin = statements["AdministerThroughIam"]["Action"]
    assert "kms:*" not in json.dumps(statements)
    assert not {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"} & set(admin)
    # ... the stack's roles (every one of them, and only them) may use it ...
    roles = resources(template, "AWS::IAM::Role")
    condition = statements["UseByThisStacksRoles"]["Condition"]["ArnEquals"]["aws:PrincipalArn"]
    assert sorted(c["Fn::GetAtt"][0] for c in condition) == sorted(roles)
    # ... others of the account only through the services that store the data ...
    via = statements["UseThroughStoringServicesOnly"]["Condition"]["StringEquals"]
    assert via["kms:ViaService"]
    assert via["kms:CallerAccount"] == {"Ref": "AWS::AccountId"}
    # ... and CloudWatch Logs only for this account's log groups.
    logs = statements["CloudWatchLogsForThisAccount"]
    assert "kms:EncryptionContext:aws:logs:arn" in logs["Condition"]["ArnLike"]


def test_dev_has_no_customer_managed_key_and_states_aws_managed_encryption(
    dev_templates: dict,
) -> None:
    tables = 0
    for stack, template in dev_templates.items():
        # dedicated keys (card numbers, registration ids) are there in every stage; no other
        assert not stack_keys(template), stack
        for name, resource in resources(template, *KEY_PROPERTIES).items():
            key = dig(resource["Properties"], KEY_PROPERTIES[resource["Type"]])
            if resource["Type"] == "AWS::SNS::Topic":
                # SNS encrypts nothing unless told: dev names SNS's AWS-managed key
                assert "alias/aws/sns" in json.dumps(key), name
            elif resource["Type"] == "AWS::Kinesis::Stream":
                # Kinesis too: dev names the stream's AWS-managed key
                assert key == "alias/aws/kinesis", name
            else:
                assert key is None, name
        for table in resources(template, "AWS::DynamoDB::Table").values():
            assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True}
            tables += 1
        for function in resources(template, "AWS::Lambda::Function").values():
            assert "KmsKeyArn" not in function["Properties"]
    assert tables


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_queue_states_its_encryption(assemblies: dict[str, Assembly], stage: str) -> None:
    queues = {
        name: queue
        for stack in STACKS
        for name, queue in resources(
            assemblies[stage].template_json(stack), "AWS::SQS::Queue"
        ).items()
    }
    assert queues
    for name, queue in queues.items():
        props = queue["Properties"]
        explicit = props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props
        assert explicit, f"{stage} {name} relies on implicit encryption: {props}"


# -- web ACLs --------------------------------------------------------------------------------


def test_prod_firewalls_every_rest_stage(prod_templates: dict) -> None:
    # GIVEN every REST API stage of the prod stacks
    stages = 0
    for stack, template in prod_templates.items():
        associations = resources(template, "AWS::WAFv2::WebACLAssociation").values()
        protected = {json.dumps(a["Properties"]["ResourceArn"]) for a in associations}
        for name in resources(template, "AWS::ApiGateway::Stage"):
            stages += 1
            # THEN a web ACL association names it
            assert any(name in arn for arn in protected), f"{stack} {name} has no web ACL"
        acls = resources(template, "AWS::WAFv2::WebACL").values()
        assert all(acl["Properties"]["Scope"] == "REGIONAL" for acl in acls)
    assert stages


def test_prod_firewalls_every_distribution_with_the_us_east_1_acl(
    prod: Assembly, prod_templates: dict
) -> None:
    distributions = 0
    for stack, template in prod_templates.items():
        for name, distribution in resources(template, "AWS::CloudFront::Distribution").items():
            distributions += 1
            acl = distribution["Properties"]["DistributionConfig"].get("WebACLId")
            assert acl, f"{stack} {name} has no web ACL"
    assert distributions
    # The ACL itself lives in the CdnFirewall stack, pinned to us-east-1, which the stacks with
    # distributions are deployed after.
    manifest = json.loads((prod.outdir / "manifest.json").read_text())["artifacts"]
    assert manifest["CdnFirewall"]["environment"].endswith("/us-east-1")
    assert "CdnFirewall" in manifest["RestMicroservice"]["dependencies"]
    firewall = prod.template_json("CdnFirewall")
    [acl] = resources(firewall, "AWS::WAFv2::WebACL").values()
    assert acl["Properties"]["Scope"] == "CLOUDFRONT"
    [parameter] = resources(firewall, "AWS::SSM::Parameter").values()
    assert parameter["Properties"]["Value"] == {
        "Fn::GetAtt": [next(iter(resources(firewall, "AWS::WAFv2::WebACL"))), "Arn"]
    }


@pytest.mark.parametrize("stack", ["RestMicroservice", "CdnFirewall"])
def test_web_acls_use_the_managed_rule_groups_and_a_rate_limit(prod: Assembly, stack: str) -> None:
    [acl] = resources(prod.template_json(stack), "AWS::WAFv2::WebACL").values()
    rules = acl["Properties"]["Rules"]
    groups = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in rules
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert groups == MANAGED_RULE_GROUPS
    [rate] = [rule for rule in rules if "RateBasedStatement" in rule["Statement"]]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"]["Limit"] == 2000
    assert acl["Properties"]["DefaultAction"] == {"Allow": {}}


def test_dev_has_no_web_acls(dev: Assembly, dev_templates: dict) -> None:
    for template in dev_templates.values():
        assert not resources(template, "AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation")
    assert not (dev.outdir / "CdnFirewall.template.json").exists()


# -- reserved concurrency ---------------------------------------------------------------------


def service_name(function: dict[str, Any]) -> str | None:
    """The name PythonFunction gives a function of ours (its key in ``reservedConcurrency``)."""
    variables = function["Properties"].get("Environment", {}).get("Variables", {})
    return variables.get("POWERTOOLS_SERVICE_NAME")


def test_prod_reserves_concurrency_per_function_from_the_stage_config(
    prod_templates: dict,
) -> None:
    reserved = {
        service_name(fn): fn["Properties"].get("ReservedConcurrentExecutions")
        for template in prod_templates.values()
        for fn in resources(template, "AWS::Lambda::Function").values()
        if service_name(fn)
    }
    # cdk.json: prod reserves per function by name, and 5 for any other function
    assert reserved == {
        "items": 50,
        "notes": 50,
        "hello-world": 5,
        "registrations": 50,
        "registrations-dni-check": 25,
        "registrations-email-check": 25,
        "registrations-card-check": 25,
        "shop-orders-api": 20,
        "shop-order-tracker": 20,
        "shop-payments": 10,
        "shop-inventory": 10,
        "shop-notifications": 5,
        "tweets-consumer": 10,
        "tweets-api": 20,
        "images-api": 20,
        "images-transform": 50,
        "images-derivatives": 20,
    }


def test_dev_reserves_no_concurrency_so_a_new_account_can_deploy(dev_templates: dict) -> None:
    functions = [
        fn
        for template in dev_templates.values()
        for fn in resources(template, "AWS::Lambda::Function").values()
    ]
    assert functions
    assert all("ReservedConcurrentExecutions" not in fn["Properties"] for fn in functions)


# -- buckets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_buckets_are_versioned_and_old_versions_expire(
    assemblies: dict[str, Assembly], stage: str
) -> None:
    buckets = {
        name: bucket
        for stack in STACKS
        for name, bucket in resources(
            assemblies[stage].template_json(stack), "AWS::S3::Bucket"
        ).items()
    }
    assert buckets
    days = {"dev": 7, "prod": 90}[stage]
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, name
        expiries = [
            rule["NoncurrentVersionExpiration"]["NoncurrentDays"]
            for rule in props["LifecycleConfiguration"]["Rules"]
            if "NoncurrentVersionExpiration" in rule
        ]
        assert expiries == [days], name
