"""SNS: subscriptions in CloudFormation, and SNS -> Lambda delivery as Lambda gets it
(``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch, moto_gaps.MODELS)
