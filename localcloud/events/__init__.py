"""EventBridge: rules deliver to Lambda, SNS, Step Functions, Firehose and SQS targets, with
the input each target gets (``moto_gaps``); scheduled rules fire on time (``schedules``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch)
