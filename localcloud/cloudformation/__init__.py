"""CloudFormation: resources created in dependency order and deleted in reverse, and CDK's own
custom resources done in-process (``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch, moto_gaps.MODELS)
