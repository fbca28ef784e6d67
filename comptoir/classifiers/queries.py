"""Read paths for workspace classifiers, always scoped to a workspace."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.workspaces.models import Workspace


def classifiers_of(workspace: Workspace) -> QuerySet[WorkspaceClassifier]:
    return WorkspaceClassifier.objects.filter(workspace=workspace).prefetch_related("labels")


def classifier_of(workspace: Workspace, classifier_id: int) -> WorkspaceClassifier:
    classifier = classifiers_of(workspace).filter(pk=classifier_id).first()
    if classifier is None:
        raise Http404("No such classifier.")
    return classifier


def usable_classifier(workspace_id: int, classifier_id: int) -> WorkspaceClassifier | None:
    """The classifier a rule names, if it is this workspace's and has a model."""
    return WorkspaceClassifier.objects.filter(
        workspace_id=workspace_id, pk=classifier_id, model__isnull=False
    ).first()


def condition_choices(workspace: Workspace) -> list[tuple[str, list[tuple[str, str]]]]:
    """For the rule builder: per classifier that has a model, its classes as "<classifier id>:<label id>"."""
    return [
        (
            classifier.name,
            [(f"{classifier.pk}:{key}", name) for key, name in classifier.class_names().items()],
        )
        for classifier in WorkspaceClassifier.objects.filter(workspace=workspace, model__isnull=False).defer(
            "model"
        )
    ]
