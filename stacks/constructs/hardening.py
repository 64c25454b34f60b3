"""The hardening profile: what a stage turns on in every resource, decided in one place.

Every building block takes a :class:`Hardening` and asks it for what a resource of its kind
needs (a log group, a queue's or table's encryption, a bucket's versioning, a function's key
and reserved concurrency, a REST stage's or a distribution's firewall and certificate), so a
stage's choices reach every stack, present and future, without being written again.

- **dev** (:meth:`Hardening.dev`) is cheap and deploys into a brand-new account: AWS-managed
  encryption, stated explicitly wherever the resource type has the setting; no web ACLs; no
  reserved concurrency (a new account may run only 10 functions at once, and reserving any of
  that fails the deployment).
- **prod** (:meth:`Hardening.prod`) is what a security review expects: one customer-managed key
  per stack (:class:`StackKey`) for logs, tables, queues, topics, streams and function
  environments; AWS WAF in front of every REST stage, user pool and distribution; reserved
  concurrency; Cognito threat protection; and, with a custom domain, TLS 1.2 (2021) at the
  edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct, IConstruct

from .acknowledgements import acknowledge, acknowledge_cdk_helpers, cdk_helpers
from .stack_key import StackKey
from .web_acl import (
    CDN_WEB_ACL_PARAMETER,
    LARGE_BODY_RULE,
    cdn_web_acl_arn,
    protect_regional_resource,
)

# The key for "every other function" in ``Hardening.reserved_concurrency``.
ANY_FUNCTION = "*"


@dataclass(frozen=True, kw_only=True)
class CustomDomain:
    """Sites are served at ``<label>.<zone>`` with an ACM certificate that covers
    ``*.<zone>`` (made in us-east-1, as CloudFront requires). DNS records stay with the user."""

    zone: str
    certificate_arn: str

    def host(self, label: str) -> str:
        return f"{label}.{self.zone}"


@dataclass(frozen=True, kw_only=True)
class Hardening:
    removal_policy: RemovalPolicy = RemovalPolicy.DESTROY
    log_retention: logs.RetentionDays = logs.RetentionDays.TWO_WEEKS
    customer_managed_keys: bool = False
    web_acls: bool = False
    # Requests per IP in five minutes before a web ACL blocks it.
    web_acl_rate_limit: int = 2000
    # Where distributions find their (us-east-1) web ACL: an ARN, or the SSM parameter in
    # us-east-1 that the CdnFirewall stack writes.
    cdn_web_acl_arn: str | None = None
    cdn_web_acl_parameter: str | None = None
    # Reserved concurrency by function name (a PythonFunction's service name), ANY_FUNCTION
    # for the rest; empty reserves nothing.
    reserved_concurrency: Mapping[str, int] = field(default_factory=dict)
    noncurrent_version_expiry: Duration = field(default_factory=lambda: Duration.days(30))
    custom_domain: CustomDomain | None = None
    # Cognito user pools on the Plus feature plan, with threat protection enforced.
    threat_protection: bool = False
    # Whether state machine logs may carry execution data (inputs, outputs: personal data).
    log_execution_data: bool = True

    def __post_init__(self) -> None:
        if self.web_acls and not (self.cdn_web_acl_arn or self.cdn_web_acl_parameter):
            raise ValueError("web ACLs need cdn_web_acl_arn or cdn_web_acl_parameter")

    @classmethod
    def dev(cls, **overrides: Any) -> Hardening:
        return cls(**overrides)

    @classmethod
    def prod(cls, **overrides: Any) -> Hardening:
        settings: dict[str, Any] = {
            "removal_policy": RemovalPolicy.RETAIN,
            "log_retention": logs.RetentionDays.ONE_YEAR,
            "customer_managed_keys": True,
            "web_acls": True,
            "cdn_web_acl_parameter": CDN_WEB_ACL_PARAMETER.format(stage="prod"),
            "reserved_concurrency": {ANY_FUNCTION: 10},
            "noncurrent_version_expiry": Duration.days(90),
            "threat_protection": True,
            "log_execution_data": False,
        }
        return cls(**{**settings, **overrides})

    @property
    def destroys_data(self) -> bool:
        return self.removal_policy == RemovalPolicy.DESTROY

    # -- encryption ---------------------------------------------------------------------

    def encryption_key(self, scope: IConstruct) -> kms.IKey | None:
        """The stack's customer-managed key, or None where AWS-managed keys are used."""
        return StackKey.of(scope) if self.customer_managed_keys else None

    def log_group(self, scope: Construct, construct_id: str) -> logs.LogGroup:
        group = logs.LogGroup(
            scope,
            construct_id,
            retention=self.log_retention,
            removal_policy=self.removal_policy,
            encryption_key=self.encryption_key(scope),
        )
        if not self.customer_managed_keys:
            acknowledge(
                group,
                "CloudWatch Logs encrypts every log group with its own keys; this stage uses no "
                "customer-managed key (no monthly key cost; prod has one)",
                "CKV_AWS_158",
            )
        return group

    def queue_encryption(self, scope: IConstruct) -> dict[str, Any]:
        """Keyword arguments of ``sqs.Queue`` that state its encryption."""
        key = self.encryption_key(scope)
        if key is None:
            return {"encryption": sqs.QueueEncryption.SQS_MANAGED}
        return {
            "encryption": sqs.QueueEncryption.KMS,
            "encryption_master_key": key,
            "data_key_reuse": Duration.minutes(5),
        }

    def acknowledge_aws_managed_queue(self, queue: sqs.Queue) -> None:
        if not self.customer_managed_keys:
            acknowledge(
                queue,
                "Encrypted with SQS-managed keys in this stage (no key cost); prod uses the "
                "stack's customer-managed key",
                "CKV_AWS_27",
            )

    def table_encryption(self, scope: IConstruct) -> dict[str, Any]:
        """Keyword arguments of ``dynamodb.Table`` that state its encryption."""
        key = self.encryption_key(scope)
        if key is None:
            return {"encryption": dynamodb.TableEncryption.AWS_MANAGED}
        return {"encryption": dynamodb.TableEncryption.CUSTOMER_MANAGED, "encryption_key": key}

    def topic_master_key(self, scope: Construct) -> kms.IKey:
        """The ``master_key`` of an ``sns.Topic``: SNS topics are not encrypted unless told, so
        dev names SNS's AWS-managed key explicitly."""
        key = self.encryption_key(scope)
        if key is not None:
            return key
        stack = Stack.of(scope)
        existing = stack.node.try_find_child("AwsManagedSnsKey")
        if existing is not None:
            return cast(kms.IKey, existing)
        return kms.Alias.from_alias_name(stack, "AwsManagedSnsKey", "alias/aws/sns")

    def stream_encryption(self, scope: IConstruct) -> dict[str, Any]:
        """Keyword arguments of ``kinesis.Stream`` that state its encryption."""
        key = self.encryption_key(scope)
        if key is None:
            return {"encryption": kinesis.StreamEncryption.MANAGED}
        return {"encryption": kinesis.StreamEncryption.KMS, "encryption_key": key}

    def state_machine_encryption(self, scope: IConstruct) -> sfn.EncryptionConfiguration:
        """A state machine's encryption: AWS-owned keys in dev (stated), the stack's key in
        prod (its logs too: give the state machine a log group from :meth:`log_group`)."""
        key = self.encryption_key(scope)
        if key is None:
            return sfn.AwsOwnedEncryptionConfiguration()
        return sfn.CustomerManagedEncryptionConfiguration(key)

    def state_machine_logs(self, scope: Construct, construct_id: str) -> sfn.LogOptions:
        """Every event of every execution into a log group of the stage's; execution data
        (inputs and outputs) only where the stage allows it."""
        return sfn.LogOptions(
            destination=self.log_group(scope, construct_id),
            level=sfn.LogLevel.ALL,
            include_execution_data=self.log_execution_data,
        )

    # -- functions ----------------------------------------------------------------------

    def adopt_cdk_helpers(self, stack: Stack, *extra_findings: str) -> None:
        """CDK's own helper functions follow the stage too: their environments are encrypted
        with the stack's key, and what is not ours to shape is acknowledged on them.
        ``extra_findings`` as in :func:`acknowledge_cdk_helpers`."""
        acknowledge_cdk_helpers(stack, *extra_findings)
        key = self.encryption_key(stack)
        if key is None:
            return
        for helper in cdk_helpers(stack):
            function = helper.node.default_child
            if isinstance(helper, lambda_.Function) and isinstance(function, lambda_.CfnFunction):
                function.add_property_override("KmsKeyArn", key.key_arn)
                if helper.role is not None:
                    key.grant_decrypt(helper.role)

    def reserved_concurrency_for(self, function_name: str) -> int | None:
        settings = self.reserved_concurrency
        return settings.get(function_name, settings.get(ANY_FUNCTION))

    # -- buckets ------------------------------------------------------------------------

    def bucket_lifecycle(self) -> list[s3.LifecycleRule]:
        """Versioned buckets keep replaced and deleted objects for a while, then drop them."""
        return [
            s3.LifecycleRule(
                noncurrent_version_expiration=self.noncurrent_version_expiry,
                abort_incomplete_multipart_upload_after=Duration.days(1),
            )
        ]

    # -- entry points -------------------------------------------------------------------

    def protect_rest_stage(
        self, scope: Construct, *, stage_arn: str, large_bodies: bool = False
    ) -> bool:
        """Put the stack's regional web ACL in front of a REST stage; False where this stage
        has no web ACLs. ``large_bodies``: the API's models allow bodies over 8 KB, which the
        ACL's common rule set would block (it counts them instead)."""
        if self.web_acls:
            protect_regional_resource(
                scope,
                resource_arn=stage_arn,
                rate_limit=self.web_acl_rate_limit,
                counted_rules=[LARGE_BODY_RULE] if large_bodies else [],
            )
        return self.web_acls

    # -- identities ---------------------------------------------------------------------

    def user_pool_plan(self) -> dict[str, Any]:
        """Keyword arguments of ``cognito.UserPool``: its feature plan, and threat protection
        (compromised credentials, adaptive authentication) where the stage pays for Plus."""
        if self.threat_protection:
            return {
                "feature_plan": cognito.FeaturePlan.PLUS,
                "standard_threat_protection_mode": (
                    cognito.StandardThreatProtectionMode.FULL_FUNCTION
                ),
            }
        return {"feature_plan": cognito.FeaturePlan.LITE}

    def protect_user_pool(self, pool: cognito.UserPool) -> None:
        """The stack's regional web ACL in front of the pool's sign-up and sign-in endpoints
        (where the stage has web ACLs), and the stage's feature plan acknowledged."""
        if self.web_acls:
            protect_regional_resource(
                pool, resource_arn=pool.user_pool_arn, rate_limit=self.web_acl_rate_limit
            )
        if not self.threat_protection:
            acknowledge(
                pool,
                "The Lite feature plan in this stage (free for 10,000 monthly users); prod "
                "takes Plus for threat protection (compromised credentials, adaptive sign-in)",
                "AwsSolutions-COG8",
            )

    def distribution_settings(self, scope: Construct, *, host_label: str) -> dict[str, Any]:
        """Keyword arguments of ``cloudfront.Distribution``: its web ACL, and its custom domain
        with a TLS 1.2 (2021) floor."""
        settings: dict[str, Any] = {}
        if self.web_acls and self.cdn_web_acl_arn:
            settings["web_acl_id"] = self.cdn_web_acl_arn
        elif self.web_acls:
            settings["web_acl_id"] = cdn_web_acl_arn(
                scope,
                parameter_name=str(self.cdn_web_acl_parameter),
                log_group=self._stack_log_group(scope, "CdnWebAclLookupLogs"),
            )
            self.adopt_cdk_helpers(Stack.of(scope))
        if self.custom_domain is not None:
            settings["domain_names"] = [self.custom_domain.host(host_label)]
            settings["certificate"] = acm.Certificate.from_certificate_arn(
                scope, "Certificate", self.custom_domain.certificate_arn
            )
            settings["minimum_protocol_version"] = cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
        return settings

    def _stack_log_group(self, scope: IConstruct, construct_id: str) -> logs.LogGroup:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(construct_id)
        if isinstance(existing, logs.LogGroup):
            return existing
        return self.log_group(stack, construct_id)
