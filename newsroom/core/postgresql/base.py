"""Django's PostgreSQL backend, with a cheaper health check of a kept connection and a cursor for
the reads every page runs, which PostgreSQL plans once per connection.

A connection is kept between requests (``CONN_MAX_AGE``) and checked before a request uses it
(``CONN_HEALTH_CHECKS``), so that a PostgreSQL restart costs no reader a failed request. Django's
check is a ``SELECT 1``: a round trip on every request, a fifth of an uncached page's statements.
A server that goes away (a restart, a failover, ``pg_terminate_backend``, a killed process) says
so on the idle connection's socket: a termination notice, then end of file. So the socket is
asked first, with no round trip: while nothing arrived since the last answer, the connection is
taken as healthy; when something did, Django's own check decides (a notice on a healthy
connection costs it one ``SELECT 1``).

``prepared_cursor``: Django sends each statement with its values written in (client-side
binding), so PostgreSQL parses and plans it afresh every time; for an uncached page's few small
reads planning took longer than running them (0.2-0.5 ms against 0.1-0.2 ms). The reads compiled
once per connection (``newsroom.core.prepared``) go through a cursor that sends the values apart
and has PostgreSQL prepare each statement once per connection (psycopg keeps the names). A
connection pooler in transaction mode must support prepared statements (PgBouncer 1.21+ with
``max_prepared_statements``); none is used here.

PostgreSQL plans a prepared statement afresh for each execution's values (a custom plan) unless
the one plan it made for every value (the generic plan) is estimated to cost no more, and its
estimates favoured custom plans for the page's keys of the API's list (every request planned:
0.3 ms, more than running it), and before ``readmodel.next_change_at`` for the story and home
reads (0.8-1.1 ms each). The connection asks for the generic plan (``plan_cache_mode``): the
prepared reads are written to be answered from their indexes whatever the values, and only they
are prepared (the others are sent with their values written in, planned once each anyway).
"""

import select
import sys

from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        checking = self.connection is not None and self.health_check_enabled and not self.health_check_done
        if checking and not self.connection.closed and not _readable(self.connection.fileno()):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def get_connection_params(self):
        params = super().get_connection_params()
        params["options"] = f"{params.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if connection.prepare_threshold is None:
            # Django turns psycopg's preparing off (``prepare_threshold`` None, for poolers), which
            # refuses even a cursor's explicit request. Only ``prepared_cursor`` asks: nothing is
            # prepared by count.
            connection.prepare_threshold = sys.maxsize
        return connection

    def prepared_cursor(self):
        """A cursor (wrapped as Django's are: logged, counted) whose statements PostgreSQL prepares
        once per connection."""
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = _PreparingCursor(self.connection)
            # As ``create_cursor`` does: datetimes read in the connection's time zone.
            if self.timezone != self.connection.adapters.get_loader(base.TIMESTAMPTZ_OID, Format.TEXT).timezone:
                register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)


class _PreparingCursor(base.ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def _readable(fd):
    """Whether the server sent anything on ``fd`` that no answer has read, or closed it."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))
