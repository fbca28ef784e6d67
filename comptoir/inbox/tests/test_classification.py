"""New inbound messages are classified right after the sync; without the classifier they stay unclassified."""

from __future__ import annotations

import sys

import pytest

import comptoir
from comptoir.inbox.models import Message
from comptoir.inbox.sync import sync_channel_inbox
from comptoir.providers.base import InboxPage
from comptoir.testing.factories import ChannelFactory
from comptoir.workspaces.models import Membership

from .conftest import ScriptedProvider, item

FRENCH = "Bonjour, je suis très déçu, ma commande n'est jamais arrivée et personne ne répond."


def test_new_messages_get_language_and_sentiment(
    owner: Membership, scripted: dict[int, ScriptedProvider]
) -> None:
    channel = ChannelFactory(workspace=owner.workspace)
    scripted[channel.pk] = ScriptedProvider({"": InboxPage(items=[item("$a", text=FRENCH)], cursor="c1")})
    sync_channel_inbox(channel)
    message = Message.objects.get()
    assert message.classified_at is not None
    assert message.language == "fr"
    assert message.sentiment in {"negative", "neutral", "positive"}
    assert message.classification_scores is not None
    assert set(message.classification_scores["sentiment"]) == {"negative", "neutral", "positive"}


def test_without_the_classifier_messages_are_stored_unclassified(
    owner: Membership, scripted: dict[int, ScriptedProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "comptoir.nlp", None)
    monkeypatch.delattr(comptoir, "nlp", raising=False)
    channel = ChannelFactory(workspace=owner.workspace)
    scripted[channel.pk] = ScriptedProvider({"": InboxPage(items=[item("$a", text=FRENCH)], cursor="c1")})
    report = sync_channel_inbox(channel)
    message = Message.objects.get()
    assert report.stored == 1
    assert (message.classified_at, message.language, message.sentiment) == (None, "", "")
