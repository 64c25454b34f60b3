"""AWS WAF in front of the public entry points: AWS's managed rule groups and a per-IP rate limit.

A REST API stage is protected by its stack's regional web ACL. A CloudFront distribution needs a
web ACL made in us-east-1, whatever region its stack is in: the ``CdnFirewall`` stack makes it
there and publishes its ARN in an SSM parameter of that region, which :func:`cdn_web_acl_arn`
reads at deployment time (or an existing ACL's ARN is given in the stage config).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from aws_cdk import IResolvable, Stack
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

CDN_REGION = "us-east-1"
# Where a stage's CdnFirewall stack publishes its web ACL's ARN (a fixed name: stacks in other
# regions must find it).
CDN_WEB_ACL_PARAMETER = "/serverless-reference/{stage}/cdn-web-acl-arn"
# Common exploits (OWASP-style), request patterns known to be malicious (Log4j and the like),
# and IP addresses AWS threat intelligence reports as bots and attackers.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)
# The common rule set's rule that blocks request bodies over 8 KB: an API whose request models
# allow larger bodies counts it instead (API Gateway's validator bounds them).
LARGE_BODY_RULE = "SizeRestrictions_BODY"
_W = wafv2.CfnWebACL


def _visibility(metric: str) -> _W.VisibilityConfigProperty:
    return _W.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


class WebAcl(Construct):
    """Allows by default; blocks what the managed rule groups match and any IP above
    ``rate_limit`` requests in five minutes."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        waf_scope: Literal["REGIONAL", "CLOUDFRONT"],
        rate_limit: int,
        description: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.rate_limit = rate_limit
        self.counted_rules: set[str] = set()
        self.acl = wafv2.CfnWebACL(
            self,
            "Acl",
            scope=waf_scope,
            description=description,
            default_action=_W.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{Stack.of(self).stack_name}-{construct_id}"),
            rules=self._rules(),
        )
        self.arn = self.acl.attr_arn

    def count_instead_of_blocking(self, rules: Sequence[str]) -> None:
        """Managed rules (by name) that this ACL counts instead of letting them block, for
        every resource it protects (one ACL per stack and scope)."""
        if set(rules) - self.counted_rules:
            self.counted_rules.update(rules)
            self.acl.rules = self._rules()

    def _rules(self) -> list[IResolvable | _W.RuleProperty]:
        overrides = [
            _W.RuleActionOverrideProperty(name=name, action_to_use=_W.RuleActionProperty(count={}))
            for name in sorted(self.counted_rules)
        ]
        rules: list[IResolvable | _W.RuleProperty] = [
            _W.RuleProperty(
                name=group,
                priority=priority,
                override_action=_W.OverrideActionProperty(none={}),
                statement=_W.StatementProperty(
                    managed_rule_group_statement=_W.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS",
                        name=group,
                        rule_action_overrides=(
                            overrides if overrides and group == MANAGED_RULE_GROUPS[0] else None
                        ),
                    )
                ),
                visibility_config=_visibility(group),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(
            _W.RuleProperty(
                name="RateLimitPerIp",
                priority=len(rules),
                action=_W.RuleActionProperty(block={}),
                statement=_W.StatementProperty(
                    rate_based_statement=_W.RateBasedStatementProperty(
                        limit=self.rate_limit, aggregate_key_type="IP", evaluation_window_sec=300
                    )
                ),
                visibility_config=_visibility("RateLimitPerIp"),
            )
        )
        return rules

    @classmethod
    def regional_of(cls, scope: IConstruct, *, rate_limit: int) -> WebAcl:
        """The regional web ACL of ``scope``'s stack, created on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child("RegionalWebAcl")
        if isinstance(existing, WebAcl):
            return existing
        return cls(
            stack,
            "RegionalWebAcl",
            waf_scope="REGIONAL",
            rate_limit=rate_limit,
            description="Protects the regional entry points of this stack",
        )


def protect_regional_resource(
    scope: Construct,
    *,
    resource_arn: str,
    rate_limit: int,
    counted_rules: Sequence[str] = (),
) -> None:
    """Associate the stack's regional web ACL with a REST API stage or a Cognito user pool;
    ``counted_rules``: managed rules the ACL must count instead of blocking."""
    acl = WebAcl.regional_of(scope, rate_limit=rate_limit)
    acl.count_instead_of_blocking(counted_rules)
    wafv2.CfnWebACLAssociation(scope, "WebAcl", resource_arn=resource_arn, web_acl_arn=acl.arn)


def cdn_web_acl_arn(scope: IConstruct, *, parameter_name: str, log_group: logs.ILogGroup) -> str:
    """The CloudFront web ACL's ARN, read at deployment time from its us-east-1 parameter
    (one lookup per stack, shared by its distributions)."""
    stack = Stack.of(scope)
    lookup = stack.node.try_find_child("CdnWebAclLookup")
    if not isinstance(lookup, cr.AwsCustomResource):
        parameter_arn = stack.format_arn(
            service="ssm",
            region=CDN_REGION,
            resource="parameter",
            resource_name=parameter_name.lstrip("/"),
        )
        read = cr.AwsSdkCall(
            service="SSM",
            action="getParameter",
            parameters={"Name": parameter_name},
            region=CDN_REGION,
            physical_resource_id=cr.PhysicalResourceId.of(parameter_name),
        )
        lookup = cr.AwsCustomResource(
            stack,
            "CdnWebAclLookup",
            on_create=read,
            on_update=read,
            policy=cr.AwsCustomResourcePolicy.from_sdk_calls(resources=[parameter_arn]),
            install_latest_aws_sdk=False,
            log_group=log_group,
        )
    return lookup.get_response_field("Parameter.Value")
