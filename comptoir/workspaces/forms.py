"""Forms and checks for workspace settings, members and invitations (shared with the API)."""

from __future__ import annotations

import re
import zoneinfo
from datetime import time
from functools import cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.workspaces.models import LANGUAGE_CHOICES, ROLE_CHOICES, WEEKDAYS, Workspace
from comptoir.workspaces.permissions import Role

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@cache
def time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


def check_time_zone(value: str) -> None:
    if value not in time_zones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone (e.g. Europe/Paris).") % {"value": value}
        )


def check_languages(value: list[str]) -> None:
    known = {code for code, _label in LANGUAGE_CHOICES}
    if not value:
        raise ValidationError(_("Choose at least one language."))
    unknown = [code for code in value if code not in known]
    if unknown:
        raise ValidationError(
            _("Unknown language code: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}
        )


def check_business_hours(value: dict[str, Any]) -> None:
    for day, ranges in value.items():
        if day not in WEEKDAYS:
            raise ValidationError(
                _("Unknown day “%(day)s”: use mon, tue, wed, thu, fri, sat, sun.") % {"day": day}
            )
        for item in ranges:
            if len(item) != 2 or not all(isinstance(t, str) and _TIME.match(t) for t in item):
                raise ValidationError(_("Opening hours are written as two HH:MM times, e.g. 09:00–18:00."))
            if time.fromisoformat(item[0]) >= time.fromisoformat(item[1]):
                raise ValidationError(
                    _("On %(day)s, an opening time comes after its closing time.") % {"day": day}
                )


class WorkspaceForm(forms.ModelForm[Workspace]):
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages"), choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64, initial="Europe/Paris")
    opening_hours = forms.CharField(
        label=gettext_lazy("Business hours"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=gettext_lazy(
            "One line per day, e.g. “mon 09:00-12:30 14:00-18:00”; leave a day out when closed."
        ),
    )

    class Meta:
        model = Workspace
        fields = ["name", "time_zone", "country", "languages"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hours = self.instance.business_hours if self.instance.pk else Workspace().business_hours
        self.fields["opening_hours"].initial = format_hours(hours)

    def clean_time_zone(self) -> str:
        value: str = self.cleaned_data["time_zone"].strip()
        check_time_zone(value)
        return value

    def clean_country(self) -> str:
        value: str = self.cleaned_data["country"].strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", value):
            raise ValidationError(_("Use a two-letter country code such as FR or BE."))
        return value

    def clean_opening_hours(self) -> dict[str, list[list[str]]]:
        hours = parse_hours(self.cleaned_data["opening_hours"])
        check_business_hours(hours)
        return hours

    def save(self, commit: bool = True) -> Workspace:
        self.instance.business_hours = self.cleaned_data["opening_hours"]
        return super().save(commit)


def format_hours(hours: dict[str, list[list[str]]]) -> str:
    return "\n".join(
        f"{day} " + " ".join(f"{start}-{end}" for start, end in hours[day])
        for day in WEEKDAYS
        if hours.get(day)
    )


def parse_hours(text: str) -> dict[str, list[list[str]]]:
    hours: dict[str, list[list[str]]] = {day: [] for day in WEEKDAYS}
    for line in text.splitlines():
        if not line.strip():
            continue
        day, *ranges = line.lower().split()
        if day not in hours:
            raise ValidationError(
                _("Unknown day “%(day)s”: use mon, tue, wed, thu, fri, sat, sun.") % {"day": day}
            )
        for item in ranges:
            start, _sep, end = item.replace("–", "-").partition("-")
            hours[day].append([start, end])
    return hours


class InvitationForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES, initial=Role.EDITOR.value)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES)
