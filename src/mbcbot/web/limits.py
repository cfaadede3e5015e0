"""A per-client request limit: a token bucket per address, a backstop against floods (one per worker)."""

from __future__ import annotations

from collections import OrderedDict

MAX_CLIENTS = 50_000  # addresses remembered per worker; the oldest are forgotten first


class RateLimiter:
    """Allows `per_minute` requests per client on average, in bursts of up to `burst`."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allowed(self, client: str, now: float) -> tuple[bool, float]:
        """Whether the client may make a request now, and else how many seconds until it may."""
        if self.rate <= 0:
            return True, 0.0
        tokens, last = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[client] = (tokens, now)
        if len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        return allowed, 0.0 if allowed else (1.0 - tokens) / self.rate
