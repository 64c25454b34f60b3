"""The stacks of one stage, and the security checks every synthesis runs."""

from __future__ import annotations

from aws_cdk import App, Stack, Tags, Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from .cdn_firewall_stack import CdnFirewallStack
from .event_driven_stack import EventDrivenStack
from .hello_world_stack import HelloWorldStack
from .image_processing_stack import ImageProcessingStack
from .registration_workflow_stack import RegistrationWorkflowStack
from .rest_microservice_stack import RestMicroserviceStack
from .stage_config import StageConfig
from .stream_processing_stack import StreamProcessingStack
from .web_app_stack import WebAppStack


def add_stacks(app: App, config: StageConfig) -> dict[str, Stack]:
    """Every architecture stack, named for the architecture and suffixed by the stage."""
    stacks: dict[str, Stack] = {
        "HelloWorld": HelloWorldStack(
            app,
            "HelloWorld",
            stack_name=f"HelloWorld-{config.stage}",
            description="The seed's Hello World tutorial function",
            config=config,
        ),
        "RestMicroservice": RestMicroserviceStack(
            app,
            "RestMicroservice",
            stack_name=f"RestMicroservice-{config.stage}",
            description="RESTful microservice: S3/CloudFront UI, API Gateway, Lambda, DynamoDB",
            config=config,
        ),
        "WebApp": WebAppStack(
            app,
            "WebApp",
            stack_name=f"WebApp-{config.stage}",
            description="Web application: S3/CloudFront page, Cognito users, API Gateway with a "
            "Cognito authorizer, Lambda, DynamoDB per user",
            config=config,
        ),
        "EventDriven": EventDrivenStack(
            app,
            "EventDriven",
            stack_name=f"EventDriven-{config.stage}",
            description="Event-driven shop: orders over EventBridge, SQS and SNS",
            config=config,
        ),
        "RegistrationWorkflow": RegistrationWorkflowStack(
            app,
            "RegistrationWorkflow",
            stack_name=f"RegistrationWorkflow-{config.stage}",
            description="Registration workflow: Step Functions checks DNI, e-mail and card",
            config=config,
        ),
        "StreamProcessing": StreamProcessingStack(
            app,
            "StreamProcessing",
            stack_name=f"StreamProcessing-{config.stage}",
            description="Stream processing: tweets through Kinesis into DynamoDB via Lambda, "
            "archived to S3 by Firehose",
            config=config,
        ),
        "ImageProcessing": ImageProcessingStack(
            app,
            "ImageProcessing",
            stack_name=f"ImageProcessing-{config.stage}",
            description="Image processing: uploads to S3, Lambda derivatives, an on-demand "
            "resize API behind CloudFront",
            config=config,
        ),
    }
    if config.cdn_firewall:
        firewall = CdnFirewallStack(
            app,
            "CdnFirewall",
            stack_name=f"CdnFirewall-{config.stage}",
            description="The web ACL in front of the stage's CloudFront distributions (us-east-1)",
            config=config,
        )
        for stack in stacks.values():
            stack.add_stack_dependency(firewall, "reads the CloudFront web ACL's ARN at deployment")
        stacks["CdnFirewall"] = firewall
    for stack in stacks.values():
        Tags.of(stack).add("project", "serverless-aws-reference")
        Tags.of(stack).add("stage", config.stage)
    return stacks


def add_security_checks(app: App) -> None:
    """cdk-nag's AWS Solutions and Serverless packs; any unacknowledged finding fails synthesis."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
