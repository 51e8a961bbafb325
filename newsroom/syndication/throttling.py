"""Per-partner rate limiting in the shared cache (Redis in production).

A fixed one-minute window counted with the cache's atomic ``incr``: every app server sees the
same count, and a partner's keys share one allowance so rotating keys does not double it.

Each process takes its partner's allowance from the shared count in leases of a hundredth of the
limit (one request for limits under 200 a minute, so those are counted one by one, exactly) and
spends them locally: a partner allowed thousands of requests a minute costs the shared cache one
write per lease, not one per request. No more than the limit is ever granted in a window; a
partner spread over several processes may be refused up to a hundredth of its limit early per
process (the unspent rest of their leases)."""

import threading
import time

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

WINDOW_SECONDS = 60
LEASES_PER_LIMIT = 100

_leases = {}  # (partner id, window) -> requests left of this process's lease
_leases_lock = threading.Lock()


def _clock():
    return time.time()


def _lease(partner, window):
    """Take up to a lease of ``partner``'s allowance in ``window`` from the shared count: how many
    requests it grants (0 once the limit is reached)."""
    limit = partner.rate_limit_per_minute
    size = max(1, limit // LEASES_PER_LIMIT)
    key = f"syndication:throttle:{partner.pk}:{window}"
    try:
        count = cache.incr(key, size)
    except ValueError:  # the window's first lease, or the count was evicted: start it again
        cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        try:
            count = cache.incr(key, size)
        except ValueError:  # evicted between add and incr
            cache.set(key, size, timeout=WINDOW_SECONDS * 2)
            count = size
    return max(0, min(size, limit - (count - size)))


def admit(request, api_key):
    """(Whether Django's ``request``, made with ``api_key``, is within its partner's allowance,
    seconds until the next window): the one decision for REST framework's throttle and the views'
    GETs answered before REST framework (``views.EarlyGet``), taken once per
    request, so that a request is counted once whichever of them asks first."""
    try:
        return request.admitted
    except AttributeError:
        pass
    request.admitted = decision = _admit(getattr(api_key, "partner", None))
    return decision


def _admit(partner):
    if partner is None:
        return True, None
    now = _clock()
    window = int(now // WINDOW_SECONDS)
    wait = (window + 1) * WINDOW_SECONDS - now
    slot = (partner.pk, window)
    with _leases_lock:
        left = _leases.get(slot, 0)
        if left == 0:
            for old in [old for old in _leases if old[1] != window]:  # earlier windows' leases
                del _leases[old]
            left = _lease(partner, window)
        if left == 0:
            _leases[slot] = 0
            return False, wait
        _leases[slot] = left - 1
        return True, wait


class PartnerRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        allowed, self._wait = admit(request._request, request.auth)
        return allowed

    def wait(self):
        return self._wait
