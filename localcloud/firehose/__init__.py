"""Firehose: delivery streams in CloudFormation, records buffered and delivered to S3 as
Firehose does it (``delivery``), Kinesis source streams read; moto's Firehose gaps
(``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch, moto_gaps.MODELS)
