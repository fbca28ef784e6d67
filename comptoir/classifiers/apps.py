"""Django app configuration for comptoir.classifiers."""

from django.apps import AppConfig


class ClassifiersConfig(AppConfig):
    name = "comptoir.classifiers"
    label = "classifiers"
    default_auto_field = "django.db.models.BigAutoField"
