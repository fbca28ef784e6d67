"""Web views: the inbox list with filters and bulk actions, a conversation with its contact panel, and the CM's
actions on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from comptoir.accounts.models import User
from comptoir.inbox import actions, queries
from comptoir.inbox.forms import (
    UNASSIGNED,
    AssignForm,
    BulkForm,
    FilterForm,
    LabelChoiceForm,
    NoteForm,
    ReplyForm,
    StatusForm,
    repliers,
)
from comptoir.inbox.models import Conversation, Label, OutboundReply, SavedReply
from comptoir.inbox.saved_replies import fill_saved_reply, variables_for
from comptoir.inbox.sla import Timer, reply_window_of, running_timers, timers_of
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership, Workspace
from comptoir.workspaces.permissions import Permission
from comptoir.workspaces.queries import members_of

PAGE_SIZE = 50


@dataclass(frozen=True)
class InboxRow:
    """A conversation with what its chips say: running SLA clocks and the network's reply window."""

    conversation: Conversation
    timers: list[Timer]
    window_state: str
    window_closes_at: datetime | None


def _row(conversation: Conversation, timers: list[Timer], now: datetime) -> InboxRow:
    # A finished conversation needs no warning that it can no longer be answered.
    window = reply_window_of(conversation) if conversation.status != Conversation.Status.DONE else None
    if window is None:
        return InboxRow(conversation, timers, "", None)
    return InboxRow(conversation, timers, window.state(now), window.closes_at)


