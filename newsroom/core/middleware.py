import contextvars
import logging
import re
import time
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

request_id_var = contextvars.ContextVar("request_id", default="-")
logger = logging.getLogger("newsroom.request")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give every request an id (kept from a proxy's X-Request-ID when it is sane), echo it in
    the response, put it in every log line, and log one structured line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class DatabaseUnavailableMiddleware:
    """Turn a lost database (PostgreSQL restarting, failing over, refusing connections) into a
    quick 503 with Retry-After, instead of a 500 and a traceback: load balancers and partners
    treat 503 as "try again shortly". Django drops the broken connection when the request ends
    and CONN_HEALTH_CHECKS reconnects on the next one, so service resumes without a restart."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable", extra={"path": request.path, "error": repr(exception)})
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {
                    "type": "about:blank",
                    "title": "Service Unavailable",
                    "status": 503,
                    "detail": "The database is briefly unavailable. Please retry shortly.",
                },
                status=503,
                content_type="application/problem+json",
            )
        else:
            response = HttpResponse(_UNAVAILABLE_PAGE, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        patch_cache_control(response, no_store=True)
        return response


_UNAVAILABLE_PAGE = (
    '<!doctype html><html lang="en"><meta charset="utf-8"><title>Briefly unavailable</title>'
    "<h1>Briefly unavailable</h1><p>We cannot reach our database for a moment. Please try again shortly.</p></html>"
)
