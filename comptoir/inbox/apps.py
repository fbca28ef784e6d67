"""Django app configuration for comptoir.inbox."""

from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "comptoir.inbox"
    label = "inbox"
    default_auto_field = "django.db.models.BigAutoField"
