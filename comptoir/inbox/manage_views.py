"""Web views that shape the inbox rather than work in it: labels, saved replies, SLA targets, and the
response-time metrics page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.inbox import actions, queries
from comptoir.inbox.forms import LabelForm, MetricsPeriodForm, SavedReplyForm, SlaForm
from comptoir.inbox.metrics import response_metrics
from comptoir.inbox.sla import policy_of
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission


@workspace_view(Permission.MANAGE_INBOX)
def labels(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The workspace's labels, and the form that adds one."""
    workspace = membership.workspace
    form = LabelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            label = actions.do_create_label(
                workspace, membership.user, form.cleaned_data["name"], form.cleaned_data["color"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Label “%(name)s” created.") % {"name": label.name})
            return redirect("inbox:labels", workspace=workspace.slug)
    context = {"labels": queries.labels_of(workspace), "form": form}
    return render(request, "inbox/labels.html", context, status=422 if form.errors else 200)


@workspace_view(Permission.MANAGE_INBOX)
def edit_label(request: HttpRequest, membership: Membership, label_id: int) -> HttpResponse:
    label = queries.label_of(membership.workspace, label_id)
    form = LabelForm(request.POST or None, instance=label)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_label(
                label, membership.user, form.cleaned_data["name"], form.cleaned_data["color"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Label saved."))
            return redirect("inbox:labels", workspace=membership.workspace.slug)
    label.refresh_from_db()
    context = {"label": label, "form": form}
    return render(request, "inbox/label_form.html", context, status=422 if form.errors else 200)


@workspace_view(Permission.MANAGE_INBOX)
@require_POST
def delete_label(request: HttpRequest, membership: Membership, label_id: int) -> HttpResponse:
    label = queries.label_of(membership.workspace, label_id)
    actions.do_delete_label(label, membership.user)
    messages.success(request, _("Label “%(name)s” deleted.") % {"name": label.name})
    return redirect("inbox:labels", workspace=membership.workspace.slug)


@workspace_view(Permission.MANAGE_INBOX)
def saved_replies(request: HttpRequest, membership: Membership) -> HttpResponse:
    """The workspace's saved replies, and the form that adds one."""
    workspace = membership.workspace
    form = SavedReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_create_saved_reply(workspace, membership.user, **_saved_reply_fields(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved reply created."))
            return redirect("inbox:saved_replies", workspace=workspace.slug)
    context = {"saved_replies": queries.saved_replies_of(workspace), "form": form}
    return render(request, "inbox/saved_replies.html", context, status=422 if form.errors else 200)


def _saved_reply_fields(form: SavedReplyForm) -> dict[str, str]:
    return {name: form.cleaned_data[name] for name in ("title", "body", "language", "shortcut")}


@workspace_view(Permission.MANAGE_INBOX)
def edit_saved_reply(request: HttpRequest, membership: Membership, saved_reply_id: int) -> HttpResponse:
    saved = queries.saved_reply_of(membership.workspace, saved_reply_id)
    form = SavedReplyForm(request.POST or None, instance=saved)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_saved_reply(saved, membership.user, **_saved_reply_fields(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved reply saved."))
            return redirect("inbox:saved_replies", workspace=membership.workspace.slug)
    saved.refresh_from_db()
    context = {"saved": saved, "form": form}
    return render(request, "inbox/saved_reply_form.html", context, status=422 if form.errors else 200)


@workspace_view(Permission.MANAGE_INBOX)
@require_POST
def delete_saved_reply(request: HttpRequest, membership: Membership, saved_reply_id: int) -> HttpResponse:
    saved = queries.saved_reply_of(membership.workspace, saved_reply_id)
    actions.do_delete_saved_reply(saved, membership.user)
    messages.success(request, _("Saved reply “%(title)s” deleted.") % {"title": saved.title})
    return redirect("inbox:saved_replies", workspace=membership.workspace.slug)


@workspace_view(Permission.MANAGE_INBOX)
def sla_settings(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    policy = policy_of(workspace)
    initial = {
        "first_response_hours": Decimal(policy.first_response_minutes) / 60,
        "resolution_hours": Decimal(policy.resolution_minutes) / 60,
        "holidays": "\n".join(policy.holidays),
    }
    form = SlaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actions.do_set_sla_policy(
            workspace,
            membership.user,
            round(form.cleaned_data["first_response_hours"] * 60),
            round(form.cleaned_data["resolution_hours"] * 60),
            form.cleaned_data["holidays"],
        )
        messages.success(request, _("SLA targets saved. They apply to conversations opened from now on."))
        return redirect("inbox:sla_settings", workspace=workspace.slug)
    context = {"form": form}
    return render(request, "inbox/sla_settings.html", context, status=422 if form.errors else 200)


@workspace_view(Permission.VIEW_INBOX)
def metrics(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Response times of the team over a period (the last 30 days unless asked otherwise)."""
    workspace = membership.workspace
    today = timezone.localdate(timezone=workspace.zone)
    form = MetricsPeriodForm(
        request.GET or None, initial={"since": today - timedelta(days=29), "until": today}
    )
    since, until = today - timedelta(days=29), today
    if form.is_valid():
        since = form.cleaned_data["since"] or since
        until = form.cleaned_data["until"] or until
    context = {"form": form, "metrics": response_metrics(workspace, since, until)}
    return render(request, "inbox/metrics.html", context)
