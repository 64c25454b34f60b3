"""Systems Manager Parameter Store: parameters from CloudFormation with their tags
(``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch)
