"""One customer-managed KMS key per stack, usable only by the stack's own roles and the
services that hold or deliver its data."""

from __future__ import annotations

import jsii
from aws_cdk import CfnResource, Duration, IStableListProducer, Lazy, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

# Managing the key (policy, rotation, deletion) but not using it: the administration actions
# CDK's own key admins get.
ADMINISTER = [
    "kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
    "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
    "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
]  # fmt: skip
_USE = [
    "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey",
]  # fmt: skip
# Services that store this stack's data encrypted with the key. Principals of the account may
# use the key only through them (this is what CloudFormation needs to create the encrypted
# resources for whoever deploys), and only as far as their IAM policies allow.
_STORING_SERVICES = ("dynamodb", "lambda", "sqs", "sns", "kinesis", "logs", "states", "firehose")
# Services that deliver messages into the stack's encrypted queues and topics.
_PUBLISHERS = ("sns.amazonaws.com", "events.amazonaws.com", "s3.amazonaws.com",
               "cloudwatch.amazonaws.com")  # fmt: skip
_NO_ROLE = "arn:aws:iam::000000000000:role/no-role-in-this-stack"


class StackKey(Construct):
    """The stack's key: rotated yearly, retained with the data it protects.

    Its policy lets the account administer it through IAM but not use it directly; lets the
    stack's own roles use it (as far as their IAM policies, written by CDK's ``grant_*``, allow);
    lets CloudWatch Logs use it for this account's log groups and SNS, EventBridge, S3 and
    CloudWatch alarms deliver into this account's encrypted queues and topics; and lets other
    principals of the account use it only through the services that store the data.
    """

    ID = "StackKey"

    @classmethod
    def of(cls, scope: IConstruct) -> kms.IKey:
        """The key of ``scope``'s stack, created on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(cls.ID)
        holder = existing if isinstance(existing, StackKey) else cls(stack, cls.ID)
        return holder.key

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        account_root = iam.AccountRootPrincipal()
        this_account = {"StringEquals": {"aws:SourceAccount": stack.account}}
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the data, logs and messages of the {stack.stack_name} stack",
            enable_key_rotation=True,
            rotation_period=Duration.days(365),
            pending_window=Duration.days(30),
            removal_policy=RemovalPolicy.RETAIN,
            policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="AdministerThroughIam",
                        principals=[account_root],
                        actions=ADMINISTER,
                        resources=["*"],
                    ),
                    iam.PolicyStatement(
                        sid="UseByThisStacksRoles",
                        principals=[account_root],
                        actions=_USE,
                        resources=["*"],
                        conditions={
                            "ArnEquals": {"aws:PrincipalArn": Lazy.list(self._role_arns())}
                        },
                    ),
                    iam.PolicyStatement(
                        sid="UseThroughStoringServicesOnly",
                        principals=[account_root],
                        actions=[*_USE, "kms:CreateGrant"],
                        resources=["*"],
                        conditions={
                            "StringEquals": {
                                "kms:CallerAccount": stack.account,
                                "kms:ViaService": [
                                    f"{service}.{stack.region}.amazonaws.com"
                                    for service in _STORING_SERVICES
                                ],
                            }
                        },
                    ),
                    iam.PolicyStatement(
                        sid="CloudWatchLogsForThisAccount",
                        principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                        actions=_USE,
                        resources=["*"],
                        conditions={
                            "ArnLike": {
                                "kms:EncryptionContext:aws:logs:arn": (
                                    f"arn:{stack.partition}:logs:{stack.region}:"
                                    f"{stack.account}:log-group:*"
                                )
                            }
                        },
                    ),
                    iam.PolicyStatement(
                        sid="PublishersForThisAccount",
                        principals=[iam.ServicePrincipal(service) for service in _PUBLISHERS],
                        actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                        resources=["*"],
                        conditions=this_account,
                    ),
                ]
            ),
        )

    def _role_arns(self) -> _RoleArns:
        return _RoleArns(Stack.of(self))


@jsii.implements(IStableListProducer)
class _RoleArns:
    """Every IAM role of the stack, listed when the template is written (after every construct,
    CDK's own helpers included, has been added)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def produce(self, context: object = None) -> list[str]:
        arns = [
            resource.get_att("Arn").to_string()
            for resource in self.stack.node.find_all()
            if isinstance(resource, CfnResource) and resource.cfn_resource_type == "AWS::IAM::Role"
        ]
        return arns or [_NO_ROLE]
