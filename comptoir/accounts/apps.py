"""Django app configuration for comptoir.accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "comptoir.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
