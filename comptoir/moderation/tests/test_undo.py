"""Undoing an automatic action: unhide, unban, unlabel, unassign, out of the queue; a deletion cannot be undone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from comptoir.channels.models import Channel
from comptoir.inbox.models import Label
from comptoir.moderation.actions import do_undo
from comptoir.moderation.engine import moderate_messages
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.providers.base import ModerationAction
from comptoir.testing.factories import MembershipFactory, RuleFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role

from .conftest import RecordingProvider, message_on


def run(channel: Channel, *actions: dict[str, Any]) -> tuple[Rule, ActionLog]:
    rule: Rule = RuleFactory(workspace=channel.workspace, actions=list(actions))
    message = message_on(channel, "arnaque")
    moderate_messages([message.pk])
    return rule, ActionLog.objects.get()


def test_undo_hide_unhides_on_the_network_and_counts(
    bluesky_channel: Channel, provider: RecordingProvider, owner: Membership
) -> None:
    rule, entry = run(bluesky_channel, {"type": "hide"})
    do_undo(entry, owner.user)
    assert [action for action, _target in provider.calls] == [ModerationAction.HIDE, ModerationAction.UNHIDE]
    entry.refresh_from_db()
    assert (entry.undone_by, entry.undone_at is not None) == (owner.user, True)
    rule.refresh_from_db()
    assert rule.undone_count == 1
    assert AuditEntry.objects.filter(object_type="actionlog", object_id=str(entry.pk)).exists()


def test_undo_ban_unbans_the_author(
    bluesky_channel: Channel, provider: RecordingProvider, owner: Membership
) -> None:
    _rule, entry = run(bluesky_channel, {"type": "ban"})
    do_undo(entry, owner.user)
    action, target = provider.calls[-1]
    assert (action, target.author_id) == (ModerationAction.UNBAN, entry.contact.external_id)


def test_undo_label_removes_it(matrix_channel: Channel, owner: Membership) -> None:
    label = Label.objects.create(workspace=owner.workspace, name="Arnaque")
    _rule, entry = run(matrix_channel, {"type": "label", "label": label.pk})
    do_undo(entry, owner.user)
    assert not entry.conversation.labels.exists()


def test_undo_assign_gives_the_conversation_back(matrix_channel: Channel, owner: Membership) -> None:
    moderator = MembershipFactory(workspace=owner.workspace, role=Role.MODERATOR).user
    _rule, entry = run(matrix_channel, {"type": "assign", "user": moderator.pk})
    do_undo(entry, owner.user)
    entry.conversation.refresh_from_db()
    assert entry.conversation.assignee is None


def test_undo_queue_takes_the_message_out(matrix_channel: Channel, owner: Membership) -> None:
    _rule, entry = run(matrix_channel, {"type": "queue"})
    do_undo(entry, owner.user)
    assert QueueItem.objects.get().status == QueueItem.Status.REMOVED


def test_a_deletion_cannot_be_undone_and_says_so(
    bluesky_channel: Channel, provider: RecordingProvider, owner: Membership
) -> None:
    _rule, entry = run(bluesky_channel, {"type": "delete"})
    with pytest.raises(ValidationError, match="cannot be brought back"):
        do_undo(entry, owner.user)
    entry.refresh_from_db()
    assert entry.undone_at is None


def test_an_action_is_undone_once(matrix_channel: Channel, owner: Membership) -> None:
    rule, entry = run(matrix_channel, {"type": "queue"})
    do_undo(entry, owner.user)
    with pytest.raises(ValidationError, match="already undone"):
        do_undo(entry, owner.user)
    rule.refresh_from_db()
    assert rule.undone_count == 1


def test_a_skipped_action_cannot_be_undone(matrix_channel: Channel, owner: Membership) -> None:
    _rule, entry = run(matrix_channel, {"type": "hide"})
    with pytest.raises(ValidationError, match="carried out"):
        do_undo(entry, owner.user)
