"""Django app configuration for comptoir.workspaces."""

from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "comptoir.workspaces"
    label = "workspaces"
    default_auto_field = "django.db.models.BigAutoField"
