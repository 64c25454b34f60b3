"""The web ACL in front of every CloudFront distribution of a stage.

CloudFront accepts only web ACLs made in us-east-1, whatever region the distribution's stack is
in, so this small stack lives there and publishes the ACL's ARN in an SSM parameter of that
region; the stacks with distributions read it at deployment time (``web_acl.cdn_web_acl_arn``)
and are deployed after this one. A stage that already has such an ACL names it in the stage
config (``cdnWebAclArn``) instead, and this stack is not made.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Environment, Stack
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from .constructs.web_acl import CDN_REGION, WebAcl
from .stage_config import StageConfig


class CdnFirewallStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StageConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, env=Environment(region=CDN_REGION), **kwargs)
        hardening = config.hardening
        acl = WebAcl(
            self,
            "CdnWebAcl",
            waf_scope="CLOUDFRONT",
            rate_limit=hardening.web_acl_rate_limit,
            description=f"Protects the CloudFront distributions of the {config.stage} stage",
        )
        ssm.StringParameter(
            self,
            "CdnWebAclArn",
            parameter_name=str(hardening.cdn_web_acl_parameter),
            string_value=acl.arn,
            description="ARN of the web ACL the stage's CloudFront distributions use",
        )
        CfnOutput(self, "WebAclArn", value=acl.arn)
