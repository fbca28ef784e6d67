"""Migration operations on the single-column indexes Django gives every foreign key and `db_index` field."""

from __future__ import annotations

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def drop_field_indexes(*columns: tuple[str, str]) -> migrations.RunPython:
    """Drops the indexes of these (table, column) pairs in place. Marking the fields `db_index=False` with a
    plain AlterField would have SQLite copy each table once per field (and the inbox's tables hold millions of
    rows); pair this with the AlterFields in a SeparateDatabaseAndState. The names are Django's own, the same on
    every database; reversing creates the indexes again."""

    def drop(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for table, column in columns:
            schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(schema_editor, table, column)}")

    def create(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        quote = schema_editor.quote_name
        for table, column in columns:
            name = index_name(schema_editor, table, column)
            schema_editor.execute(f"CREATE INDEX {name} ON {quote(table)} ({quote(column)})")

    return migrations.RunPython(drop, create)


def index_name(schema_editor: BaseDatabaseSchemaEditor, table: str, column: str) -> str:
    # Names come from the migration's own constants, never from input. `_create_index_name` is what named the
    # indexes when the fields were created (the stubs do not list it).
    name = schema_editor._create_index_name(table, [column], suffix="")  # type: ignore[attr-defined]
    return schema_editor.quote_name(name)
