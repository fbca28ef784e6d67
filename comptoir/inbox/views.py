"""Web views: the inbox list with filters, a conversation with its contact panel, and the CM's actions on it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts.models import User
from comptoir.inbox import actions, queries
from comptoir.inbox.forms import AssignForm, FilterForm, NoteForm, ReplyForm, StatusForm
from comptoir.inbox.models import Conversation, OutboundReply
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission

PAGE_SIZE = 100


@workspace_view(Permission.VIEW_INBOX)
def inbox(request: HttpRequest, membership: Membership) -> HttpResponse:
    form = FilterForm(membership.workspace, request.GET)
    conversations = queries.filtered_conversations(membership.workspace, form.filters())[:PAGE_SIZE]
    context = {"form": form, "conversations": conversations}
    # The filter form asks HTMX for the list alone; a plain visit (or a shared URL) gets the whole page.
    template = "inbox/_conversations.html" if request.headers.get("HX-Request") else "inbox/inbox.html"
    return render(request, template, context)


def _conversation_page(
    request: HttpRequest,
    membership: Membership,
    conversation: Conversation,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    workspace = membership.workspace
    contact = conversation.contact
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
    }
    return render(request, "inbox/conversation.html", context, status=status)


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
