"""Django's PostgreSQL backend as newsroom.core.postgresql changes it: a kept connection is
health-checked by asking its socket (no round trip while the server has said nothing, and a
connection the server ended is replaced before the request uses it, so a restart costs no reader a
failed request), and the reads every page runs are prepared by the server once per connection."""

import time

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from articles.models import Section
from newsroom.core.prepared import Prepared

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's connections only"),
]


@pytest.fixture
def kept():
    """A second connection to the test database, kept between requests and health-checked."""
    wrapper = type(connections[DEFAULT_DB_ALIAS])(
        {**connection.settings_dict, "CONN_HEALTH_CHECKS": True, "CONN_MAX_AGE": None}, DEFAULT_DB_ALIAS
    )
    wrapper.ensure_connection()
    full_checks = []
    usable = wrapper.is_usable
    wrapper.is_usable = lambda: full_checks.append(1) or usable()
    yield wrapper, full_checks
    wrapper.close()


def next_request(wrapper):
    """What Django does around a request (``close_old_connections``), then the request's first query."""
    wrapper.close_if_unusable_or_obsolete()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_a_healthy_kept_connection_is_used_with_no_round_trip(kept):
    wrapper, full_checks = kept
    pid = next_request(wrapper)
    assert [next_request(wrapper) for _ in range(3)] == [pid] * 3
    assert full_checks == []


def test_a_connection_the_server_ended_is_replaced_before_the_request_uses_it(kept):
    wrapper, full_checks = kept
    pid = next_request(wrapper)
    with connection.cursor() as cursor:  # as a restart or a failover ends every connection
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the termination notice reaches the socket
    assert next_request(wrapper) != pid
    assert full_checks == [1]


SECTION_NAMED = Prepared(
    lambda slug: Section.objects.filter(slug=slug).values_list("name", flat=True), slug=models.SlugField()
)


def test_a_read_compiled_once_per_connection_is_prepared_once_by_the_server(django_assert_num_queries):
    Section.objects.create(name="Industry", slug="industry")
    with django_assert_num_queries(3):  # counted and logged as any query is
        assert [SECTION_NAMED(slug=slug) for slug in ("industry", "nowhere", "industry")] == [
            ["Industry"],
            [],
            ["Industry"],
        ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%articles_section%"])
        assert len(cursor.fetchall()) == 1


SECTION_SLUGGED = Prepared(
    lambda name: Section.objects.filter(name=name).values_list("slug", flat=True),
    planned_each_time=True,
    name=models.CharField(),
)


def test_a_read_planned_each_time_is_never_prepared_by_the_server(django_assert_num_queries):
    """Search's read (``articles.search``) is planned for its words: its values go written in."""
    Section.objects.create(name="Industry", slug="industry")
    with django_assert_num_queries(2):
        assert [SECTION_SLUGGED(name=name) for name in ("Industry", "Nothing")] == [["industry"], []]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ['%"articles_section"."name" = %']
        )
        assert cursor.fetchone() == (0,)
