"""CloudWatch: what the services write to CloudWatch Logs and CloudWatch, batched off the
request path (``recorder``), the metrics AWS services publish (``service_metrics``), embedded
metric format (``emf``); moto's gaps (``moto_gaps``): alarms in CloudFormation, metrics from
EMF log events."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch, models=moto_gaps.MODELS)
