"""Prints a new key for COMPTOIR_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Print a new encryption key: put it first in COMPTOIR_ENCRYPTION_KEYS, then run rotate_channel_keys."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(Fernet.generate_key().decode())
