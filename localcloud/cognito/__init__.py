"""Cognito: user pools, app clients and groups in CloudFormation; SRP sign-in, confirmation
codes and token revocation as Cognito does them (``moto_gaps``); the codes the pools would
have e-mailed (``outbox``); the user pools endpoint for browsers (``endpoint``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(patch=moto_gaps.patch, models=moto_gaps.MODELS)
