"""Workspace classifier test helpers: labelled conversations with the messages a team would label."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from django.test import Client
from django.utils import translation

from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.classifiers.training import do_train_classifier
from comptoir.inbox.models import Conversation, Label, Message
from comptoir.testing.factories import ConversationFactory, LabelFactory, MessageFactory
from comptoir.workspaces.models import Membership, Workspace

DELIVERY = [
    "Mon colis n'est pas arrivé",
    "Où en est ma livraison ?",
    "Le livreur n'est jamais passé",
    "Colis perdu depuis une semaine",
    "Suivi de livraison bloqué",
    "Livraison en retard, le colis est introuvable",
]
BILLING = [
    "J'ai été facturé deux fois",
    "Erreur sur ma facture de mars",
    "Prélèvement incorrect sur mon compte",
    "Remboursement de la facture en attente",
    "Je conteste ce prélèvement",
    "Facture fausse, montant prélevé trop élevé",
]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are written in the active language (French by default): assertions read the source strings."""
    with translation.override("en"):
        yield


@pytest.fixture
def owner_client(owner: Membership) -> Client:
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(owner.user)
    return client


def labelled(workspace: Workspace, labels: Sequence[Label], texts: Sequence[str]) -> Conversation:
    """One conversation per call, carrying `labels`, with one received message per text."""
    conversation: Conversation = ConversationFactory(contact__channel__workspace=workspace)
    conversation.labels.set(labels)
    for text in texts:
        MessageFactory(conversation=conversation, text=text)
    return conversation


def each_labelled(workspace: Workspace, label: Label, texts: Sequence[str]) -> None:
    """One conversation per text, as a team labels conversations one by one."""
    for text in texts:
        labelled(workspace, [label], [text])


@pytest.fixture
def delivery(owner: Membership) -> Label:
    label: Label = LabelFactory(workspace=owner.workspace, name="Livraison")
    return label


@pytest.fixture
def billing(owner: Membership) -> Label:
    label: Label = LabelFactory(workspace=owner.workspace, name="Facturation")
    return label


@pytest.fixture
def topics(owner: Membership, delivery: Label, billing: Label) -> WorkspaceClassifier:
    classifier = WorkspaceClassifier.objects.create(workspace=owner.workspace, name="Sujet")
    classifier.labels.set([delivery, billing])
    return classifier


@pytest.fixture
def trained(
    owner: Membership, topics: WorkspaceClassifier, delivery: Label, billing: Label
) -> WorkspaceClassifier:
    """The topic classifier trained on six conversations of each label."""
    each_labelled(owner.workspace, delivery, DELIVERY)
    each_labelled(owner.workspace, billing, BILLING)
    do_train_classifier(topics)
    topics.refresh_from_db()
    assert topics.state == WorkspaceClassifier.State.READY
    return topics


def outbound(conversation: Conversation, text: str) -> Message:
    message: Message = MessageFactory(
        conversation=conversation, text=text, direction=Message.Direction.OUTBOUND
    )
    return message
