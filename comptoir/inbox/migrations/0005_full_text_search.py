"""Full-text search: FTS5 tables and triggers on SQLite, GIN expression indexes on PostgreSQL (see search.py)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def install(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from comptoir.inbox.search import install_search

    install_search(schema_editor.connection)


def remove(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from comptoir.inbox.search import remove_search

    remove_search(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0004_sla_clocks")]

    operations = [migrations.RunPython(install, remove)]
