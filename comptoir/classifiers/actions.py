"""Every change to a workspace classifier made by a person: create, edit, delete, ask for a training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.classifiers.jobs import train_workspace_classifier
from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.inbox.models import Label
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Workspace


def check_classifier(
    workspace: Workspace, name: str, labels: Sequence[Label], exclude: int | None = None
) -> tuple[str, list[Label]]:
    name = name.strip()
    if not name:
        raise ValidationError(_("Give the classifier a name."))
    if WorkspaceClassifier.objects.filter(workspace=workspace, name=name).exclude(pk=exclude or 0).exists():
        raise ValidationError(_("A classifier with this name already exists."))
    chosen = list({label.pk: label for label in labels}.values())
    if any(label.workspace_id != workspace.pk for label in chosen):
        raise ValidationError(_("Choose labels of this workspace."))
    if len(chosen) < 2:
        raise ValidationError(
            _("Choose at least two labels: each one is a class the classifier tells apart.")
        )
    return name, chosen


def _label_names(classifier: WorkspaceClassifier) -> list[str]:
    return sorted(classifier.labels.values_list("name", flat=True))


@transaction.atomic
def do_create_classifier(
    workspace: Workspace, actor: User, name: str, labels: Sequence[Label]
) -> WorkspaceClassifier:
    name, chosen = check_classifier(workspace, name, labels)
    classifier = WorkspaceClassifier.objects.create(workspace=workspace, name=name)
    classifier.labels.set(chosen)
    changes: dict[str, list[Any]] = {"name": [None, name], "labels": [None, _label_names(classifier)]}
    audit.record(workspace, actor, AuditEntry.Action.CREATE, classifier, changes)
    return classifier


@transaction.atomic
def do_update_classifier(
    classifier: WorkspaceClassifier, actor: User, name: str, labels: Sequence[Label]
) -> WorkspaceClassifier:
    """The model in use keeps its classes until the next training (the nightly one sees the change)."""
    name, chosen = check_classifier(classifier.workspace, name, labels, exclude=classifier.pk)
    before = {"name": classifier.name, "labels": _label_names(classifier)}
    classifier.name = name
    classifier.save(update_fields=["name", "updated_at"])
    classifier.labels.set(chosen)
    changes = audit.changed(before, {"name": name, "labels": _label_names(classifier)})
    if changes:
        audit.record(classifier.workspace, actor, AuditEntry.Action.UPDATE, classifier, changes)
    return classifier


@transaction.atomic
def do_delete_classifier(classifier: WorkspaceClassifier, actor: User) -> None:
    """Rules that ask it stop matching on that condition (their builder then asks for another choice)."""
    audit.record(
        classifier.workspace, actor, AuditEntry.Action.DELETE, classifier, {"name": [classifier.name, None]}
    )
    classifier.delete()


@transaction.atomic
def do_request_training(classifier: WorkspaceClassifier, actor: User) -> None:
    previous = classifier.state
    classifier.state = WorkspaceClassifier.State.TRAINING
    classifier.save(update_fields=["state", "updated_at"])
    audit.record(
        classifier.workspace,
        actor,
        AuditEntry.Action.UPDATE,
        classifier,
        {"state": [previous, classifier.state]},
    )
    pk = classifier.pk
    # After the commit: a worker must read the classifier as saved, labels included.
    transaction.on_commit(lambda: train_workspace_classifier(pk))
