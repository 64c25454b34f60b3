"""Lambda event source mappings: SQS queues, Kinesis and DynamoDB streams polled with Lambda's
semantics (``poller``); moto's own delivery switched off and the sources read in-process
(``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch)
