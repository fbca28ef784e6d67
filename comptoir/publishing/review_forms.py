"""Forms of the review workflow: submit, decide, comment, schedule, edit a variant, and the review links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.accounts.models import User
from comptoir.publishing.approvals import MAX_REVIEW_LINK_DAYS, REVIEW_LINK_DAYS, approvers_of
from comptoir.publishing.local_time import LocalMoment, local_to_utc
from comptoir.workspaces.models import Workspace

LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]

DECISION_CHOICES = [
    ("approve", gettext_lazy("Approve")),
    ("request_changes", gettext_lazy("Request changes")),
    ("reject", gettext_lazy("Reject")),
]


class WallClockField(forms.CharField):
    """A date and time typed in the workspace's time zone; the form turns it into UTC."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}))
        super().__init__(**kwargs)


def wall_clock_moment(form: forms.Form, field: str, workspace: Workspace) -> LocalMoment | None:
    value = str(form.cleaned_data.get(field) or "").strip()
    if not value:
        return None
    for format in LOCAL_FORMATS:
        try:
            wall_clock = datetime.strptime(value, format)  # noqa: DTZ007 - a wall-clock time, zoned below
        except ValueError:
            continue
        moment = local_to_utc(wall_clock, workspace.zone)
        if moment.utc < timezone.now():
            form.add_error(field, _("This time has already passed."))
            return None
        return moment
    form.add_error(field, _("Enter a date and time such as 2026-03-29 09:30."))
    return None


class SubmitForm(forms.Form):
    reviewers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Reviewers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Nobody ticked: everyone who may approve is asked."),
    )
    planned_at = WallClockField(label=gettext_lazy("Planned date and time"), required=False)
    comment = forms.CharField(
        label=gettext_lazy("Note to the reviewers"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.moment: LocalMoment | None = None
        approvers = [user.pk for user in approvers_of(workspace)]
        self.fields["reviewers"].queryset = User.objects.filter(pk__in=approvers)  # type: ignore[attr-defined]
        self.fields["planned_at"].help_text = _(
            "Optional, in %(zone)s: approval then schedules the post at that time."
        ) % {"zone": workspace.time_zone}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.moment = wall_clock_moment(self, "planned_at", self.workspace)
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=DECISION_CHOICES)
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required to request changes or to reject."),
    )


class LinkDecisionForm(DecisionForm):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=120)
    field_order = ["name", "comment", "decision"]


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ScheduleForm(forms.Form):
    publish_at = WallClockField(label=gettext_lazy("Date and time"))

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.moment: LocalMoment | None = None
        self.fields["publish_at"].help_text = _("In the workspace's time zone, %(zone)s.") % {
            "zone": workspace.time_zone
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "publish_at" in cleaned:
            self.moment = wall_clock_moment(self, "publish_at", self.workspace)
        return cleaned


class VariantForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 4}))


class ReviewLinkForm(forms.Form):
    label = forms.CharField(
        label=gettext_lazy("For whom"),
        max_length=120,
        required=False,
        help_text=gettext_lazy("Only the team sees it, e.g. the client's name."),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        max_value=MAX_REVIEW_LINK_DAYS,
        initial=REVIEW_LINK_DAYS,
    )


class ApprovalPolicyForm(forms.Form):
    approval_required = forms.BooleanField(
        label=gettext_lazy("Posts must be approved before anyone schedules them"), required=False
    )
