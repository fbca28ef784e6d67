"""Operators' admin for people and failed logins."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from comptoir.accounts.models import FailedLogin, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_active", "is_staff", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(FailedLogin)
class FailedLoginAdmin(admin.ModelAdmin[FailedLogin]):
    list_display = ["email", "ip_address", "at"]
    search_fields = ["email"]
