"""S3: notifications to Lambda as S3 sends them, and bucket policies recorded, not applied
(``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps, moto_gaps_bucket_policy

gaps.register(moto_gaps.patch, moto_gaps.MODELS)
gaps.register(models=moto_gaps_bucket_policy.MODELS)
