"""AWS WAF: web ACLs and their associations from CloudFormation (``moto_gaps``). Recorded, so
``aws wafv2`` sees them; their rules are not evaluated locally."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(models=moto_gaps.MODELS)
