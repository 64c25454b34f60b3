"""API Gateway (REST): deployed APIs served (``rest_api``, with ``authorizers``,
``usage_plans`` and request ``validation``); moto's API Gateway gaps (``moto_gaps``): the
resource types its CloudFormation skips and the properties it drops."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch, moto_gaps.MODELS)
