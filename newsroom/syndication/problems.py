"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API answers, from a bad key to a malformed cursor, is a problem document with
a stable ``type`` URI partners can branch on, a human ``detail``, the request id to quote to us,
and, for bad input, ``errors`` naming each offending parameter.
"""

from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.views import set_rollback

from newsroom.core.site import absolute_url

PROBLEM_CONTENT_TYPE = "application/problem+json"

_TYPES = {
    400: ("invalid-request", "Invalid request"),
    401: ("unauthorized", "Missing or invalid API key"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    412: ("precondition-failed", "Precondition failed"),
    415: ("unsupported-media-type", "Unsupported media type"),
    429: ("rate-limited", "Too many requests"),
}
# What each problem type means and what to do about it: the page its ``type`` URI answers with.
_ADVICE = {
    "invalid-request": "A parameter or header could not be used; `errors` names each one. Fix it and retry.",
    "unauthorized": "Send a valid, unexpired key as 'Authorization: Bearer <key>' (never in the URL).",
    "forbidden": "Your key may not do this.",
    "not-found": "No such resource, or it is outside your sections or content types.",
    "method-not-allowed": "The API is read-only: use GET.",
    "not-acceptable": "Ask for application/json or application/ninjs+json.",
    "precondition-failed": "If-Match or If-Unmodified-Since does not hold for the current copy: fetch it again.",
    "unsupported-media-type": "Send no body; the API is read-only.",
    "rate-limited": "Wait for the number of seconds in Retry-After, then retry.",
}


class InvalidParameter(exceptions.APIException):
    """A query parameter or header the API cannot use; the problem names it."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, name, reason):
        self.errors = [{"parameter": name, "detail": reason}]
        super().__init__(f"{name}: {reason}")


class ProblemRenderer(JSONRenderer):
    media_type = PROBLEM_CONTENT_TYPE
    format = "problem"


def problem_type(status_code):
    slug, _ = _TYPES.get(status_code, ("error", "Error"))
    return problem_type_for_slug(slug)


def problem(status_code, detail, request=None, errors=None):
    """The problem document for a status and detail."""
    _, title = _TYPES.get(status_code, ("error", "Error"))
    document = {"type": problem_type(status_code), "title": title, "status": status_code, "detail": str(detail)}
    if request is not None:
        document["instance"] = request.path
        document["request_id"] = getattr(request, "request_id", "")
    if errors:
        document["errors"] = errors
    return document


def _errors_from_validation(detail):
    """Flatten DRF/django-filter validation errors into [{parameter, detail}]."""
    if isinstance(detail, dict):
        return [
            {"parameter": name, "detail": " ".join(str(message) for message in messages)}
            if isinstance(messages, list)
            else {"parameter": name, "detail": str(messages)}
            for name, messages in detail.items()
        ]
    return [{"parameter": "", "detail": str(message)} for message in detail]


def exception_handler(exc, context):
    """DRF's exception handler, answering problem documents."""
    request = context.get("request")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("No such resource, or it is not available to your key.")
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    errors = getattr(exc, "errors", None)
    if isinstance(exc, exceptions.ValidationError):
        errors = _errors_from_validation(exc.detail)
        names = ", ".join(error["parameter"] for error in errors if error["parameter"])
        detail = f"Invalid parameter: {names}." if names else "Invalid request."
    elif isinstance(exc, exceptions.Throttled):
        detail = f"Rate limit exceeded. Try again in {headers['Retry-After']} seconds."
    else:
        detail = exc.detail if not isinstance(exc.detail, (list, dict)) else str(exc.detail)
    set_rollback()
    response = JsonResponse(
        problem(exc.status_code, detail, request, errors),
        status=exc.status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
    )
    return response


def precondition_failed(request):
    """The 412 for a conditional GET whose If-Match (or, without one, If-Unmodified-Since) fails."""
    header = "If-Match" if "If-Match" in request.headers else "If-Unmodified-Since"
    errors = [{"parameter": header, "detail": "Does not hold for the current copy."}]
    return JsonResponse(
        problem(412, f"{header}: the precondition does not hold.", request, errors),
        status=412,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def not_found(request, *args, **kwargs):
    """Unknown addresses under /api/ answer a problem document, not the HTML 404 page."""
    return JsonResponse(
        problem(404, "No such API endpoint. See /api/docs/.", request),
        status=404,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def describe(request, slug):
    """The page a problem's ``type`` URI points to."""
    titles = dict(_TYPES.values())
    if slug not in titles:
        return not_found(request)
    return JsonResponse({"type": problem_type_for_slug(slug), "title": titles[slug], "description": _ADVICE[slug]})


def problem_type_for_slug(slug):
    return absolute_url(f"/api/problems/{slug}")
