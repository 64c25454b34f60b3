"""DynamoDB: each request is atomic, as in DynamoDB, also when requests arrive together
(``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch)
