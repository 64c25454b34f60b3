"""KMS: customer-managed keys from CloudFormation with their tags and key policy
(``moto_gaps``). Keys exist and encrypt; their policies are recorded, not enforced."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch)
