"""Cognito: user pools, app clients and groups in CloudFormation (``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(models=moto_gaps.MODELS)
