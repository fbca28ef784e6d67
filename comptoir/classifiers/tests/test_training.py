"""Training a workspace classifier from the team's labelled conversations: which messages teach it, what is
stored, and what a failed training leaves behind."""

from __future__ import annotations

import pytest

from comptoir.classifiers.jobs import retrain_workspace_classifiers, train_workspace_classifier
from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.classifiers.training import do_train_classifier, training_examples
from comptoir.inbox.models import Conversation, Label
from comptoir.testing.factories import LabelFactory, WorkspaceFactory
from comptoir.workspaces.models import AuditEntry, Membership

from .conftest import BILLING, DELIVERY, each_labelled, labelled, outbound


def test_received_messages_of_singly_labelled_conversations_are_the_examples(
    owner: Membership, topics: WorkspaceClassifier, delivery: Label, billing: Label
) -> None:
    other = LabelFactory(workspace=owner.workspace, name="Urgent")
    parcel = labelled(owner.workspace, [delivery, other], ["Colis perdu"])
    outbound(parcel, "Nous regardons cela avec le transporteur.")
    labelled(owner.workspace, [billing], ["Facture fausse", "Et prélevée deux fois"])
    labelled(owner.workspace, [other], ["Rien à voir"])

    examples = training_examples(topics)

    assert sorted(examples.texts) == ["Colis perdu", "Et prélevée deux fois", "Facture fausse"]
    assert examples.counts() == {delivery.pk: 1, billing.pk: 2}


def test_a_conversation_with_two_of_its_labels_is_ambiguous_and_skipped(
    owner: Membership, topics: WorkspaceClassifier, delivery: Label, billing: Label
) -> None:
    labelled(owner.workspace, [delivery], ["Colis perdu"])
    labelled(owner.workspace, [delivery, billing], ["Colis perdu et facturé deux fois"])

    examples = training_examples(topics)

    assert examples.texts == ["Colis perdu"]
    assert examples.ambiguous_conversations == 1


def test_another_workspaces_conversations_and_labels_are_never_used(
    owner: Membership, topics: WorkspaceClassifier, delivery: Label, billing: Label
) -> None:
    elsewhere = WorkspaceFactory()
    foreign = LabelFactory(workspace=elsewhere, name="Livraison")
    labelled(elsewhere, [foreign], ["Colis d'un autre espace"])
    # Even a forged link to another workspace's label, or its conversation carrying ours, teaches nothing.
    topics.labels.add(foreign)
    stray = labelled(elsewhere, [], ["Message d'un autre espace"])
    Conversation.labels.through.objects.create(conversation=stray, label=delivery)
    labelled(owner.workspace, [delivery], ["Colis perdu"])

    examples = training_examples(topics)

    assert examples.texts == ["Colis perdu"]
    assert set(examples.labels) == {delivery.pk, billing.pk}


def test_training_stores_the_model_counts_version_and_validation(
    owner: Membership, topics: WorkspaceClassifier, delivery: Label, billing: Label
) -> None:
    each_labelled(owner.workspace, delivery, DELIVERY)
    each_labelled(owner.workspace, billing, BILLING)

    train_workspace_classifier(topics.pk)

    topics.refresh_from_db()
    assert topics.state == WorkspaceClassifier.State.READY
    assert topics.version == 1 and topics.trained_at is not None
    assert {entry["name"]: entry["examples"] for entry in topics.classes} == {
        "Livraison": 6,
        "Facturation": 6,
    }
    assert topics.validation is not None
    assert topics.validation["folds"] == 5 and topics.validation["examples"] == 12
    assert 0.5 <= topics.validation["macro_f1"] <= 1
    assert topics.probabilities("Mon colis est perdu")[0][0] == "Livraison"
    assert topics.probabilities("Ma facture est fausse")[0][0] == "Facturation"
    assert AuditEntry.objects.filter(object_type="workspaceclassifier", actor_label="training job").exists()


def test_too_few_examples_to_measure_gives_no_validation_figure(
    owner: Membership, topics: WorkspaceClassifier, delivery: Label, billing: Label
) -> None:
    each_labelled(owner.workspace, delivery, DELIVERY[:3])
    each_labelled(owner.workspace, billing, BILLING)

    do_train_classifier(topics)

    topics.refresh_from_db()
    assert topics.state == WorkspaceClassifier.State.READY
    assert topics.validation is None


def test_each_training_is_a_new_version(trained: WorkspaceClassifier) -> None:
    do_train_classifier(trained)
    trained.refresh_from_db()
    assert trained.version == 2


@pytest.mark.parametrize(
    ("delivery_texts", "billing_texts", "message"),
    [
        (DELIVERY, [], "only “Livraison” has some"),
        ([], [], "None of its labels is on a conversation"),
        (DELIVERY, BILLING[:1], "at least 2 labelled messages (Facturation: 1, Livraison: 6)"),
    ],
)
def test_a_failed_training_says_why(
    owner: Membership,
    topics: WorkspaceClassifier,
    delivery: Label,
    billing: Label,
    delivery_texts: list[str],
    billing_texts: list[str],
    message: str,
) -> None:
    each_labelled(owner.workspace, delivery, delivery_texts)
    each_labelled(owner.workspace, billing, billing_texts)

    train_workspace_classifier(topics.pk)

    topics.refresh_from_db()
    assert topics.state == WorkspaceClassifier.State.FAILED
    assert message in topics.failure_message()
    assert not topics.usable and topics.version == 0


def test_a_failed_training_keeps_the_previous_model(
    owner: Membership, trained: WorkspaceClassifier, billing: Label
) -> None:
    model = trained.model
    # The team moves every billing conversation to another label: one class left.
    Conversation.labels.through.objects.filter(label=billing).delete()

    train_workspace_classifier(trained.pk)

    trained.refresh_from_db()
    assert trained.state == WorkspaceClassifier.State.FAILED
    assert "only “Livraison” has some" in trained.failure_message()
    assert trained.model == model and trained.version == 1 and trained.usable


def test_an_unexpected_error_is_stored_as_a_failure(
    trained: WorkspaceClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("comptoir.classifiers.training.train_custom_classifier", broken)
    train_workspace_classifier(trained.pk)

    trained.refresh_from_db()
    assert trained.state == WorkspaceClassifier.State.FAILED
    assert "unexpected error" in trained.failure_message()
    assert trained.version == 1 and trained.usable


def test_the_nightly_job_retrains_only_classifiers_whose_examples_changed(
    owner: Membership, trained: WorkspaceClassifier, billing: Label
) -> None:
    retrain_workspace_classifiers.call_local()
    trained.refresh_from_db()
    assert trained.version == 1

    labelled(owner.workspace, [billing], ["Encore une facture en double"])
    retrain_workspace_classifiers.call_local()
    trained.refresh_from_db()
    assert trained.version == 2
    assert {entry["name"]: entry["examples"] for entry in trained.classes}["Facturation"] == 7
