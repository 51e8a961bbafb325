"""Reads written with the ORM, compiled to SQL once per database connection, then run with new
values: for the few queries every public page runs.

Building a queryset and compiling it costs the ORM 0.3-0.6 ms of Python per query (filters,
joins, the compiler), while SQLite answers the stored story's read in under 0.1 ms: an uncached
article page spent more time writing its four queries than running them. A ``Prepared`` read is
a function that builds the queryset as usual from ``Param`` placeholders; the first call on a
connection compiles it, and every later call runs the same SQL with the new values, converted
as the ORM converts them (``Field.get_db_prep_value``), and turns the rows into what the
queryset would have returned (the fields' converters: JSON, datetimes on SQLite).

    story = Prepared(
        lambda slug, now: Representation.objects.filter(article__slug=slug, article__publish_at__lte=now)
        .values_list("article_id", "content"),
        slug=models.SlugField(),
        now=models.DateTimeField(),
    )
    rows = story(slug="a-story", now=timezone.now())   # a list of tuples, one query

A parameter given as ``[field]`` is a list of values (``pk__in=ids``): the read is compiled once
per length, and an empty list returns no rows without a query, as the ORM does; ``ids.each()``
gives one placeholder per value (a subquery per section). ``as_stored`` names columns (by position)
left as the database gives them, for values a caller only compares or hashes (converting a
datetime on SQLite costs more than reading it); ``read.convert(position, value)`` converts one.
On SQLite, whose driver converts a datetime column it reads (by the column's declared type) but
not an expression, a column to leave as stored is selected as ``Stored("column", output_field)``.
A text column an answer writes as it is is selected as ``Utf8("column")``: its UTF-8 bytes.
``planned_each_time``: on PostgreSQL the values are sent written in, as Django sends them, so that
the server plans the read for them (a search, whose best plan depends on how many articles its
words match) instead of preparing it once. A parameter given as ``Shape()`` is a
value the SQL is written with (a LIMIT, or whether a filter applies at all), handed to the function
as it is: the read is compiled once per value, so only for the few values it can take. Only
``values_list`` querysets (``flat`` too) of plain columns and annotations (no composite primary
keys); anything else the function builds must not depend on the values (they are placeholders,
not values, when it runs), nor may its SQL depend on settings that can change while the process
runs.
"""

import sqlite3

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BinaryField, Expression, Func
from psycopg.pq import Format

_EMPTY = object()  # a compiled read that can match nothing (an empty IN list)


class Param(Expression):
    """A value given when the read runs, compared as ``output_field`` would compare it."""

    def __init__(self, name, output_field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self.name, self.output_field)]


class ParamList(Expression):
    """A list of values given when the read runs, for ``__in``: compiled once per length."""

    def __init__(self, name, output_field, length):
        super().__init__(output_field=output_field)
        self.name, self.length = name, length

    def each(self):
        """One ``Param`` per value, for a read that uses each on its own (a subquery per section)."""
        return [Param(f"{self.name}.{i}", self.output_field) for i in range(self.length)]

    def as_sql(self, compiler, connection):
        if not self.length:
            raise EmptyResultSet  # as the ORM does for an empty list: no query at all
        slots = [_Slot(f"{self.name}.{i}", self.output_field) for i in range(self.length)]
        return ", ".join(["%s"] * self.length), slots


class Stored(Func):
    """A column as the database stores it, for ``as_stored``: on SQLite, ``+column``, an expression
    (the same value) that its driver does not convert, as it would a datetime column (50 of them
    for a page's keys cost a 304 a fifth of its Python calls); elsewhere the column."""

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


class Utf8(Func):
    """A text column's UTF-8 bytes, for text an answer writes as it is: the driver hands over the
    bytes it read instead of decoding them into a string the answer encodes again (a list of 50
    stored API documents is 550 kB). SQLite: ``CAST(column AS BLOB)``, its bytes as stored (text
    is stored as UTF-8); PostgreSQL: ``convert_to(column, 'UTF8')`` (a cast to bytea would read
    the text's backslashes as escapes), and a prepared read selecting it takes its rows in the
    binary format: bytea's text format is hex, twice the bytes for the client to decode (50
    documents: 1.3 ms of client CPU against 0.4 ms)."""

    output_field = BinaryField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS BLOB)", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="convert_to(%(expressions)s, 'UTF8')", **extra_context)


class Shape:
    """A parameter that shapes the SQL itself (a page size, which SQL takes as a LIMIT, not as a
    parameter): the function gets the value, and the read is compiled once per value."""


class _Slot:
    """Where a parameter's value goes in the compiled SQL's parameters."""

    def __init__(self, name, field):
        self.name, self.field = name, field


class _SQLiteStatement(sqlite3.Cursor):
    """SQLite's cursor in place of Django's inside Django's cursor wrapper: runs a compiled read's
    statement as rewritten for SQLite once (``sql``), whatever Django's wrapper logs it as."""

    sql = None

    def execute(self, _sql, params):
        return super().execute(self.sql, params)


