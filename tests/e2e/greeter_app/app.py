#!/usr/bin/env python3
"""A tiny CDK app for the tests of the CDK CLI and of watch mode against the local cloud.

Laid out like the project (``stacks/``, ``lambdas/<package>/``) so that the local cloud sees it
as it sees the project; small, so that each synthesis costs little.
"""

from aws_cdk import App
from stacks.greeter_stack import GreeterStack

app = App()
GreeterStack(app, "LocalGreeter")
app.synth()
