"""Background training of workspace classifiers: on request ("Train now") and every night."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.classifiers.training import do_train_classifier


@db_task()
def train_workspace_classifier(classifier_id: int, only_if_changed: bool = False) -> None:
    classifier = WorkspaceClassifier.objects.filter(pk=classifier_id).first()
    if classifier is not None:
        do_train_classifier(classifier, only_if_changed=only_if_changed)


@db_periodic_task(crontab(hour="3", minute="17"))
def retrain_workspace_classifiers() -> None:
    # One task per classifier, each skipping itself when its examples are those of its last training: labels
    # put on conversations during the day reach the rules by morning without anyone pressing "Train now".
    for classifier_id in WorkspaceClassifier.objects.values_list("id", flat=True):
        train_workspace_classifier(classifier_id, only_if_changed=True)
