"""EventBridge: rules deliver to Lambda, SNS, Step Functions and SQS targets, with the input
each target gets (``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch)
