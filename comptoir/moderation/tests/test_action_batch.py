"""Rule actions on a batch are written together, with the outcomes they had one by one: a later rule sees what an
earlier one did to the same message or conversation, and every action stays logged and undoable."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.fixtures import Settings

from comptoir.channels.models import Channel
from comptoir.inbox.models import Label, Referral
from comptoir.moderation import actions as moderation_actions
from comptoir.moderation.actions import do_undo
from comptoir.moderation.engine import moderate_messages
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.testing.factories import DepartmentFactory, RuleFactory
from comptoir.workspaces.models import AuditEntry, Membership

from .conftest import RecordingProvider, WebhookReceiver, message_on


def rule(channel: Channel, name: str, *actions: dict[str, Any]) -> Rule:
    created: Rule = RuleFactory(workspace=channel.workspace, name=name, actions=list(actions))
    return created


def test_a_message_queued_then_hidden_leaves_the_queue_and_both_are_logged(
    bluesky_channel: Channel, provider: RecordingProvider
) -> None:
    rule(bluesky_channel, "À revoir", {"type": "queue"})
    rule(bluesky_channel, "À cacher", {"type": "hide"})
    message = message_on(bluesky_channel, "arnaque")
    moderate_messages([message.pk])
    item = QueueItem.objects.get()
    assert item.status == QueueItem.Status.HIDDEN and item.decided_at is not None
    queued, hidden = ActionLog.objects.order_by("id")
    assert (queued.action, queued.outcome, queued.payload) == ("queue", "done", {"queue_item": item.pk})
    assert (hidden.action, hidden.outcome) == ("hide", "done")


def test_a_conversation_is_labelled_once_per_batch_and_the_label_can_be_undone(
    matrix_channel: Channel, owner: Membership
) -> None:
    label = Label.objects.create(workspace=matrix_channel.workspace, name="Arnaques")
    rule(matrix_channel, "Étiquette", {"type": "label", "label": label.pk})
    first = message_on(matrix_channel, "arnaque")
    second = message_on(matrix_channel, "encore une arnaque", conversation=first.conversation)
    moderate_messages([first.pk, second.pk])
    assert list(first.conversation.labels.all()) == [label]
    done, skipped = ActionLog.objects.order_by("id")
    assert (done.outcome, done.payload, skipped.outcome) == ("done", {"label": label.pk}, "skipped")
    do_undo(done, owner.user)
    assert not first.conversation.labels.exists()


def test_a_message_queued_twice_in_a_batch_is_queued_once(matrix_channel: Channel) -> None:
    rule(matrix_channel, "Une", {"type": "queue"})
    second_rule = rule(matrix_channel, "Deux", {"type": "queue"})
    moderate_messages([message_on(matrix_channel, "arnaque").pk])
    assert QueueItem.objects.count() == 1
    assert [entry.outcome for entry in ActionLog.objects.order_by("id")] == ["done", "skipped"]
    second_rule.refresh_from_db()
    assert (second_rule.matches_count, second_rule.actions_count) == (1, 0)


def test_routed_messages_are_audited_and_a_refused_delivery_is_logged_as_failed(
    matrix_channel: Channel, webhook_receiver: WebhookReceiver, settings: Settings
) -> None:
    settings.ALLOW_PRIVATE_NETWORKS = True  # the receiver listens on 127.0.0.1
    webhook_receiver.statuses = [404]
    department = DepartmentFactory(
        workspace=matrix_channel.workspace, name="SAV", email="", webhook_url=webhook_receiver.url
    )
    routing = rule(matrix_channel, "SAV", {"type": "route", "department": department.pk})
    moderate_messages([message_on(matrix_channel, "arnaque").pk])
    referral = Referral.objects.get()
    entry = ActionLog.objects.get()
    assert entry.payload == {"referral": referral.pk}
    # Deliveries run inline in tests, so the log entry learns the outcome as it did one by one.
    assert (referral.delivery, entry.outcome) == (Referral.Delivery.FAILED, "failed")
    assert entry.detail.startswith("SAV") and "404" in entry.detail
    # The audit entry `do_route` would have written one by one.
    audited = AuditEntry.objects.get(object_type="referral", object_id=str(referral.pk))
    assert (audited.actor_label, audited.action, audited.object_repr) == ("system", "create", str(referral))
    assert audited.changes == {
        "department": [None, str(department.pk)],
        "message": [None, str(referral.message_id)],
        "reason": [None, referral.reason],
    }
    routing.refresh_from_db()
    assert (routing.matches_count, routing.actions_count) == (1, 0)


def test_actions_taken_before_a_failure_are_still_logged(
    bluesky_channel: Channel, provider: RecordingProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    rule(bluesky_channel, "Cacher", {"type": "hide"}, {"type": "assign", "user": 0})

    def broken(*_args: Any) -> Any:
        raise RuntimeError("assign broke")

    monkeypatch.setitem(moderation_actions.ACTIONS, "assign", broken)
    with pytest.raises(RuntimeError):
        moderate_messages([message_on(bluesky_channel, "arnaque").pk])
    # The network already hid the message: its log entry is written whatever came next.
    assert [entry.action for entry in ActionLog.objects.all()] == ["hide"]