class _Compiled:
    def __init__(self, queryset, connection, as_stored, planned_each_time):
        self.planned_each_time = planned_each_time
        compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        # Django's SQLite cursor rewrites each statement's placeholders for SQLite with a regular
        # expression that scans it character by character: 30-50 us for a read of a page's keys,
        # more than SQLite takes to run it. Rewritten once here, for ``_SQLiteStatement``.
        self.sqlite_sql = None
        if connection.vendor == "sqlite":
            from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX

            self.sqlite_sql = FORMAT_QMARK_REGEX.sub("?", self.sql).replace("%%", "%")
        self.compiler = compiler
        self.params = list(params)
        self.slots = [(position, p) for position, p in enumerate(self.params) if isinstance(p, _Slot)]
        self.flat = queryset._iterable_class.__name__ == "FlatValuesListIterable"
        selected = [column[0] for column in compiler.select[: compiler.col_count]]
        self.binary = connection.vendor == "postgresql" and any(
            isinstance(column.output_field, BinaryField)
            for column in selected  # ``Utf8``, or a subquery of one
        )
        converters = compiler.get_converters(selected)
        self.stored_converters = {
            position: converters.pop(position) for position in as_stored if position in converters
        }
        self.converters = converters

    def run(self, connection, values):
        params = list(self.params)
        prepared = {}  # a value used in several places (``now`` in each subquery) is converted once
        for position, slot in self.slots:
            if slot.name not in prepared:
                prepared[slot.name] = slot.field.get_db_prep_value(values[slot.name], connection, prepared=False)
            params[position] = prepared[slot.name]
        # On PostgreSQL, a statement the server prepares once per connection (``newsroom.core.postgresql``):
        # planning it cost more than running it. Either way Django's cursor counts and logs the query as written.
        prepared_cursor = None if self.planned_each_time else getattr(connection, "prepared_cursor", None)
        with (prepared_cursor or connection.cursor)() as cursor:
            if self.sqlite_sql is not None:
                cursor.cursor = connection.connection.cursor(factory=_SQLiteStatement)
                cursor.cursor.sql = self.sqlite_sql
            if self.binary:
                cursor.cursor.format = Format.BINARY  # psycopg's format for this cursor's results (``Utf8``)
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.compiler.has_extra_select:  # columns the ordering needed, which the caller did not ask for
            rows = [row[: self.compiler.col_count] for row in rows]
        if self.converters:  # what the ORM does to each value (JSON, datetimes on SQLite)
            rows = map(tuple, self.compiler.apply_converters(rows, self.converters))
        return [row[0] for row in rows] if self.flat else list(rows)


class Prepared:
    def __init__(self, build, as_stored=(), planned_each_time=False, **params):
        self.build = build
        self.as_stored = as_stored  # positions of the columns left as the database gives them
        self.planned_each_time = planned_each_time
        self.params = params  # name -> field, [field] for a list of values, or Shape()

    def __call__(self, using=DEFAULT_DB_ALIAS, **values):
        connection = connections[using]
        shape = tuple(
            len(values[name]) if isinstance(field, list) else values[name]
            for name, field in self.params.items()
            if isinstance(field, list | Shape)
        )
        compiled_reads = connection.__dict__.setdefault("prepared_reads", {})
        compiled = compiled_reads.get((self, shape))
        if compiled is None:
            compiled = compiled_reads[(self, shape)] = self._compile(connection, values)
            if compiled is not _EMPTY:
                compiled_reads[self, "as stored"] = compiled.stored_converters
        if compiled is _EMPTY:
            return []
        flat_values = {}
        for name, field in self.params.items():
            if isinstance(field, list):
                flat_values.update((f"{name}.{i}", value) for i, value in enumerate(values[name]))
            elif not isinstance(field, Shape):
                flat_values[name] = values[name]
        return compiled.run(connection, flat_values)

    def convert(self, position, value, using=DEFAULT_DB_ALIAS):
        """``value``, read as stored from the column at ``position`` (``as_stored``), as the ORM
        gives it: for the one value of many that a caller shows, after comparing them as stored."""
        connection = connections[using]
        stored_converters = connection.__dict__.get("prepared_reads", {}).get((self, "as stored"), {})
        converters, expression = stored_converters.get(position, ((), None))
        for converter in converters:
            value = converter(value, expression, connection)
        return value

    def _compile(self, connection, values):
        placeholders = {}
        for name, field in self.params.items():
            if isinstance(field, list):
                placeholders[name] = ParamList(name, field[0], len(values[name]))
            elif isinstance(field, Shape):
                placeholders[name] = values[name]
            else:
                placeholders[name] = Param(name, field)
        try:
            return _Compiled(self.build(**placeholders), connection, self.as_stored, self.planned_each_time)
        except EmptyResultSet:
            return _EMPTY
