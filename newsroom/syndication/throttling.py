"""Per-partner rate limiting in the shared cache (Redis in production).

A fixed one-minute window counted with the cache's atomic ``incr``: every app server sees the
same count, and a partner's keys share one allowance so rotating keys does not double it."""

import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

WINDOW_SECONDS = 60


def _clock():
    return time.time()


class PartnerRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        api_key = request.auth
        partner = getattr(api_key, "partner", None)
        if partner is None:
            return True
        now = _clock()
        window = int(now // WINDOW_SECONDS)
        key = f"syndication:throttle:{partner.pk}:{window}"
        cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr: start the window again
            cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
        self._wait = (window + 1) * WINDOW_SECONDS - now
        return count <= partner.rate_limit_per_minute

    def wait(self):
        return self._wait
