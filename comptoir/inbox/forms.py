"""The inbox filter form, built from the workspace's channels and members, and the conversation forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from comptoir.channels.queries import channels_of
from comptoir.inbox.models import Conversation
from comptoir.inbox.queries import InboxFilters
from comptoir.workspaces.models import LANGUAGE_CHOICES, Workspace
from comptoir.workspaces.permissions import Permission
from comptoir.workspaces.queries import members_of

UNASSIGNED = "none"
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
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.TypedChoiceField)
        channel_field.choices = _any([(str(c.id), c.name) for c in channels_of(workspace)])
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
