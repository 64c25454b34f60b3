"""Secrets Manager: secrets from CloudFormation, with a generated value where the template
asks for one (``moto_gaps``). Rotation is not run."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(models=moto_gaps.MODELS)
