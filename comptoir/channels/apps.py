"""Django app configuration for comptoir.channels."""

from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "comptoir.channels"
    label = "channels"
    default_auto_field = "django.db.models.BigAutoField"
