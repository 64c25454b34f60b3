"""DynamoDB: tables updated in place by CloudFormation, their items kept, the table properties
moto's CloudFormation drops, and each request atomic, as in DynamoDB, also when requests arrive
together (``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch)
