"""Raw INSERT and UPDATE of many rows for the ingest path: plain values in, one statement per batch out.

`bulk_create` builds a model instance per row and compiles each value field by field, `bulk_update` a CASE … WHEN
per field: on the inbox sync that was most of the CPU time (measured with bench/ingest.py). These take rows as
tuples of Python values in a given column order, adapt each column with one function chosen once per batch, and
send them in as few statements as the database takes. Triggers and generated columns (the search indexes) run
as for any INSERT or UPDATE.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import partial
from typing import Any, TypeVar

import psycopg
from django.core.exceptions import EmptyResultSet
from django.db import NotSupportedError, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Lookup, Model, signals
from django.db.models.base import ModelState
from django.db.models.constants import OnConflict
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

Adapter = Callable[[Any], Any]

# Fields whose Python values (str, int, bool, None) the drivers take as they are: exact types only, so that a
# subclass with its own conversion (an encrypted field, say) still goes through it.
AS_IS: tuple[type[Field[Any, Any]], ...] = (
    models.AutoField,
    models.BigAutoField,
    models.BooleanField,
    models.CharField,
    models.EmailField,
    models.ForeignKey,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.TextField,
    models.URLField,
)


def column_adapter(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> Adapter | None:
    """How a plain value of this column (never an expression) becomes the driver's: None when it goes as it
    is. Date-times and JSON take the backend's own conversion without the field's layers around it (a third of
    the sync's CPU time once model instances were gone); anything else the field's own preparation."""
    if type(field) in AS_IS:
        return None
    if type(field) is models.DateTimeField:
        if connection.vendor == "sqlite" and connection.timezone is not None:
            return sqlite_datetime(connection.timezone)
        adapt: Adapter = connection.ops.adapt_datetimefield_value
        return adapt
    if type(field) is models.JSONField:
        return partial(json_value, adapt=connection.ops.adapt_json_value, encoder=field.encoder)
    return partial(field.get_db_prep_save, connection=connection)


def sqlite_datetime(zone: tzinfo) -> Adapter:
    """`adapt_datetimefield_value` of Django's SQLite backend: an aware date-time is stored as text in the
    connection's zone, without offset."""

    def adapt(value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is UTC and zone is UTC:
            # The common case, a third faster: the text as str() has it, less the "+00:00" it ends with.
            return value.isoformat(" ")[:-6]
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        return str(value)

    return adapt


def json_value(value: Any, adapt: Callable[[Any, Any], Any], encoder: Any) -> Any:
    """None is SQL NULL, as `JSONField.get_db_prep_save` has it; anything else is JSON."""
    return None if value is None else adapt(value, encoder)


def adapters_for(fields: Sequence[Any], connection: BaseDatabaseWrapper) -> list[Adapter | None]:
    return [column_adapter(field, connection) for field in fields]


def adapted(
    rows: Sequence[Sequence[Any]], adapters: Sequence[Adapter | None], tail: Sequence[Any] = ()
) -> list[list[Any]]:
    """The rows with each column adapted, each followed by the values of `tail` (already adapted)."""
    converting = [(index, adapter) for index, adapter in enumerate(adapters) if adapter is not None]
    result = []
    for row in rows:
        values = [*row, *tail]
        for index, adapter in converting:
            values[index] = adapter(values[index])
        result.append(values)
    return result


def concrete_field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    assert isinstance(field, Field), f"{model.__name__}.{name} is not a column"
    return field


def default_value(field: Field[Any, Any]) -> Any:
    """What the ORM would write for a column the caller leaves out; computed once per batch."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


@dataclass(frozen=True)
class Insert:
    """The parts of an INSERT statement around its rows, which each database lays out its own way."""

    into: str
    row: str
    suffix: str
    returning: str


@dataclass
class PreparedRows:
    """Rows of a model adapted for the database, the model's other columns with their defaults: the work of an
    INSERT that needs no database, done ahead (outside a write transaction, say)."""

    model: type[Model]
    alias: str
    fields: list[Field[Any, Any]]
    values: list[list[Any]]

    def fill(self, name: str, column: Sequence[Any]) -> None:
        """Sets a column known only later (the id of a row inserted meanwhile) on every row."""
        self.set(name, enumerate(column))

    def set(self, name: str, values: Iterable[tuple[int, Any]]) -> None:
        """Sets the column `name` of the rows given by index, adapted as `prepare_rows` would."""
        field = concrete_field(self.model, name)
        adapter = column_adapter(field, connections[self.alias])
        column = self.fields.index(field)
        for index, value in values:
            self.values[index][column] = value if adapter is None else adapter(value)


def prepare_rows(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> PreparedRows:
    """`rows` (values in the order of the field `names`) adapted, followed by the defaults of the model's
    other columns, as `bulk_create` gives them."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    given = [concrete_field(model, name) for name in names]
    # Fields are compared, not names: a caller may give "workspace_id" for the field "workspace".
    others = [field for field in model._meta.concrete_fields if not field.primary_key and field not in given]
    # The defaults are the same for every row: adapted once.
    defaults = adapted([[default_value(field) for field in others]], adapters_for(others, connection))[0]
    values = adapted(rows, adapters_for(given, connection), tail=defaults)
    return PreparedRows(model, alias, [*given, *others], values)


def insert_rows(
    model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]], ignore_conflicts: bool = False
) -> list[int]:
    """Inserts `rows` (values in the order of the field `names`) and returns their new ids in the same order;
    the model's other columns get their defaults, as `bulk_create` gives them. With `ignore_conflicts`, rows
    that break a unique constraint are left out and no ids are returned."""
    if not rows:
        return []
    return insert_prepared(prepare_rows(model, names, rows), ignore_conflicts)


