"""API Gateway usage plans: throttling (a token bucket per key and plan, and per stage from
its default method settings) and quotas (requests per key and plan per day, week or month).

Applied only when the front door is asked to enforce them: a latency benchmark sends
hundreds of requests a second, far over the project's plan (20 requests/s, bursts of 40).
"""

from __future__ import annotations

import threading
import time
from typing import Any


class _TokenBucket:
    def __init__(self, rate: float, burst: float):
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.tokens = self.burst
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


def _quota_period(period: str, now: float) -> int:
    """Which day, week (from Monday) or month, in UTC, ``now`` falls in."""
    days = int(now // 86400)
    if period == "WEEK":
        return (days + 3) // 7  # 1970-01-01 was a Thursday
    if period == "MONTH":
        t = time.gmtime(now)
        return t.tm_year * 12 + t.tm_mon
    return days


class UsagePlans:
    """Throttle (token bucket per key and plan, and per stage) and quota (per period)."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, ...], _TokenBucket] = {}
        self._quota: dict[tuple[str, str, int], int] = {}
        self._lock = threading.Lock()

    def _bucket(self, key: tuple[str, ...], throttle: dict[str, Any]) -> _TokenBucket | None:
        rate, burst = throttle.get("rateLimit"), throttle.get("burstLimit")
        if rate is None and burst is None:
            return None
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                rate_f = float(rate if rate is not None else burst or 0)
                bucket = self._buckets[key] = _TokenBucket(rate_f, float(burst or rate_f))
            return bucket

    def admit(self, plan: Any, key_id: str) -> str | None:
        """None, or the gateway response type that refuses the request."""
        bucket = self._bucket(("plan", plan.id, key_id), plan.throttle or {})
        if bucket is not None and not bucket.take():
            return "THROTTLED"
        quota = plan.quota or {}
        if quota.get("limit") is not None:
            period = _quota_period(str(quota.get("period", "DAY")), time.time())
            with self._lock:
                used = self._quota.get((plan.id, key_id, period), 0)
                if used >= int(quota["limit"]):
                    return "QUOTA_EXCEEDED"
                self._quota[(plan.id, key_id, period)] = used + 1
        return None

    def admit_stage(self, api_id: str, stage: Any) -> str | None:
        settings = (getattr(stage, "method_settings", None) or {}).get("*/*") or {}
        throttle = {
            "rateLimit": settings.get("throttlingRateLimit"),
            "burstLimit": settings.get("throttlingBurstLimit"),
        }
        bucket = self._bucket(("stage", api_id, stage.name), throttle)
        return "THROTTLED" if bucket is not None and not bucket.take() else None
