#!/usr/bin/env python3
"""The CDK app: the stacks of one stage (``-c stage=dev|prod``), checked by cdk-nag."""

from aws_cdk import App

from stacks import add_security_checks, add_stacks
from stacks.stage_config import StageConfig

# CDK's built-in CloudFormation validation is off: cfn-lint, which checks the same and more,
# runs over every template in `make synth` and in the tests, and paying twice costs ~5 s a synth.
app = App(builtin_cloud_formation_validation=False)
add_stacks(app, StageConfig.from_context(app.node.try_get_context))
add_security_checks(app)
app.synth()
