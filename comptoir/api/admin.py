"""Operators' admin for API tokens (the hash is never shown)."""

from django.contrib import admin

from comptoir.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "hint", "workspace", "user", "role", "created_at", "last_used_at", "revoked_at"]
    exclude = ["token_hash"]
