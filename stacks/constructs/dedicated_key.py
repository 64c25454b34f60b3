"""A KMS key for one kind of data, which named roles may use for named actions only.

The stack's key (``StackKey``) protects data at rest, and every role of the stack may use it.
Some data needs a key of its own in every stage, whatever the stage's encryption choices: a
field that must stay unreadable to everyone but one function (card numbers), or a secret that
must never leave KMS (the key of a keyed hash). Its policy lets the account administer it but
not use it, and lets each granted role use it for the granted actions and nothing else, so an
administrator with ``kms:*`` in IAM still cannot decrypt with it.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Tags
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from .acknowledgements import acknowledge
from .stack_key import ADMINISTER

# The tag that tells a dedicated key (and what it is for) from the stack's key.
PURPOSE_TAG = "dedicatedTo"


class DedicatedKey(Construct):
    """``hmac=True`` makes an HMAC-SHA-256 key (GenerateMac/VerifyMac), which KMS cannot
    rotate; otherwise a symmetric encryption key, rotated yearly."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        purpose: str,
        removal_policy: RemovalPolicy,
        hmac: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description=f"Dedicated to {purpose}",
            key_spec=kms.KeySpec.HMAC_256 if hmac else kms.KeySpec.SYMMETRIC_DEFAULT,
            key_usage=(kms.KeyUsage.GENERATE_VERIFY_MAC if hmac else kms.KeyUsage.ENCRYPT_DECRYPT),
            enable_key_rotation=not hmac,
            rotation_period=None if hmac else Duration.days(365),
            pending_window=Duration.days(30 if removal_policy == RemovalPolicy.RETAIN else 7),
            removal_policy=removal_policy,
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="AdministerThroughIam",
                        principals=[iam.AccountRootPrincipal()],
                        actions=ADMINISTER,
                        resources=["*"],
                    )
                ]
            ),
        )
        Tags.of(self.key).add(PURPOSE_TAG, purpose)
        if hmac:
            acknowledge(
                self.key,
                "An HMAC key: KMS rotates only symmetric encryption keys, and a new HMAC key "
                "would change every id derived with it",
                "AwsSolutions-KMS5",
                "CKV_AWS_7",
            )

    def grant(self, role: iam.IRole, *actions: str) -> None:
        """Let ``role`` (and no one else, by this grant) use the key for ``actions``."""
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.AccountRootPrincipal()],
                actions=list(actions),
                resources=["*"],
                conditions={"ArnEquals": {"aws:PrincipalArn": role.role_arn}},
            )
        )
        self.key.grant(role, *actions)
