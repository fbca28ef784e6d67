"""The connect form of a network, built from its fields in the catalogue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext as _

from comptoir.channels.catalogue import Network


class ConnectForm(forms.Form):
    def __init__(
        self, network: Network, *args: Any, known: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.network = network
        for field in network.fields:
            self.fields[field.name] = forms.CharField(
                label=field.label,
                required=field.required,
                help_text=field.help_text,
                initial=(known or {}).get(field.name, field.initial),
                widget=forms.PasswordInput() if field.secret else forms.TextInput(),
                max_length=1000,
                strip=not field.secret,
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.network.key == "matrix" and not (cleaned.get("password") or cleaned.get("access_token")):
            raise forms.ValidationError(_("Give the account's password or an access token."))
        return cleaned
