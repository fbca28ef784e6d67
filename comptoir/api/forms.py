"""The form that creates an API token."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from comptoir.workspaces.models import ROLE_CHOICES


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES)
    expires_at = forms.DateTimeField(
        label=gettext_lazy("Expires"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
