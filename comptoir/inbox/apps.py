"""Django app configuration for comptoir.inbox."""

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def restore_search_triggers(using: str = "default", **_kwargs: Any) -> None:
    """Django rebuilds a SQLite table to alter a column, dropping its FTS triggers: put them back."""
    from comptoir.inbox.search import install_search

    database = connections[using]
    if database.vendor == "sqlite" and "inbox_message" in database.introspection.table_names():
        install_search(database)


class InboxConfig(AppConfig):
    name = "comptoir.inbox"
    label = "inbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(restore_search_triggers, sender=self)
