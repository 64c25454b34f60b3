"""Step Functions: state machines from CloudFormation on the backend that runs them, and
unnamed executions (``moto_gaps``)."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch)
