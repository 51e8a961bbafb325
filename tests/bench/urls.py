from django.db import connection
from django.http import HttpResponse
from django.urls import include, path


def ceiling(request):
    return HttpResponse(b"ok", content_type="text/plain")


def one_read(request):
    """The ceiling and one round trip to the database: the least a page that reads anything costs.
    On PostgreSQL, whose server shares the machine's CPUs, it shows what a statement costs a page."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/ceiling", ceiling),
    path("bench/one-read", one_read),
    path("", include("newsroom.urls")),
]
