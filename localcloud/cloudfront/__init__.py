"""CloudFront: deployed distributions served as static sites (``static_sites``); moto's
CloudFront gaps (``moto_gaps``): distributions, origin access controls and response headers
policies in CloudFormation."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(models=moto_gaps.MODELS)
