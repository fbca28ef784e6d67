"""Re-encrypts every channel's credentials with the first key of COMPTOIR_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from comptoir.channels import crypto
from comptoir.channels.models import Channel


class Command(BaseCommand):
    help = "Re-encrypt channel credentials with the newest key, so that older keys can then be removed."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        with transaction.atomic():
            for channel in Channel.objects.select_for_update().only("id", "credentials_encrypted"):
                channel.credentials_encrypted = crypto.rotate(channel.credentials_encrypted)
                channel.save(update_fields=["credentials_encrypted"])
                count += 1
        self.stdout.write(f"Re-encrypted the credentials of {count} channel(s) with the newest key.")
