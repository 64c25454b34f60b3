"""S3: bucket policies recorded, not applied, and notifications to Lambda as S3 sends them
(``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch, moto_gaps.MODELS)
