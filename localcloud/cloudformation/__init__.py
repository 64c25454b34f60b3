"""CloudFormation: resources created in dependency order and deleted in reverse, and CDK's own
custom resources done in-process (``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps, moto_gaps_cdk_custom_resources

gaps.register(moto_gaps.patch)
gaps.register(models=moto_gaps_cdk_custom_resources.MODELS)
