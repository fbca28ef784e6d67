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
from comptoir.publishing.composer_options import NEXT_SLOT, ScheduleOptionsForm
from comptoir.publishing.editorial import ToneWarning, check_tone, link_tracking_of, tone_rules_of
from comptoir.publishing.local_time import LocalMoment, local_to_utc
from comptoir.publishing.models import LinkTracking, Media, Pillar, ToneRules
from comptoir.publishing.outbound import check_outbound
from comptoir.publishing.preview import Preview, limit_offset, preview
from comptoir.publishing.utm import add_utm, utm_params
from comptoir.workspaces.models import Workspace

WHEN_CHOICES = [
    ("draft", gettext_lazy("Keep as a draft")),
    ("now", gettext_lazy("Publish now")),
    ("schedule", gettext_lazy("Schedule")),
    (NEXT_SLOT, gettext_lazy("Next free queue slot")),
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
    # The text as it will go out (links tagged), how it will look, and the editorial line's warnings.
    outbound_text: str = ""
    preview: Preview | None = None
    tone: tuple[ToneWarning, ...] = ()


class ComposerForm(ScheduleOptionsForm):
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
    # Not "media": a form's `media` is its CSS and JavaScript.
    attachments = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Media"),
        queryset=Media.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    upload = forms.FileField(
        label=gettext_lazy("Upload an image or a video"),
        required=False,
        help_text=gettext_lazy("JPEG, PNG, WebP, GIF or MP4; it joins the media library."),
    )
    pillar = forms.ModelChoiceField(
        label=gettext_lazy("Pillar"),
        queryset=Pillar.objects.none(),
        required=False,
        empty_label=gettext_lazy("No pillar"),
    )
    utm_campaign = forms.CharField(
        label=gettext_lazy("utm_campaign"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Names the campaign in the links' UTM parameters; empty takes the default."),
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
        self.fields["attachments"].queryset = Media.objects.filter(workspace=workspace)  # type: ignore[attr-defined]
        self.fields["pillar"].queryset = Pillar.objects.filter(workspace=workspace)  # type: ignore[attr-defined]
        self.tracking = link_tracking_of(workspace)
        if not self.tracking.enabled:
            del self.fields["utm_campaign"]
        if not self.fields["pillar"].queryset.exists():  # type: ignore[attr-defined]
            del self.fields["pillar"]
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

    def selected_media(self) -> list[Media]:
        """The ticked media of the workspace's library, in the library's order, valid or not yet."""
        ticked = self.data.getlist("attachments") if isinstance(self.data, QueryDict) else []
        wanted = {int(value) for value in ticked if value.isdigit()}
        if not wanted:
            return []
        return list(Media.objects.filter(workspace=self.workspace, pk__in=wanted))

    def text_for(self, channel: Channel) -> str:
        variant = str(self.data.get(self.variant_field(channel), "")).strip()
        return variant or str(self.data.get("text", "")).strip()

    def typed_campaign(self) -> str:
        return str(self.data.get("utm_campaign", "")).strip() if self.tracking.enabled else ""

    def variant_checks(self) -> list[VariantCheck]:
        """Per ticked channel: the length as its network counts it, what it would refuse (text, media, the
        text once its links are tagged), the preview and the tone warnings."""
        checks = []
        media = self.selected_media()
        rules = tone_rules_of(self.workspace)
        for channel in self.selected_channels():
            text = self.text_for(channel)
            caps = CAPABILITIES[channel.network]
            campaign = self.typed_campaign()
            tagged = add_utm(text, utm_params(self.tracking, campaign, channel.network))
            length = count_length(tagged, caps.length_rule, caps.link_length)
            problems = check_variant(channel, text) + check_outbound(
                self.workspace.pk, channel, text, media, campaign
            )
            checks.append(
                VariantCheck(
                    channel,
                    length,
                    caps.text_limit,
                    problems,
                    outbound_text=tagged,
                    preview=preview(tagged, channel.network, limit_offset(tagged, channel.network)),
                    tone=tuple(check_tone(text, rules, channel.network)),
                )
            )
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

    def post_fields(self) -> dict[str, Any]:
        """The editorial side of the post, as `actions.do_create_post` takes it."""
        return {
            "pillar": self.cleaned_data.get("pillar"),
            "utm_campaign": self.typed_campaign(),
            "media": list(self.cleaned_data.get("attachments") or []),
        }

    def publish_at_utc(self) -> datetime | None:
        when = self.cleaned_data["when"]
        if when == "now":
            return timezone.now()
        if when in ("schedule", NEXT_SLOT) and self.moment is not None:
            return self.moment.utc
        return None


# The editorial line and the media library ------------------------------------------------------------------

LANGUAGE_CHOICES = [
    ("fr", gettext_lazy("French")),
    ("en", gettext_lazy("English")),
    ("es", gettext_lazy("Spanish")),
    ("de", gettext_lazy("German")),
    ("it", gettext_lazy("Italian")),
    ("nl", gettext_lazy("Dutch")),
    ("pt", gettext_lazy("Portuguese")),
]


class PillarForm(forms.ModelForm[Pillar]):
    class Meta:
        model = Pillar
        fields = ["name", "description", "color", "target_share", "position"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "color": forms.TextInput(attrs={"type": "color"}),
        }


class ToneRulesForm(forms.ModelForm[ToneRules]):
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Expected languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("A post written in another language gets a warning. None ticked: no check."),
    )

    class Meta:
        model = ToneRules
        fields = ["forbidden", "required", "emoji_policy", "emoji_max", "languages"]
        widgets = {
            "forbidden": forms.Textarea(attrs={"rows": 4}),
            "required": forms.Textarea(attrs={"rows": 3}),
        }


class LinkTrackingForm(forms.ModelForm[LinkTracking]):
    class Meta:
        model = LinkTracking
        fields = ["enabled", "medium", "campaign"]
        # The parameters' own names, as analytics tools show them (not capitalised).
        labels = {"medium": "utm_medium", "campaign": gettext_lazy("Default utm_campaign")}


class MediaUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Image or video"))
    alt_text = forms.CharField(
        label=gettext_lazy("Alt text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("What the image shows, for people who cannot see it."),
    )


class MediaForm(forms.ModelForm[Media]):
    class Meta:
        model = Media
        fields = ["alt_text", "focal_x", "focal_y"]
        widgets = {
            "alt_text": forms.Textarea(attrs={"rows": 3}),
            "focal_x": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
        }
        labels = {
            "focal_x": gettext_lazy("Focal point, across (0 = left, 1 = right)"),
            "focal_y": gettext_lazy("Focal point, down (0 = top, 1 = bottom)"),
        }
