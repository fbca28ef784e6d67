"""Django app configuration for comptoir.publishing."""

from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "comptoir.publishing"
    label = "publishing"
    default_auto_field = "django.db.models.BigAutoField"
