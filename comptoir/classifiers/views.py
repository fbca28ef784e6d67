"""Web pages of workspace classifiers: list, create, edit, delete, train now, and try a text."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.classifiers import actions, queries
from comptoir.classifiers.forms import ClassifierForm, TryForm
from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.classifiers.training import MIN_EXAMPLES_PER_LABEL, VALIDATION_FOLDS, training_examples
from comptoir.workspaces.decorators import workspace_view
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Permission


@workspace_view(Permission.VIEW_MODERATION)
def classifiers(request: HttpRequest, membership: Membership) -> HttpResponse:
    context = {"classifiers": queries.classifiers_of(membership.workspace).defer("model")}
    return render(request, "classifiers/list.html", context)


def _form_page(
    request: HttpRequest, membership: Membership, classifier: WorkspaceClassifier | None
) -> HttpResponse:
    workspace = membership.workspace
    initial = {"name": classifier.name, "labels": list(classifier.labels.all())} if classifier else None
    form = ClassifierForm(workspace, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        name, labels = form.cleaned_data["name"], list(form.cleaned_data["labels"])
        try:
            if classifier is None:
                classifier = actions.do_create_classifier(workspace, membership.user, name, labels)
            else:
                actions.do_update_classifier(classifier, membership.user, name, labels)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Classifier “%(name)s” saved.") % {"name": classifier.name})
            return redirect("classifiers:classifier", workspace=workspace.slug, classifier_id=classifier.pk)
    context = {"form": form, "classifier": classifier}
    return render(request, "classifiers/form.html", context, status=422 if form.errors else 200)


@workspace_view(Permission.MANAGE_MODERATION)
def classifier_create(request: HttpRequest, membership: Membership) -> HttpResponse:
    return _form_page(request, membership, None)


@workspace_view(Permission.MANAGE_MODERATION)
def classifier_edit(request: HttpRequest, membership: Membership, classifier_id: int) -> HttpResponse:
    return _form_page(request, membership, queries.classifier_of(membership.workspace, classifier_id))


def _detail(
    request: HttpRequest, classifier: WorkspaceClassifier, try_form: TryForm, status: int = 200, **extra: Any
) -> HttpResponse:
    examples = training_examples(classifier)
    in_model = {entry["label"]: entry["examples"] for entry in classifier.classes}
    # Per label: its name, its examples now, and how many the model in use was trained on.
    counts = sorted(
        (examples.labels[label_id], count, in_model.get(label_id))
        for label_id, count in examples.counts().items()
    )
    context = {
        "classifier": classifier,
        "counts": counts,
        "ambiguous": examples.ambiguous_conversations,
        "labels_changed": bool(classifier.classes) and set(in_model) != set(examples.labels),
        "minimum": MIN_EXAMPLES_PER_LABEL,
        "folds": VALIDATION_FOLDS,
        "try_form": try_form,
        **extra,
    }
    return render(request, "classifiers/classifier.html", context, status=status)


@workspace_view(Permission.VIEW_MODERATION)
def classifier(request: HttpRequest, membership: Membership, classifier_id: int) -> HttpResponse:
    return _detail(request, queries.classifier_of(membership.workspace, classifier_id), TryForm())


@workspace_view(Permission.VIEW_MODERATION)
@require_POST
def classifier_try(request: HttpRequest, membership: Membership, classifier_id: int) -> HttpResponse:
    """Reads only: classifies the typed text and shows every class's probability."""
    found = queries.classifier_of(membership.workspace, classifier_id)
    form = TryForm(request.POST)
    if not form.is_valid():
        return _detail(request, found, form, 422)
    if not found.usable:
        form.add_error(None, _("Train the classifier first: it has no model yet."))
        return _detail(request, found, form, 422)
    return _detail(request, found, form, probabilities=found.probabilities(form.cleaned_data["text"]))


@workspace_view(Permission.MANAGE_MODERATION)
@require_POST
def classifier_train(request: HttpRequest, membership: Membership, classifier_id: int) -> HttpResponse:
    found = queries.classifier_of(membership.workspace, classifier_id)
    actions.do_request_training(found, membership.user)
    messages.success(request, _("Training started; this page shows the result once it is done."))
    return redirect("classifiers:classifier", workspace=membership.workspace.slug, classifier_id=found.pk)


@workspace_view(Permission.MANAGE_MODERATION)
@require_POST
def classifier_delete(request: HttpRequest, membership: Membership, classifier_id: int) -> HttpResponse:
    found = queries.classifier_of(membership.workspace, classifier_id)
    actions.do_delete_classifier(found, membership.user)
    messages.success(request, _("Classifier “%(name)s” deleted.") % {"name": found.name})
    return redirect("classifiers:classifiers", workspace=membership.workspace.slug)
