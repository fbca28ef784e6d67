"""The classifier pages: create and edit with their validation errors, train now, try it, and who may do what."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoCaptureOnCommitCallbacks

from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.inbox.models import Label
from comptoir.testing.factories import LabelFactory, MembershipFactory, WorkspaceFactory
from comptoir.workspaces.models import AuditEntry, Membership
from comptoir.workspaces.permissions import Role

from .conftest import BILLING, DELIVERY, each_labelled


def url(name: str, membership: Membership, *args: int) -> str:
    return reverse(f"classifiers:{name}", args=[membership.workspace.slug, *args])


def test_a_classifier_is_created_from_two_labels(
    owner: Membership, owner_client: Client, delivery: Label, billing: Label
) -> None:
    response = owner_client.post(
        url("classifier_create", owner), {"name": " Sujet ", "labels": [delivery.pk, billing.pk]}
    )
    classifier = WorkspaceClassifier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("classifier", owner, classifier.pk)
    assert classifier.name == "Sujet" and set(classifier.labels.all()) == {delivery, billing}
    assert classifier.state == WorkspaceClassifier.State.NEW
    assert AuditEntry.objects.filter(object_type="workspaceclassifier", action="create").exists()


@pytest.mark.parametrize(
    ("name", "labels", "error"),
    [
        ("Sujet", ["delivery"], "Choose at least two labels"),
        ("", ["delivery", "billing"], "This field is required."),
        ("Existant", ["delivery", "billing"], "A classifier with this name already exists."),
        ("Sujet", ["delivery", "foreign"], "Select a valid choice."),
    ],
)
def test_invalid_input_is_explained_and_nothing_is_saved(
    owner: Membership,
    owner_client: Client,
    delivery: Label,
    billing: Label,
    name: str,
    labels: list[str],
    error: str,
) -> None:
    WorkspaceClassifier.objects.create(workspace=owner.workspace, name="Existant")
    ids = {
        "delivery": delivery.pk,
        "billing": billing.pk,
        "foreign": LabelFactory(workspace=WorkspaceFactory()).pk,
    }
    response = owner_client.post(
        url("classifier_create", owner), {"name": name, "labels": [ids[n] for n in labels]}
    )
    assert response.status_code == 422
    assert error in response.content.decode()
    assert WorkspaceClassifier.objects.count() == 1


def test_a_classifier_is_renamed_and_given_other_labels(
    owner: Membership, owner_client: Client, trained: WorkspaceClassifier, delivery: Label
) -> None:
    press = LabelFactory(workspace=owner.workspace, name="Presse")
    response = owner_client.post(
        url("classifier_edit", owner, trained.pk), {"name": "Motif", "labels": [delivery.pk, press.pk]}
    )
    assert response.status_code == 302
    trained.refresh_from_db()
    assert trained.name == "Motif" and set(trained.labels.all()) == {delivery, press}
    page = owner_client.get(url("classifier", owner, trained.pk)).content.decode()
    assert "Its labels changed since the last training" in page


def test_train_now_trains_and_shows_counts_and_validation(
    owner: Membership,
    owner_client: Client,
    topics: WorkspaceClassifier,
    delivery: Label,
    billing: Label,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    each_labelled(owner.workspace, delivery, DELIVERY)
    each_labelled(owner.workspace, billing, BILLING)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("classifier_train", owner, topics.pk))
    assert response.status_code == 302
    topics.refresh_from_db()
    assert topics.state == WorkspaceClassifier.State.READY and topics.version == 1

    page = owner_client.get(url("classifier", owner, topics.pk)).content.decode()
    assert "Ready" in page and "version 1 in use" in page
    assert "5-fold cross-validation over 12 messages" in page
    assert "<td>Livraison</td><td>6</td><td>6</td>" in page
    listing = owner_client.get(url("classifiers", owner)).content.decode()
    assert f"{topics.validation['macro_f1']:.2f}" in listing


def test_a_failed_training_is_shown_on_the_page(
    owner: Membership,
    owner_client: Client,
    topics: WorkspaceClassifier,
    delivery: Label,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    each_labelled(owner.workspace, delivery, DELIVERY[:1])
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(url("classifier_train", owner, topics.pk))
    page = owner_client.get(url("classifier", owner, topics.pk)).content.decode()
    assert "Failed" in page
    assert "only “Livraison” has some" in page
    assert "(at least 2 needed)" in page


def test_try_it_shows_every_labels_probability(
    owner: Membership, owner_client: Client, trained: WorkspaceClassifier
) -> None:
    response = owner_client.post(url("classifier_try", owner, trained.pk), {"text": "Mon colis <b>perdu</b>"})
    page = response.content.decode()
    assert response.status_code == 200
    table = page[page.index('data-testid="probabilities"') :]
    assert table.index("<strong>Livraison</strong>") < table.index("Facturation")
    # What was typed comes back escaped.
    assert "&lt;b&gt;perdu&lt;/b&gt;" in page and "<b>perdu</b>" not in page


def test_try_it_before_any_training_says_so(
    owner: Membership, owner_client: Client, topics: WorkspaceClassifier
) -> None:
    response = owner_client.post(url("classifier_try", owner, topics.pk), {"text": "Mon colis"})
    assert response.status_code == 422
    assert "Train the classifier first" in response.content.decode()


def test_try_it_with_nothing_typed_is_refused(
    owner: Membership, owner_client: Client, trained: WorkspaceClassifier
) -> None:
    response = owner_client.post(url("classifier_try", owner, trained.pk), {"text": ""})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_a_classifier_is_deleted(
    owner: Membership, owner_client: Client, topics: WorkspaceClassifier
) -> None:
    response = owner_client.post(url("classifier_delete", owner, topics.pk))
    assert response.status_code == 302
    assert not WorkspaceClassifier.objects.exists()


def test_an_analyst_sees_and_tries_but_cannot_change(
    owner: Membership, trained: WorkspaceClassifier, delivery: Label, billing: Label
) -> None:
    analyst = MembershipFactory(workspace=owner.workspace, role=Role.ANALYST)
    client = Client(headers={"Accept-Language": "en"})
    client.force_login(analyst.user)
    assert client.get(url("classifiers", owner)).status_code == 200
    page = client.get(url("classifier", owner, trained.pk)).content.decode()
    assert "Train now" not in page
    assert client.post(url("classifier_try", owner, trained.pk), {"text": "Mon colis"}).status_code == 200
    assert client.get(url("classifier_create", owner)).status_code == 403
    labels = {"name": "Autre", "labels": [delivery.pk, billing.pk]}
    assert client.post(url("classifier_create", owner), labels).status_code == 403
    assert client.post(url("classifier_edit", owner, trained.pk), labels).status_code == 403
    assert client.post(url("classifier_train", owner, trained.pk)).status_code == 403
    assert client.post(url("classifier_delete", owner, trained.pk)).status_code == 403
    trained.refresh_from_db()
    assert trained.name == "Sujet" and trained.version == 1


def test_a_reviewer_does_not_see_classifiers(owner: Membership, topics: WorkspaceClassifier) -> None:
    reviewer = MembershipFactory(workspace=owner.workspace, role=Role.REVIEWER)
    client = Client()
    client.force_login(reviewer.user)
    assert client.get(url("classifiers", owner)).status_code == 403
    assert client.get(url("classifier", owner, topics.pk)).status_code == 403


def test_another_workspaces_classifier_is_not_found(owner: Membership, owner_client: Client) -> None:
    foreign = WorkspaceClassifier.objects.create(workspace=WorkspaceFactory(), name="Ailleurs")
    assert owner_client.get(url("classifier", owner, foreign.pk)).status_code == 404
    assert owner_client.post(url("classifier_train", owner, foreign.pk)).status_code == 404
