"""Workspace classifiers: a team's inbox labels turned into a model that moderation rules can ask."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from comptoir.inbox.models import Label
from comptoir.nlp.custom import CustomModel
from comptoir.workspaces.models import Workspace


class WorkspaceClassifier(models.Model):
    """Its classes are inbox labels; `model` is the last model trained successfully, kept when a later training
    fails, so rules go on using it.

    `classes` describes that model: one {"label": id, "name": …, "examples": n} per class, as when trained.
    `failure` says why the last training failed: {"reason": "one_class" | "too_few" | "error", …}."""

    class State(models.TextChoices):
        NEW = "new", _("Never trained")
        TRAINING = "training", _("Training")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="classifiers")
    name = models.CharField(_("name"), max_length=80)
    labels = models.ManyToManyField(Label, related_name="classifiers", verbose_name=_("labels"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.NEW)
    failure = models.JSONField(default=dict, blank=True)
    model = models.JSONField(null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    trained_at = models.DateTimeField(_("trained at"), null=True, blank=True)
    classes = models.JSONField(default=list, blank=True)
    # {"macro_f1": 0.87, "folds": 5, "examples": 140}; null when a class had too few examples to measure.
    validation = models.JSONField(null=True, blank=True)
    # Of the examples the last training (successful or not) read: the nightly job skips classifiers whose
    # examples have not changed since.
    examples_digest = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="one_classifier_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def usable(self) -> bool:
        """Rules can ask it: it has a model (possibly from before a failed retraining)."""
        return self.model is not None

    def custom_model(self) -> CustomModel:
        if self.model is None:
            raise ValueError(f"classifier {self.pk} has no trained model")
        return CustomModel.from_dict(self.model)

    def class_names(self) -> dict[str, str]:
        """The model's class keys (label ids as text) → label names as when trained."""
        return {str(entry["label"]): entry["name"] for entry in self.classes}

    def failure_message(self) -> str:
        failure: dict[str, Any] = self.failure or {}
        reason = failure.get("reason")
        if reason == "one_class" and not failure.get("labels"):
            return gettext(
                "None of its labels is on a conversation with received messages yet: label conversations in "
                "the inbox, then train again."
            )
        if reason == "one_class":
            return gettext(
                "A classifier needs labelled messages in at least two of its labels; only “%(label)s” has some."
            ) % {"label": failure["labels"][0]}
        if reason == "too_few":
            # Sorted here: PostgreSQL's jsonb does not keep the keys' order.
            counts = ", ".join(
                f"{name}: {count}" for name, count in sorted(failure.get("counts", {}).items())
            )
            return gettext(
                "Every label needs at least %(minimum)d labelled messages (%(counts)s). Label more "
                "conversations, then train again."
            ) % {"minimum": failure.get("minimum", 2), "counts": counts}
        if reason == "error":
            return gettext("Training stopped on an unexpected error; it was logged for the operators.")
        return ""

    def probabilities(self, text: str) -> list[tuple[str, float]]:
        """Each class's probability for `text`, the most likely first, named as when trained."""
        model = self.custom_model()
        names = self.class_names()
        row = model.predict_proba([text])[0]
        pairs = [(names.get(key, key), float(value)) for key, value in zip(model.labels, row, strict=True)]
        return sorted(pairs, key=lambda pair: -pair[1])
