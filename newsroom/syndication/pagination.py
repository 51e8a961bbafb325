"""Keyset pagination with opaque cursors: no OFFSET scans and no COUNT(*).

A cursor is URL-safe base64 of a small JSON list: the sort key of the last row served. It is
not signed (forging one only skips rows the key may read anyway) so it survives a rotation of
SECRET_KEY, and a partner's saved position stays valid across deployments.
"""

import base64
import binascii
import json
from datetime import datetime

from django.db.models import Q
from rest_framework.utils.urls import replace_query_param

from newsroom.core.site import absolute_url
from newsroom.syndication.parameters import timestamp, whole_number
from newsroom.syndication.problems import InvalidParameter

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 200
# What a cursor looks like (URL-safe base64 without padding), as the OpenAPI schema declares it.
CURSOR_PATTERN = rf"^[A-Za-z0-9_-]{{1,{MAX_CURSOR_LENGTH}}}$"


def encode_cursor(values):
    raw = json.dumps([value.isoformat() if isinstance(value, datetime) else value for value in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token, kinds, name="cursor"):
    """The cursor's values, typed by ``kinds`` ("int" or "datetime"), or a 400 naming it."""
    invalid = InvalidParameter(name, "Not a cursor from this API. Use the 'next' link or 'cursor' you were given.")
    if len(token) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid
    if not isinstance(values, list) or len(values) != len(kinds):
        raise invalid
    typed = []
    for value, kind in zip(values, kinds, strict=True):
        if kind == "int":
            if type(value) is not int or not 0 <= value < 2**63:
                raise invalid
            typed.append(value)
        else:
            try:
                typed.append(timestamp(value))
            except ValueError:
                raise invalid
    return typed


def page_size(request):
    raw = request.GET.get("page_size")  # Django's request or REST framework's
    if raw is None:
        return DEFAULT_PAGE_SIZE
    try:
        return whole_number(raw, 1, MAX_PAGE_SIZE)
    except ValueError as error:
        raise InvalidParameter("page_size", str(error))


class KeysetPaginator:
    """Pages through a queryset by a unique sort key, e.g. (("publish_at", "datetime"), ("id", "int")),
    all descending or all ascending."""

    def __init__(self, keys, descending):
        self.keys = keys
        self.descending = descending

    def ordering(self):
        return [f"-{field}" if self.descending else field for field, _ in self.keys]

    def after(self, values):
        """The rows strictly after ``values`` in this order."""
        lookup = "lt" if self.descending else "gt"
        condition = Q()
        for index in range(len(self.keys)):
            equal = {field: values[i] for i, (field, _) in enumerate(self.keys[:index])}
            field = self.keys[index][0]
            condition |= Q(**equal, **{f"{field}__{lookup}": values[index]})
        return condition

    def kinds(self):
        return [kind for _, kind in self.keys]

    def after_cursor(self, request):
        """The sort key of the row the request's ``cursor`` names, or None without one (a 400 for a bad one)."""
        token = request.GET.get("cursor")  # Django's request or REST framework's
        return None if token is None else decode_cursor(token, self.kinds())

    def window(self, queryset, after, size):
        """The rows after ``after`` (a sort key, or None for the first page) in this order, one
        more than ``size`` to tell whether there is a next page: a queryset, to run or prepare."""
        if after is not None:
            queryset = queryset.filter(self.after(after))
        return queryset.order_by(*self.ordering())[: size + 1]

    def cut(self, rows, size):
        """(The page of ``rows`` read by ``window``, next_cursor or None)."""
        if len(rows) <= size:
            return rows, None
        rows = rows[:size]
        last = rows[-1]
        return rows, encode_cursor(
            [last[field] if isinstance(last, dict) else getattr(last, field) for field, _ in self.keys]
        )

    def paginate(self, request, queryset):
        """Return (rows, next_cursor or None)."""
        size = page_size(request)
        return self.cut(list(self.window(queryset, self.after_cursor(request), size)), size)


def next_link(request, cursor):
    """This request's URL at ``cursor``, on the public site (``SITE_URL``): never the host, port or
    scheme the request named, which a partner would store and follow."""
    if cursor is None:
        return None
    return replace_query_param(absolute_url(request.get_full_path()), "cursor", cursor)
