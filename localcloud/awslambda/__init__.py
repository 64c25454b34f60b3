"""Lambda: functions' Python handlers run in warm worker processes (``runtime``, ``worker``),
what they set aside goes to dead-letter queues and destinations (``destinations``); moto's
Lambda gaps (``moto_gaps``): properties it drops, ``Ref`` of a layer version, and the
invocation hook the runtime plugs into."""

from ..moto_helpers import gaps
from . import moto_gaps

gaps.register(moto_gaps.patch, moto_gaps.MODELS)