@workspace_view(Permission.VIEW_INBOX)
def inbox(request: HttpRequest, membership: Membership) -> HttpResponse:
    workspace = membership.workspace
    now = timezone.now()
    form = FilterForm(workspace, request.GET)
    page = _page_number(request.GET.get("page", ""))
    start = (page - 1) * PAGE_SIZE
    # One more than a page tells whether a next page exists without counting the whole inbox.
    filtered = queries.filtered_conversations(workspace, form.filters(), now)
    found = list(filtered[start : start + PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        # The list shows the most urgent running clock only; the conversation page shows them all.
        "rows": [_row(c, running_timers(c)[:1], now) for c in found[:PAGE_SIZE]],
        "conversations": found[:PAGE_SIZE],
        "page": page,
        "has_next": len(found) > PAGE_SIZE,
        "query": query.urlencode(),
        "now": now,
        "labels": queries.labels_of(workspace),
        "repliers": repliers(workspace),
        "statuses": Conversation.Status.choices,
        "back": request.get_full_path(),
    }
    # The filter form asks HTMX for the list alone; a plain visit (or a shared URL) gets the whole page.
    template = "inbox/_conversations.html" if request.headers.get("HX-Request") else "inbox/inbox.html"
    return render(request, template, context)


def _page_number(value: str) -> int:
    return max(int(value), 1) if value.isdigit() and len(value) < 7 else 1


@workspace_view(Permission.REPLY_INBOX)
@require_POST
def bulk(request: HttpRequest, membership: Membership) -> HttpResponse:
    """Applies one change to every selected conversation, each through its own audited action, all or none."""
    workspace = membership.workspace
    form = BulkForm(request.POST)
    back = _safe_back(request, reverse("inbox:inbox", args=[workspace.slug]))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    found = list(queries.conversations_by_ids(workspace, form.cleaned_data["ids"]))
    try:
        change = _bulk_change(membership, form.cleaned_data["action"], form.cleaned_data["value"])
        with transaction.atomic():
            for conversation in found:
                change(conversation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext("%(count)d conversation updated.", "%(count)d conversations updated.", len(found))
        % {"count": len(found)},
    )
    return redirect(back)


def _bulk_change(membership: Membership, action: str, value: str) -> Callable[[Conversation], object]:
    workspace, actor = membership.workspace, membership.user
    if action == "status":
        return lambda conversation: actions.do_change_status(conversation, actor, value)
    if action == "assign":
        assignee = _assignee(workspace, actor, value)
        return lambda conversation: actions.do_assign(conversation, actor, assignee)
    label = _label(workspace, value)
    if action == "label":
        return lambda conversation: actions.do_add_label(conversation, actor, label)
    return lambda conversation: actions.do_remove_label(conversation, actor, label)


def _label(workspace: Workspace, value: str) -> Label:
    label = queries.labels_of(workspace).filter(id=int(value)).first() if value.isdigit() else None
    if label is None:
        raise ValidationError(_("Choose a label."))
    return label


def _assignee(workspace: Workspace, actor: User, value: str) -> User | None:
    if value == "me":
        return actor
    if value == UNASSIGNED:
        return None
    member = members_of(workspace).filter(user_id=int(value)).first() if value.isdigit() else None
    if member is None:
        raise ValidationError(_("Conversations go to team members who may reply."))
    return member.user


def _safe_back(request: HttpRequest, default: str) -> str:
    """Where to return after a POST: the page the person came from, if it is one of ours."""
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return default


def _conversation_page(
    request: HttpRequest,
    membership: Membership,
    conversation: Conversation,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace = membership.workspace
    contact = conversation.contact
    conversation_labels = list(conversation.labels.all())
    context = {
        "conversation": conversation,
        "messages_list": queries.messages_of(conversation),
        "replies": queries.replies_of(conversation).exclude(state=OutboundReply.State.SENT),
        "notes": conversation.notes.select_related("author"),
        "contact": contact,
        "history": queries.other_conversations_of(contact, conversation)[:20] if contact else [],
        "reply_form": reply_form or ReplyForm(),
        "status_form": StatusForm(initial={"status": conversation.status}),
        "assign_form": AssignForm(workspace, initial={"assignee": conversation.assignee_id or ""}),
        "note_form": NoteForm(),
        "row": _row(conversation, timers_of(conversation), timezone.now()),
        "now": timezone.now(),
        "conversation_labels": conversation_labels,
        "other_labels": queries.labels_of(workspace).exclude(
            id__in=[label.id for label in conversation_labels]
        ),
        "saved_replies": _filled_saved_replies(membership, conversation),
    }
    return render(request, "inbox/conversation.html", context, status=status)


@dataclass(frozen=True)
class FilledSavedReply:
    saved: SavedReply
    text: str
    error: str


def _filled_saved_replies(membership: Membership, conversation: Conversation) -> list[FilledSavedReply]:
    """Every saved reply, its variables filled for this contact and agent (or the reason they cannot be)."""
    values = variables_for(conversation.contact, membership.user, membership.workspace)
    filled = []
    for saved in queries.saved_replies_of(membership.workspace):
        try:
            filled.append(FilledSavedReply(saved, fill_saved_reply(saved.body, values), ""))
        except ValidationError as error:
            filled.append(FilledSavedReply(saved, "", " ".join(error.messages)))
    return filled


@workspace_view(Permission.VIEW_INBOX)
def conversation(request: HttpRequest, membership: Membership, conversation_id: int) -> HttpResponse:
    return _conversation_page(
        request, membership, queries.conversation_of(membership.workspace, conversation_id)
    )


def _back(membership: Membership, conversation: Conversation) -> HttpResponse:
    return redirect(
        "inbox:conversation", workspace=membership.workspace.slug, conversation_id=conversation.id
    )


@workspace_view(Permission.REPLY_INBOX)
@require_POST
def reply(request: HttpRequest, membership: Membership, conversation_id: int) -> HttpResponse:
    found = queries.conversation_of(membership.workspace, conversation_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _conversation_page(request, membership, found, form, status=422)
    message = queries.message_of(found, form.cleaned_data["message"])
    try:
        sent = actions.do_reply(found, message, membership.user, form.cleaned_data["text"])
    except ValidationError as error:
        form.add_error(None, error)
        return _conversation_page(request, membership, found, form, status=422)
    if sent.state == OutboundReply.State.SENT:
        messages.success(request, _("Reply sent."))
    elif sent.state == OutboundReply.State.PENDING:
        messages.warning(request, _("The network is busy: the reply will be sent again shortly."))
    elif sent.state == OutboundReply.State.UNKNOWN:
        messages.error(
            request,
            _("The network did not confirm the reply. Check the conversation before sending it again."),
        )
    else:
        messages.error(request, _("The reply was refused: %(error)s") % {"error": sent.error})
    return _back(membership, found)


@workspace_view(Permission.REPLY_INBOX)
@require_POST
def change_status(request: HttpRequest, membership: Membership, conversation_id: int) -> HttpResponse:
    found = queries.conversation_of(membership.workspace, conversation_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        actions.do_change_status(found, membership.user, form.cleaned_data["status"])
    return _back(membership, found)


@workspace_view(Permission.REPLY_INBOX)
@require_POST
def assign(request: HttpRequest, membership: Membership, conversation_id: int) -> HttpResponse:
    found = queries.conversation_of(membership.workspace, conversation_id)
    form = AssignForm(membership.workspace, request.POST)
    if form.is_valid():
        chosen = form.cleaned_data["assignee"]
        assignee = User.objects.get(pk=int(chosen)) if chosen else None
        try:
            actions.do_assign(found, membership.user, assignee)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Conversations go to team members who may reply."))
    return _back(membership, found)


@workspace_view(Permission.REPLY_INBOX)
@require_POST
def add_note(request: HttpRequest, membership: Membership, conversation_id: int) -> HttpResponse:
    found = queries.conversation_of(membership.workspace, conversation_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        actions.do_add_note(found, membership.user, form.cleaned_data["text"])
    else:
        messages.error(request, _("A note cannot be empty."))
    return _back(membership, found)


@workspace_view(Permission.REPLY_INBOX)
@require_POST
def change_labels(request: HttpRequest, membership: Membership, conversation_id: int) -> HttpResponse:
    """Adds (`add`) or removes (`remove`) one label on the conversation."""
    found = queries.conversation_of(membership.workspace, conversation_id)
    form = LabelChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a label."))
        return _back(membership, found)
    label = queries.label_of(membership.workspace, form.cleaned_data["label"])
    if form.cleaned_data["change"] == "add":
        actions.do_add_label(found, membership.user, label)
    else:
        actions.do_remove_label(found, membership.user, label)
    return _back(membership, found)
