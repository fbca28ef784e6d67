"""`{% moderation_panel conversation %}`: routing and moderation on the inbox's conversation page."""

from __future__ import annotations

from typing import Any

from django import template

from comptoir.inbox.models import Conversation
from comptoir.moderation import queries
from comptoir.moderation.forms import RouteForm

register = template.Library()


@register.inclusion_tag("moderation/_conversation_panel.html", takes_context=True)
def moderation_panel(context: template.Context, conversation: Conversation) -> dict[str, Any]:
    workspace = conversation.workspace
    inbound = [message for message in conversation.messages.all() if message.direction == "inbound"]
    return {
        "request": context.get("request"),
        "can": context.get("can", {}),
        "current_workspace": workspace,
        "conversation": conversation,
        "referrals": queries.referrals_of_conversation(workspace, conversation.pk),
        "log": queries.log_of(workspace).filter(conversation=conversation)[:20],
        "route_form": RouteForm(workspace),
        "latest_inbound": inbound[-1] if inbound else None,
    }
