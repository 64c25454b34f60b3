"""Deliberate choices a scanner would flag, acknowledged on the resource, with the reason.

Two kinds of scanner read our templates: cdk-nag at synthesis (rules such as
``AwsSolutions-S1``, acknowledged through CDK's ``Validations``) and template scanners such as
checkov afterwards (rules such as ``CKV_AWS_116``, skipped through the resource's
``Metadata.checkov.skip``). :func:`acknowledge` takes both kinds with one reason, so a decision
is written down once, on the resource it concerns, never for a whole stack.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

CHECKOV_PREFIX = "CKV"


def _cfn_resource(scope: IConstruct) -> CfnResource | None:
    if isinstance(scope, CfnResource):
        return scope
    child = scope.node.default_child
    return child if isinstance(child, CfnResource) else None


def acknowledge(scope: IConstruct, reason: str, *rules: str) -> None:
    """Acknowledge ``rules`` (cdk-nag ids and checkov ids) on ``scope`` because of ``reason``."""
    nag = [rule for rule in rules if not rule.startswith(CHECKOV_PREFIX)]
    checkov = [rule for rule in rules if rule.startswith(CHECKOV_PREFIX)]
    if nag:
        Validations.of(scope).acknowledge(*(Acknowledgment(id=rule, reason=reason) for rule in nag))
    if checkov:
        resource = _cfn_resource(scope)
        if resource is None:
            raise ValueError(f"{scope.node.path} has no CloudFormation resource to annotate")
        skips = list((resource.get_metadata("checkov") or {}).get("skip", []))
        known = {skip["id"] for skip in skips}
        skips += [{"id": rule, "comment": reason} for rule in checkov if rule not in known]
        resource.add_metadata("checkov", {"skip": skips})


# CDK's own deployment-time helpers: singleton functions it adds to a stack (bucket deployment,
# auto-delete objects, SDK calls). Their code, runtime and role come from aws-cdk-lib.
_CDK_HELPER_PREFIXES = (
    "Custom::CDKBucketDeployment",
    "Custom::S3AutoDeleteObjects",
    "AWS679f53fac002430cb0da5b7982bd2287",  # AwsCustomResource's provider
    "BucketNotificationsHandler",  # a bucket's event notifications
)
_CDK_HELPER_FUNCTION_FINDINGS = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AWSLambdaBasicExecutionRole]",
    "AwsSolutions-L1",
    "Serverless-LambdaDLQ",
    "Serverless-LambdaLatestVersion",
    "Serverless-LambdaTracing",
    "Serverless-LambdaDefaultMemorySize",
    "Serverless-LambdaDefaultTimeout",
    "AwsSolutions-IAM5[Resource::*]",
)
# The same decisions, as checkov names them, on the helper's function and role policy.
_CDK_HELPER_CHECKOV = ("CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117", "CKV_AWS_173")
_CDK_HELPER_POLICY_CHECKOV = ("CKV_AWS_111",)


def cdk_helpers(stack: Stack) -> list[IConstruct]:
    """CDK's helper functions in ``stack`` (created at the stack's top level)."""
    return [
        child for child in stack.node.children if child.node.id.startswith(_CDK_HELPER_PREFIXES)
    ]


def acknowledge_cdk_helpers(stack: Stack, *extra_findings: str) -> None:
    """Acknowledge, on each of CDK's helper functions in ``stack``, what is not ours to shape.

    ``extra_findings`` are findings that depend on what the helper was given (e.g. the
    bucket a deployment writes to). Call it once the stack's constructs exist.
    """
    for child in cdk_helpers(stack):
        helper = child.node.id.split("::")[-1][:24]
        reason = (
            f"CDK-managed helper function ({helper}): its code, runtime and role come from "
            "aws-cdk-lib, and it runs only during deployments"
        )
        acknowledge(child, reason, *_CDK_HELPER_FUNCTION_FINDINGS, *extra_findings)
        for part in child.node.find_all():
            if isinstance(part, CfnResource) and part.cfn_resource_type in (
                "AWS::Lambda::Function",
                "AWS::IAM::Policy",
            ):
                rules = (
                    _CDK_HELPER_CHECKOV
                    if part.cfn_resource_type == "AWS::Lambda::Function"
                    else _CDK_HELPER_POLICY_CHECKOV
                )
                acknowledge(part, reason, *rules)
