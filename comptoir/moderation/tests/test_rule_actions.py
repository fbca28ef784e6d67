"""Each action a rule can take, its log entry (rule, reason, outcome) and the rule's counters."""

from __future__ import annotations

from typing import Any

from comptoir.channels.models import Channel
from comptoir.inbox.models import Label, OutboundReply, Referral, SavedReply
from comptoir.moderation.engine import moderate_messages
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.providers.base import ModerationAction
from comptoir.testing.factories import DepartmentFactory, MembershipFactory, RuleFactory, UserFactory
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role

from .conftest import RecordingProvider, message_on


def spam_rule(channel: Channel, *actions: dict[str, Any]) -> Rule:
    rule: Rule = RuleFactory(workspace=channel.workspace, name="Anti-arnaque", actions=list(actions))
    return rule


def test_hide_goes_through_the_network_and_is_logged_with_its_reason(
    bluesky_channel: Channel, provider: RecordingProvider
) -> None:
    rule = spam_rule(bluesky_channel, {"type": "hide"})
    message = message_on(bluesky_channel, "Une arnaque en or")
    moderate_messages([message.pk])
    [(action, target)] = provider.calls
    assert action is ModerationAction.HIDE
    assert target.item_id == message.external_id
    entry = ActionLog.objects.get()
    assert (entry.rule, entry.action, entry.outcome) == (rule, "hide", ActionLog.Outcome.DONE)
    assert entry.reason == "Anti-arnaque: word “arnaque”"


def test_an_action_the_network_does_not_allow_is_skipped_with_a_reason(
    matrix_channel: Channel, provider: RecordingProvider
) -> None:
    spam_rule(matrix_channel, {"type": "hide"})
    moderate_messages([message_on(matrix_channel, "arnaque").pk])
    assert provider.calls == []
    entry = ActionLog.objects.get()
    assert entry.outcome == ActionLog.Outcome.SKIPPED
    assert entry.detail == "Matrix does not allow “hide” through its API."


def test_delete_and_ban_name_the_message_and_its_author(
    matrix_channel: Channel, provider: RecordingProvider
) -> None:
    spam_rule(matrix_channel, {"type": "ban"}, {"type": "delete"})
    message = message_on(matrix_channel, "arnaque")
    moderate_messages([message.pk])
    assert [(action, target.item_id, target.author_id) for action, target in provider.calls] == [
        (ModerationAction.BAN, message.external_id, message.contact.external_id),
        (ModerationAction.DELETE, message.external_id, message.contact.external_id),
    ]


def test_a_refusal_by_the_network_is_logged_as_failed(
    bluesky_channel: Channel, provider: RecordingProvider
) -> None:
    provider.refuse = True
    spam_rule(bluesky_channel, {"type": "delete"})
    moderate_messages([message_on(bluesky_channel, "arnaque").pk])
    entry = ActionLog.objects.get()
    assert (entry.outcome, entry.detail) == (ActionLog.Outcome.FAILED, "The network refused.")


def test_label_and_assign(matrix_channel: Channel, owner: Membership) -> None:
    label = Label.objects.create(workspace=owner.workspace, name="Arnaque")
    moderator = MembershipFactory(workspace=owner.workspace, role=Role.MODERATOR).user
    spam_rule(matrix_channel, {"type": "label", "label": label.pk}, {"type": "assign", "user": moderator.pk})
    message = message_on(matrix_channel, "arnaque")
    moderate_messages([message.pk])
    conversation = message.conversation
    conversation.refresh_from_db()
    assert list(conversation.labels.all()) == [label]
    assert conversation.assignee == moderator


def test_assign_to_someone_who_left_fails_in_the_log(matrix_channel: Channel) -> None:
    spam_rule(matrix_channel, {"type": "assign", "user": UserFactory().pk})
    moderate_messages([message_on(matrix_channel, "arnaque").pk])
    assert ActionLog.objects.get().outcome == ActionLog.Outcome.FAILED


def test_queue_puts_the_message_in_the_moderation_queue_once(matrix_channel: Channel) -> None:
    rule = spam_rule(matrix_channel, {"type": "queue"})
    message = message_on(matrix_channel, "arnaque")
    moderate_messages([message.pk])
    moderate_messages([message.pk])
    item = QueueItem.objects.get()
    assert (item.message, item.rule, item.status) == (message, rule, QueueItem.Status.PENDING)
    assert item.reason == "Anti-arnaque: word “arnaque”"


def test_auto_reply_goes_through_the_reply_ledger(
    bluesky_channel: Channel, provider: RecordingProvider, owner: Membership
) -> None:
    saved = SavedReply.objects.create(
        workspace=owner.workspace, title="Prudence", body="Bonjour {{ first_name }}, ne cliquez pas."
    )
    spam_rule(bluesky_channel, {"type": "reply", "saved_reply": saved.pk})
    message = message_on(bluesky_channel, "arnaque", conversation__contact__display_name="Camille Martin")
    moderate_messages([message.pk])
    reply = OutboundReply.objects.get()
    assert (reply.in_reply_to, reply.state, reply.author) == (message, OutboundReply.State.SENT, None)
    assert provider.replies == ["Bonjour Camille, ne cliquez pas."]
    assert ActionLog.objects.get().outcome == ActionLog.Outcome.DONE


def test_route_sends_the_message_to_the_department(matrix_channel: Channel, mailoutbox: list[Any]) -> None:
    department = DepartmentFactory(workspace=matrix_channel.workspace, name="SAV", email="sav@example.test")
    spam_rule(matrix_channel, {"type": "route", "department": department.pk})
    message = message_on(matrix_channel, "arnaque : ma commande n'est jamais arrivée")
    moderate_messages([message.pk])
    referral = Referral.objects.get()
    assert (referral.department, referral.message, referral.delivery) == (
        department,
        message,
        Referral.Delivery.SENT,
    )
    [mail] = mailoutbox
    assert mail.to == ["sav@example.test"]
    assert "ma commande n'est jamais arrivée" in mail.body


def test_counters_count_matches_and_actions_done(
    matrix_channel: Channel, provider: RecordingProvider
) -> None:
    rule = spam_rule(matrix_channel, {"type": "queue"}, {"type": "hide"})
    messages = [message_on(matrix_channel, text) for text in ("arnaque", "bonjour", "ARNAQUE !")]
    moderate_messages([message.pk for message in messages])
    rule.refresh_from_db()
    # Two matches; queueing done twice, hiding skipped twice (Matrix cannot hide).
    assert (rule.matches_count, rule.actions_count, rule.undone_count) == (2, 2, 0)


def test_disabled_rules_and_other_workspaces_rules_do_not_run(matrix_channel: Channel) -> None:
    RuleFactory(workspace=matrix_channel.workspace, enabled=False)
    RuleFactory()
    moderate_messages([message_on(matrix_channel, "arnaque").pk])
    assert not ActionLog.objects.exists()
