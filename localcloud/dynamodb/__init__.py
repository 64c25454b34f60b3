"""DynamoDB: tables updated in place by CloudFormation, their items kept, and the table
properties moto's CloudFormation drops (``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch)
