"""Django app configuration for comptoir.system."""

from django.apps import AppConfig


class SystemConfig(AppConfig):
    name = "comptoir.system"
    label = "system"
    default_auto_field = "django.db.models.BigAutoField"
