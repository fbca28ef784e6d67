"""Rules run right after the sync's classification step; unsure classifier hits wait in the queue."""

from __future__ import annotations

import pytest

from comptoir.channels.models import Channel
from comptoir.inbox.models import Message
from comptoir.inbox.sync import sync_channel_inbox
from comptoir.inbox.tests.conftest import ScriptedProvider, item
from comptoir.moderation.engine import moderate_messages
from comptoir.moderation.models import ActionLog, QueueItem
from comptoir.moderation.rules import check_condition
from comptoir.providers.base import InboxPage
from comptoir.testing.factories import RuleFactory

from .conftest import message_on, scores

SPAM = "GAGNEZ 1000€ MAINTENANT !!! Cliquez sur http://bit.ly/gain-facile pour recevoir votre cadeau gratuit"


@pytest.fixture
def synced_channel(matrix_channel: Channel, monkeypatch: pytest.MonkeyPatch) -> Channel:
    items = [item("$spam", text=SPAM), item("$hello", text="Bonjour, à quelle heure ouvrez-vous ?")]
    # The network hands the same page again after the cursor: fetching is at-least-once.
    pages = {"": InboxPage(items=items, cursor="c1"), "c1": InboxPage(items=items, cursor="c1")}
    monkeypatch.setattr("comptoir.inbox.sync.provider_for", lambda channel: ScriptedProvider(pages))
    return matrix_channel


def test_a_rule_on_classifier_scores_acts_on_the_new_messages(synced_channel: Channel) -> None:
    RuleFactory(
        workspace=synced_channel.workspace,
        name="Spam",
        conditions=[check_condition("score", "spam:spam", "0.5")],
        actions=[{"type": "queue"}],
    )
    sync_channel_inbox(synced_channel)
    spam = Message.objects.get(external_id="$spam")
    assert spam.classified_at is not None and spam.spam
    item = QueueItem.objects.get()
    assert item.message == spam
    assert item.reason.startswith("Spam: spam:spam ")
    assert ActionLog.objects.get().message == spam


def test_messages_synced_again_are_not_moderated_twice(synced_channel: Channel) -> None:
    RuleFactory(workspace=synced_channel.workspace, conditions=[check_condition("keywords", "", "bonjour")])
    sync_channel_inbox(synced_channel)
    sync_channel_inbox(synced_channel)
    assert ActionLog.objects.get().message.external_id == "$hello"


def test_an_unsure_classifier_hit_goes_to_the_queue(matrix_channel: Channel) -> None:
    unsure = message_on(matrix_channel, "…", spam=True, classification_scores=scores(spam=0.55))
    message_on(matrix_channel, "…", spam=True, classification_scores=scores(spam=0.95))
    moderate_messages(list(Message.objects.values_list("pk", flat=True)))
    item = QueueItem.objects.get()
    assert (item.message, item.rule, item.reason) == (unsure, None, "Classifier unsure: spam 0.55")


def test_an_unsure_hit_a_rule_queued_in_the_same_batch_is_queued_once(matrix_channel: Channel) -> None:
    rule = RuleFactory(workspace=matrix_channel.workspace)
    queued = message_on(matrix_channel, "arnaque", spam=True, classification_scores=scores(spam=0.55))
    unsure = message_on(matrix_channel, "…", spam=True, classification_scores=scores(spam=0.6))
    report = moderate_messages([queued.pk, unsure.pk])
    assert report.queued_unsure == 1
    items = {item.message_id: item for item in QueueItem.objects.all()}
    assert (items[queued.pk].rule, items[unsure.pk].rule) == (rule, None)
