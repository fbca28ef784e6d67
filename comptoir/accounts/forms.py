"""Login (throttled) and sign-up forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.accounts import throttle
from comptoir.accounts.models import User


def client_ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request else None


class LoginForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput)

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email, password = cleaned.get("email"), cleaned.get("password")
        if not email or not password:
            return cleaned
        ip = client_ip(self.request)
        if throttle.is_locked(email, ip):
            raise ValidationError(_("Too many failed attempts. Wait 15 minutes or reset your password."))
        user = authenticate(self.request, email=email, password=password)
        if not isinstance(user, User):
            throttle.record_failure(email, ip)
            raise ValidationError(_("This e-mail and password do not match an active account."))
        throttle.clear_failures(email)
        self.user = user
        return cleaned


class SignupForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=150)
    password1 = forms.CharField(label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=gettext_lazy("Password again"), strip=False, widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, User(full_name=cleaned.get("full_name", "")))
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def create_user(self, email: str) -> User:
        return User.objects.create_user(
            email, self.cleaned_data["password1"], full_name=self.cleaned_data["full_name"]
        )
