"""The composer: one post, a shared text, an optional variant per channel, and when to publish it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.channels.models import Channel
from comptoir.providers.networks import CAPABILITIES
from comptoir.providers.text_length import count_length
from comptoir.publishing.actions import check_variant
from comptoir.publishing.local_time import LocalMoment, local_to_utc
from comptoir.workspaces.models import Workspace

WHEN_CHOICES = [
    ("draft", gettext_lazy("Keep as a draft")),
    ("now", gettext_lazy("Publish now")),
    ("schedule", gettext_lazy("Schedule")),
]
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def publishable_channels(workspace: Workspace) -> QuerySet[Channel]:
    networks = [key for key, caps in CAPABILITIES.items() if caps.publish]
    return Channel.objects.filter(workspace=workspace, network__in=networks)


@dataclass(frozen=True)
class VariantCheck:
    """One line of the composer's live report: how long the text is for this channel, and what is wrong."""

    channel: Channel
    length: int
    limit: int
    problems: list[str]


class ComposerForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=200, help_text=gettext_lazy("Only the team sees it.")
    )
    text = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Used on every channel whose variant is left empty."),
    )
    channels = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Channels"), queryset=Channel.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    when = forms.ChoiceField(
        label=gettext_lazy("When"), choices=WHEN_CHOICES, initial="schedule", widget=forms.RadioSelect
    )
    publish_at = forms.CharField(
        label=gettext_lazy("Date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    internal_note = forms.CharField(
        label=gettext_lazy("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.moment: LocalMoment | None = None
        channels = list(publishable_channels(workspace))
        self.fields["channels"].queryset = publishable_channels(workspace)  # type: ignore[attr-defined]
        self.fields["publish_at"].help_text = _("In the workspace's time zone, %(zone)s.") % {
            "zone": workspace.time_zone
        }
        for channel in channels:
            self.fields[self.variant_field(channel)] = forms.CharField(
                label=_("Variant for %(channel)s") % {"channel": channel.name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )

    @staticmethod
    def variant_field(channel: Channel) -> str:
        return f"variant_{channel.pk}"

    def selected_channels(self) -> list[Channel]:
        """The channels ticked in the submitted data, valid or not yet (the live report runs while typing)."""
        ticked = self.data.getlist("channels") if isinstance(self.data, QueryDict) else []
        wanted = {value for value in ticked if value.isdigit()}
        return [channel for channel in publishable_channels(self.workspace) if str(channel.pk) in wanted]

    def text_for(self, channel: Channel) -> str:
        variant = str(self.data.get(self.variant_field(channel), "")).strip()
        return variant or str(self.data.get("text", "")).strip()

    def variant_checks(self) -> list[VariantCheck]:
        checks = []
        for channel in self.selected_channels():
            text = self.text_for(channel)
            caps = CAPABILITIES[channel.network]
            length = count_length(text, caps.length_rule, caps.link_length)
            checks.append(VariantCheck(channel, length, caps.text_limit, check_variant(channel, text)))
        return checks

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for check in self.variant_checks():
            for problem in check.problems:
                self.add_error(self.variant_field(check.channel), problem)
        if cleaned.get("when") == "schedule":
            self.moment = self._moment(str(cleaned.get("publish_at") or ""))
        return cleaned

    def _moment(self, value: str) -> LocalMoment | None:
        if not value.strip():
            self.add_error("publish_at", _("Give the date and time to publish."))
            return None
        for format in LOCAL_FORMATS:
            try:
                wall_clock = datetime.strptime(value.strip(), format)  # noqa: DTZ007 - a wall-clock time, zoned below
            except ValueError:
                continue
            moment = local_to_utc(wall_clock, self.workspace.zone)
            if moment.utc < timezone.now():
                self.add_error("publish_at", _("This time has already passed."))
                return None
            return moment
        self.add_error("publish_at", _("Enter a date and time such as 2026-03-29 09:30."))
        return None

    def variants(self) -> dict[Channel, str]:
        return {channel: self.text_for(channel) for channel in self.cleaned_data["channels"]}

    def publish_at_utc(self) -> datetime | None:
        when = self.cleaned_data["when"]
        if when == "now":
            return timezone.now()
        if when == "schedule" and self.moment is not None:
            return self.moment.utc
        return None
