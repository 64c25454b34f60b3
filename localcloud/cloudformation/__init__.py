"""CloudFormation: resources created in dependency order and deleted in reverse, CDK's own
custom resources done in-process, and change sets and stack updates as the CDK CLI uses them
(``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch, moto_gaps.MODELS)
