"""Forms of the calendar's pages: campaigns, queue slots, the CSV import and a drag-and-drop move."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from comptoir.channels.models import Channel
from comptoir.publishing.csv_import import MAX_BYTES
from comptoir.publishing.forms import publishable_channels
from comptoir.publishing.models import Campaign, QueueSlot
from comptoir.workspaces.models import Workspace

HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


class CampaignForm(forms.ModelForm[Campaign]):
    color = forms.RegexField(
        label=gettext_lazy("Colour"),
        regex=HEX_COLOUR,
        initial="#e0823d",
        widget=forms.TextInput(attrs={"type": "color"}),
        error_messages={"invalid": gettext_lazy("A hex colour, e.g. #e0823d.")},
    )

    class Meta:
        model = Campaign
        fields = ["name", "starts_on", "ends_on", "color"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class SlotForm(forms.Form):
    channel = forms.ModelChoiceField(label=gettext_lazy("Channel"), queryset=Channel.objects.none())
    weekday = forms.TypedChoiceField(label=gettext_lazy("Day"), choices=QueueSlot.Weekday.choices, coerce=int)
    local_time = forms.TimeField(
        label=gettext_lazy("Time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].queryset = publishable_channels(workspace)  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "UTF-8, separated by ; or , — columns date, time, channels, text, pillar, media."
        ),
    )
    valid_rows_only = forms.BooleanField(
        label=gettext_lazy("Import the valid rows only"),
        required=False,
        help_text=gettext_lazy("Without this, nothing is imported from a file that has errors."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(gettext_lazy("The file is larger than 2 MB."))
        return upload


class MoveForm(forms.Form):
    target = forms.IntegerField(min_value=1)
    day = forms.DateField(input_formats=["%Y-%m-%d"])
    time = forms.TimeField(required=False, input_formats=["%H:%M"])
