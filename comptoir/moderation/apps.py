"""Django app configuration for comptoir.moderation."""

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "comptoir.moderation"
    label = "moderation"
    default_auto_field = "django.db.models.BigAutoField"
