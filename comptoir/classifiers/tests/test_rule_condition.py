"""The moderation condition "workspace classifier says <label> with at least <threshold>", through the real
rules engine and the rule builder."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.classifiers.training import do_train_classifier
from comptoir.inbox.models import Label, Message
from comptoir.moderation.engine import moderate_messages
from comptoir.moderation.models import QueueItem, Rule
from comptoir.moderation.rules import check_condition
from comptoir.testing.factories import LabelFactory, MessageFactory, RuleFactory, WorkspaceFactory
from comptoir.workspaces.models import Membership


def says(classifier: WorkspaceClassifier, label: Label, threshold: str = "0.6") -> dict[str, Any]:
    return check_condition("classifier", f"{classifier.pk}:{label.pk}", threshold)


def moderate(owner: Membership, *texts: str) -> list[Message]:
    messages = [
        MessageFactory(conversation__contact__channel__workspace=owner.workspace, text=t) for t in texts
    ]
    moderate_messages([message.pk for message in messages])
    return messages


def test_the_condition_queues_what_the_classifier_says(
    owner: Membership, trained: WorkspaceClassifier, delivery: Label
) -> None:
    RuleFactory(workspace=owner.workspace, name="Colis", conditions=[says(trained, delivery)])

    parcel, _invoice = moderate(owner, "Mon colis n'est jamais arrivé", "Ma facture de mars est fausse")

    item = QueueItem.objects.get()
    assert item.message == parcel
    assert item.reason.startswith("Colis: Sujet says Livraison 0.")
    assert item.reason.split(" ≥ ")[1] == "0.60"


def test_below_the_threshold_nothing_matches(
    owner: Membership, trained: WorkspaceClassifier, delivery: Label
) -> None:
    RuleFactory(workspace=owner.workspace, conditions=[says(trained, delivery, "1")])
    moderate(owner, "Mon colis n'est jamais arrivé")
    assert not QueueItem.objects.exists()


def test_a_classifier_without_a_model_matches_nothing(
    owner: Membership, topics: WorkspaceClassifier, delivery: Label
) -> None:
    RuleFactory(workspace=owner.workspace, conditions=[says(topics, delivery, "0")])
    moderate(owner, "Mon colis n'est jamais arrivé")
    assert not QueueItem.objects.exists()


def test_a_label_the_model_was_not_trained_on_matches_nothing(
    owner: Membership, trained: WorkspaceClassifier
) -> None:
    added = LabelFactory(workspace=owner.workspace, name="Presse")
    trained.labels.add(added)
    RuleFactory(workspace=owner.workspace, conditions=[says(trained, added, "0")])
    moderate(owner, "Bonjour, je suis journaliste")
    assert not QueueItem.objects.exists()


def test_another_workspaces_classifier_is_never_asked(
    owner: Membership, trained: WorkspaceClassifier, delivery: Label
) -> None:
    elsewhere = WorkspaceFactory()
    RuleFactory(workspace=elsewhere, conditions=[says(trained, delivery, "0")])
    message = MessageFactory(conversation__contact__channel__workspace=elsewhere, text="Mon colis est perdu")
    moderate_messages([message.pk])
    assert not QueueItem.objects.exists()


def test_a_failed_retraining_keeps_the_rule_working(
    owner: Membership, trained: WorkspaceClassifier, delivery: Label, billing: Label
) -> None:
    billing.delete()
    do_train_classifier(trained)
    trained.refresh_from_db()
    assert trained.state == WorkspaceClassifier.State.FAILED
    RuleFactory(workspace=owner.workspace, conditions=[says(trained, delivery)])

    moderate(owner, "Mon colis n'est jamais arrivé")

    assert QueueItem.objects.count() == 1


def builder_post(condition: dict[str, str]) -> dict[str, str]:
    return {
        "name": "Colis",
        "match": "all",
        "enabled": "on",
        "conditions-TOTAL_FORMS": "1",
        "conditions-INITIAL_FORMS": "0",
        **{f"conditions-0-{key}": value for key, value in condition.items()},
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-kind": "queue",
    }


def test_the_rule_builder_saves_a_classifier_condition(
    owner: Membership, owner_client: Client, trained: WorkspaceClassifier, delivery: Label
) -> None:
    url = reverse("moderation:rule_create", args=[owner.workspace.slug])
    choice = f"{trained.pk}:{delivery.pk}"
    response = owner_client.post(
        url, builder_post({"kind": "classifier", "classifier": choice, "value": "0,7"})
    )
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.conditions == [
        {"type": "classifier", "classifier": trained.pk, "label": delivery.pk, "threshold": 0.7}
    ]
    page = owner_client.get(reverse("moderation:rule_edit", args=[owner.workspace.slug, rule.pk]))
    assert f'value="{choice}" selected' in page.content.decode()


def test_the_rule_builder_offers_only_trained_classifiers(
    owner: Membership, owner_client: Client, trained: WorkspaceClassifier, delivery: Label
) -> None:
    untrained = WorkspaceClassifier.objects.create(workspace=owner.workspace, name="Jamais entraîné")
    untrained.labels.set([delivery, LabelFactory(workspace=owner.workspace)])
    page = owner_client.get(reverse("moderation:rule_create", args=[owner.workspace.slug])).content.decode()
    assert f'value="{trained.pk}:{delivery.pk}"' in page
    assert "Jamais entraîné" not in page
    assert "Only trained classifiers are offered" in page

    url = reverse("moderation:rule_create", args=[owner.workspace.slug])
    choice = f"{untrained.pk}:{delivery.pk}"
    response = owner_client.post(
        url, builder_post({"kind": "classifier", "classifier": choice, "value": "0.7"})
    )
    assert response.status_code == 422
    assert "Choose a trained workspace classifier" in response.content.decode()
    assert not Rule.objects.exists()


def test_a_rule_whose_classifier_was_deleted_says_so(
    owner: Membership, owner_client: Client, trained: WorkspaceClassifier, delivery: Label
) -> None:
    rule = RuleFactory(workspace=owner.workspace, conditions=[says(trained, delivery)])
    trained.delete()
    page = owner_client.get(reverse("moderation:rule_edit", args=[owner.workspace.slug, rule.pk]))
    assert "This classifier is no longer trained on this label" in page.content.decode()