def insert_prepared(prepared: PreparedRows, ignore_conflicts: bool = False) -> list[int]:
    """`insert_rows` of rows prepared beforehand."""
    if not prepared.values:
        return []
    connection = connections[prepared.alias]
    if not ignore_conflicts and not connection.features.can_return_rows_from_bulk_insert:
        raise NotSupportedError("Inserting in bulk needs INSERT … RETURNING (SQLite 3.35 or later).")
    meta, fields, values = prepared.model._meta, prepared.fields, prepared.values
    quote = connection.ops.quote_name
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    statement = Insert(
        # Only quoted names from the model's own metadata go into the text; every value is a parameter.
        into=f"{connection.ops.insert_statement(on_conflict)} {quote(meta.db_table)}"
        f" ({', '.join(quote(str(field.column)) for field in fields)})",
        row="(" + ", ".join(["%s"] * len(fields)) + ")",
        suffix=connection.ops.on_conflict_suffix_sql(fields, on_conflict, None, None),
        returning="" if ignore_conflicts else f" RETURNING {quote(str(meta.pk.column))}",
    )
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            return insert_unnested(connection, statement, fields, values)
        return insert_multirow(connection, statement, values)


def insert_multirow(connection: BaseDatabaseWrapper, statement: Insert, values: list[list[Any]]) -> list[int]:
    """`INSERT … VALUES (…), (…) RETURNING id`, as many rows per statement as the bound variables allow: SQLite
    counts them (32,766 in current builds; Django assumes the old 999, which split a page in a dozen)."""
    limit = 999
    if connection.vendor == "sqlite":
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    size = max(1, limit // len(values[0]))
    ids: list[int] = []
    # SQLite's driver cursor takes its own `?` as they are (see `driver_cursor`); Django's debug cursor, when
    # queries are logged, formats the `%s` of the statement into its log.
    plain = connection.vendor == "sqlite" and not connection.queries_logged
    row = statement.row.replace("%s", "?") if plain else statement.row
    with driver_cursor(connection) if plain else connection.cursor() as cursor:
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            rows = ", ".join([row] * len(chunk))
            cursor.execute(
                f"{statement.into} VALUES {rows} {statement.suffix}{statement.returning}",
                [value for row in chunk for value in row],
            )
            if statement.returning:
                ids += [row[0] for row in cursor.fetchall()]
    return ids


def insert_unnested(
    connection: BaseDatabaseWrapper,
    statement: Insert,
    fields: Sequence[Field[Any, Any]],
    values: list[list[Any]],
) -> list[int]:
    """`INSERT … SELECT * FROM UNNEST(one array per column) RETURNING id`, as Django's own bulk_create does on
    PostgreSQL: one short statement, parsed and planned once whatever the number of rows."""
    arrays = ", ".join(f"(%b)::{array_type(field, connection)}" for field in fields)
    sql = f"{statement.into} SELECT * FROM UNNEST({arrays}) {statement.suffix}{statement.returning}"  # noqa: S608
    rows = execute_on_server(connection, sql, [list(column) for column in zip(*values, strict=True)])
    return [row[0] for row in rows]


def array_type(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> str:
    """The column's type without its length (varchar[], not varchar(255)[]), as Django's UNNEST inserts have it."""
    return f"{str(field.db_type(connection)).split('(')[0]}[]"


def update_rows(model: type[Model], names: Sequence[str], rows: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Sets the fields `names` of every (pk, values) row, one statement for the batch. Django's bulk_update
    builds a CASE … WHEN per field whose compilation grows with the batch (10 s of CPU for 5,000 contacts,
    measured). The pks must differ."""
    if not rows:
        return
    fields = [concrete_field(model, name) for name in names]
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    # Only quoted names from the model's own metadata go into the text; every value is a parameter.
    table, pk = quote(model._meta.db_table), quote(str(model._meta.pk.column))
    columns = [quote(str(field.column)) for field in fields]
    adapters = [*adapters_for(fields, connection), None]  # the last value is the pk
    parameters = adapted(
        [[values[name] for name in names] + [pk_value] for pk_value, values in rows], adapters
    )
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            arrays = ", ".join(
                f"(%b)::{array_type(field, connection)}" for field in [*fields, concrete_field(model, "pk")]
            )
            assignments = ", ".join(f"{column} = new.{column}" for column in columns)
            new = f"UNNEST({arrays}) AS new({', '.join([*columns, pk])})"
            sql = f"UPDATE {table} SET {assignments} FROM {new} WHERE {table}.{pk} = new.{pk}"  # noqa: S608
            execute_on_server(connection, sql, [list(column) for column in zip(*parameters, strict=True)])
        else:
            # One compiled statement run for every row.
            assignments = ", ".join(f"{column} = %s" for column in columns)
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", parameters)  # noqa: S608


def driver_cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor of the database driver itself, on the same connection and transaction, inside Django's wrapper
    (which keeps query logging, execute wrappers and the translation of errors) but without Django's own
    cursor class:
    - on PostgreSQL, a cursor that binds on the server. Django's binds on the client, where psycopg quotes
      every value of an array in Python: more CPU than the database's own work for a page of rows;
    - on SQLite, a plain cursor, for statements written with `?`. Django's rewrites each `%s` with a regular
      expression over the statement text, about 0.3 ms for a page's multi-row INSERT (measured). Its debug
      cursor (queries logged) formats them with `%s`, so they need Django's own cursor then."""
    if connection.vendor == "postgresql":
        cursor: Any = psycopg.Cursor(connection.connection)
    else:
        connection.ensure_connection()
        cursor = connection.connection.cursor()
    make = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    return make(cursor)


def execute_on_server(connection: BaseDatabaseWrapper, sql: str, parameters: list[Any]) -> list[Any]:
    """PostgreSQL: runs a statement through a cursor that binds on the server (`driver_cursor`) and returns
    its rows. The arrays go as `%b` (binary): the text format escapes each element with a regular expression."""
    with driver_cursor(connection) as cursor:
        cursor.execute(sql, parameters)
        return cursor.fetchall() if cursor.description else []


class Among(Lookup):
    """`column IN (values)` with the values sent as one parameter: a JSON array read by `json_each` on SQLite,
    an array compared with `= ANY` on PostgreSQL. Django's `__in` prepares and binds each value of the list
    on its own (about 5 µs per value, a page's worth of ids in every sync query, measured with
    bench/ingest.py). For ids and external ids: plain ints or strings, compared as they are. Used as
    `Model.objects.filter(Among(F("external_id"), ids))`."""

    lookup_name = "among"
    prepare_rhs = False

    def as_sql(  # type: ignore[override]  # the stubs' params are a tuple of str | int; a list travels too
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        # `lhs` is the column as Django compiled it; the values travel as a parameter.
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*lhs_params, json.dumps(values)]  # noqa: S608


M = TypeVar("M", bound=Model)


def loaded_instances(
    model: type[M], alias: str, names: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[M]:
    """Instances of rows just written, as `Model.from_db` builds them (the fields not named are deferred, as
    with `.only()`), without going through `Model.__init__`: its per-field setattr costs 25 µs a message,
    more than storing it. `names` are attnames. Models whose instances something listens to being built get
    the regular path."""
    order = [field.attname for field in model._meta.concrete_fields if field.attname in names]
    assert len(order) == len(names), f"{names} are not all columns of {model.__name__}"
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        positions = [list(names).index(name) for name in order]
        return [model.from_db(alias, order, [row[index] for index in positions]) for row in rows]
    built = []
    for row in rows:
        instance = model.__new__(model)
        state = instance._state = ModelState()
        state.adding, state.db = False, alias
        instance.__dict__.update(zip(names, row, strict=True))
        built.append(instance)
    return built
