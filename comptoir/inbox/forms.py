"""The inbox filter and bulk-action forms, built from the workspace's channels, labels and members, the
conversation forms, and the forms of labels, saved replies and SLA targets."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.channels.queries import channels_of
from comptoir.inbox.models import Conversation, Label, SavedReply
from comptoir.inbox.queries import InboxFilters, labels_of
from comptoir.workspaces.models import LANGUAGE_CHOICES, Workspace
from comptoir.workspaces.permissions import Permission
from comptoir.workspaces.queries import members_of

UNASSIGNED = "none"
SLA_BREACHED = "breached"
SENTIMENT_CHOICES = [("positive", _("Positive")), ("neutral", _("Neutral")), ("negative", _("Negative"))]


def _any(choices: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


def repliers(workspace: Workspace) -> list[tuple[str, str]]:
    """Members a conversation can be assigned to: those allowed to reply."""
    return [
        (str(membership.user_id), str(membership.user))
        for membership in members_of(workspace)
        if membership.allows(Permission.REPLY_INBOX)
    ]


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    channel = forms.TypedChoiceField(label=_("Channel"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_any(Conversation.Kind.choices))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(Conversation.Status.choices))
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False, choices=_any(LANGUAGE_CHOICES))
    sentiment = forms.ChoiceField(label=_("Sentiment"), required=False, choices=_any(SENTIMENT_CHOICES))
    label = forms.TypedChoiceField(label=_("Label"), required=False, coerce=int, empty_value=None)
    sla = forms.ChoiceField(label=_("SLA"), required=False, choices=_any([(SLA_BREACHED, _("SLA breached"))]))
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.TypedChoiceField)
        channel_field.choices = _any([(str(c.id), c.name) for c in channels_of(workspace)])
        label_field = self.fields["label"]
        assert isinstance(label_field, forms.TypedChoiceField)
        label_field.choices = _any([(str(label.id), label.name) for label in labels_of(workspace)])
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ChoiceField)
        assignee_field.choices = _any([(UNASSIGNED, _("Nobody")), *repliers(workspace)])

    def filters(self) -> InboxFilters:
        """What to show; an invalid form (a hand-edited URL) shows everything rather than an error page."""
        if not self.is_valid():
            return InboxFilters()
        data = self.cleaned_data
        assignee = data["assignee"]
        return InboxFilters(
            channel=data["channel"],
            kind=data["kind"],
            status=data["status"],
            assignee=int(assignee) if assignee and assignee != UNASSIGNED else None,
            unassigned=assignee == UNASSIGNED,
            language=data["language"],
            sentiment=data["sentiment"],
            since=data["since"],
            until=data["until"],
            text=data["q"].strip(),
            label=data["label"],
            sla_breached=data["sla"] == SLA_BREACHED,
        )


class ReplyForm(forms.Form):
    message = forms.IntegerField(widget=forms.HiddenInput())
    text = forms.CharField(label=_("Reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Conversation.Status.choices)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee_field = self.fields["assignee"]
        assert isinstance(assignee_field, forms.ChoiceField)
        assignee_field.choices = [("", _("Nobody")), *repliers(workspace)]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )


class IdListField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        try:
            return [int(item) for item in value or []]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose conversations from the list.")) from None


class BulkForm(forms.Form):
    """Many conversations, one change: `action` is "status", "assign", "label" or "unlabel", `value` its
    argument (a status; a user id, "me" or "none"; a label id)."""

    ids = IdListField(error_messages={"required": _("Select at least one conversation.")})
    action = forms.ChoiceField(
        choices=[("status", "status"), ("assign", "assign"), ("label", "label"), ("unlabel", "unlabel")]
    )
    value = forms.CharField(max_length=40)


class LabelForm(forms.ModelForm[Label]):
    class Meta:
        model = Label
        fields = ["name", "color"]
        widgets = {"color": forms.TextInput(attrs={"type": "color"})}


class SavedReplyForm(forms.ModelForm[SavedReply]):
    class Meta:
        model = SavedReply
        fields = ["title", "body", "language", "shortcut"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 5}),
            "language": forms.Select(choices=_any(LANGUAGE_CHOICES)),
        }
        help_texts = {
            "body": _("Variables: {{ first_name }}, {{ name }}, {{ agent }}, {{ brand }}."),
        }


class SlaForm(forms.Form):
    first_response_hours = forms.DecimalField(
        label=_("First response target (business hours)"), min_value=0.25, max_digits=6, decimal_places=2
    )
    resolution_hours = forms.DecimalField(
        label=_("Resolution target (business hours)"),
        min_value=0.25,
        max_digits=7,
        decimal_places=2,
        help_text=_("18 business hours are two days of 9:00–18:00."),
    )
    holidays = forms.CharField(
        label=_("Holidays"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One date per line (YYYY-MM-DD): no business hours on those days."),
    )

    def clean_holidays(self) -> list[date]:
        days = []
        for line in self.cleaned_data["holidays"].split():
            try:
                days.append(date.fromisoformat(line.strip()))
            except ValueError:
                raise forms.ValidationError(
                    _("“%(value)s” is not a date written YYYY-MM-DD.") % {"value": line}
                ) from None
        return days


class LabelChoiceForm(forms.Form):
    label = forms.IntegerField()
    change = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")])


class MetricsPeriodForm(forms.Form):
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data
