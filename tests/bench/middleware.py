"""Bench-only: tells the load generator whether the page cache answered a request, for the
newsroom day's page-cache hit rate. ``PageCacheProbe`` sits just outside the page cache's
middleware and ``PastThePageCache`` just inside it: a request that never got past the page cache
was a hit. Installed by tests/bench/settings.py when BENCH_PAGE_CACHE_PROBE is set, so the other
figures are measured without it."""

HEADER = "X-Bench-Page-Cache"


class PageCacheProbe:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.bench_past_page_cache = False
        response = self.get_response(request)
        response[HEADER] = "miss" if request.bench_past_page_cache else "hit"
        return response


class PastThePageCache:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.bench_past_page_cache = True
        return self.get_response(request)
