"""Which messages teach a workspace classifier, and whether they are enough to train it.

The rule: every received message of a conversation of the workspace that carries exactly one of the
classifier's labels is an example of that label. A conversation carrying two of them is ambiguous and skipped;
sent messages are the team's own words, not what the classifier will be asked about. The newest
`MAX_EXAMPLES_PER_LABEL` messages of each label are kept, so a label used for years does not drown the others.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from comptoir.classifiers.models import WorkspaceClassifier
from comptoir.inbox.models import Conversation, Label, Message
from comptoir.nlp.custom import (
    CustomModel,
    CustomValidation,
    train_custom_classifier,
    validate_custom_classifier,
)
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry

logger = logging.getLogger(__name__)

# Fewer than this per label and a model cannot be fitted (comptoir.nlp.custom refuses it).
MIN_EXAMPLES_PER_LABEL = 2
MAX_EXAMPLES_PER_LABEL = 2_000
VALIDATION_FOLDS = 5
OUTCOME_FIELDS = ["state", "version", "validation"]


@dataclass
class Examples:
    labels: dict[int, str]  # the classifier's labels: id → name
    texts: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)  # per text, its label id as text (the model's class key)
    message_ids: list[int] = field(default_factory=list)
    ambiguous_conversations: int = 0

    def counts(self) -> dict[int, int]:
        """Examples per label, every label of the classifier included (0 when it has none)."""
        counts = dict.fromkeys(self.labels, 0)
        for key in self.classes:
            counts[int(key)] += 1
        return counts

    def digest(self) -> str:
        """Changes when a label is added to or taken off the classifier or a conversation, or a message
        arrives in a labelled conversation."""
        hashed = hashlib.sha256(repr(sorted(self.labels)).encode())
        hashed.update(repr(sorted(zip(self.message_ids, self.classes, strict=True))).encode())
        return hashed.hexdigest()

    def problem(self) -> dict[str, Any] | None:
        """Why these examples cannot train a classifier (stored as the classifier's failure), or None."""
        counts = self.counts()
        with_examples = [self.labels[label] for label, count in counts.items() if count > 0]
        if len(with_examples) < 2:
            return {"reason": "one_class", "labels": with_examples}
        if min(counts.values()) < MIN_EXAMPLES_PER_LABEL:
            return {
                "reason": "too_few",
                "minimum": MIN_EXAMPLES_PER_LABEL,
                "counts": {self.labels[label]: count for label, count in counts.items()},
            }
        return None


def training_examples(classifier: WorkspaceClassifier) -> Examples:
    workspace_id = classifier.workspace_id
    # Filtered on the workspace again: a label of another workspace never teaches this one, even if linked.
    labels = dict(
        Label.objects.filter(workspace_id=workspace_id, classifiers=classifier).values_list("id", "name")
    )
    examples = Examples(labels=labels)
    links = Conversation.labels.through.objects.filter(
        label_id__in=labels, conversation__workspace_id=workspace_id
    ).values_list("conversation_id", "label_id")
    label_of: dict[int, int] = {}
    ambiguous: set[int] = set()
    for conversation_id, label_id in links:
        if conversation_id in label_of:
            ambiguous.add(conversation_id)
        label_of[conversation_id] = label_id
    examples.ambiguous_conversations = len(ambiguous)
    messages = (
        Message.objects.filter(
            workspace_id=workspace_id,
            direction=Message.Direction.INBOUND,
            conversation__labels__in=labels,
        )
        .exclude(text="")
        .order_by("-id")
        .values_list("id", "conversation_id", "text")
    )
    taken: dict[int, int] = defaultdict(int)
    for message_id, conversation_id, text in messages.iterator():
        label = label_of.get(conversation_id)
        # The join repeats a message once per matching label, which only an ambiguous conversation has.
        if label is None or conversation_id in ambiguous:
            continue
        if taken[label] >= MAX_EXAMPLES_PER_LABEL:
            continue
        taken[label] += 1
        examples.texts.append(text)
        examples.classes.append(str(label))
        examples.message_ids.append(message_id)
    return examples


def do_train_classifier(classifier: WorkspaceClassifier, *, only_if_changed: bool = False) -> None:
    """Trains from the current examples and stores the outcome. A failure is stored on the classifier as a
    reason for its page, and the model trained before (if any) stays in use."""
    examples = training_examples(classifier)
    digest = examples.digest()
    if (
        only_if_changed
        and digest == classifier.examples_digest
        and classifier.state != classifier.State.TRAINING
    ):
        return
    # Visible on the classifier's page while the fit runs.
    WorkspaceClassifier.objects.filter(pk=classifier.pk).update(state=WorkspaceClassifier.State.TRAINING)
    problem = examples.problem()
    model: CustomModel | None = None
    validation: CustomValidation | None = None
    if problem is None:
        try:
            model = train_custom_classifier(examples.texts, examples.classes)
            validation = validate_custom_classifier(examples.texts, examples.classes, VALIDATION_FOLDS)
        except Exception:
            logger.exception("Training workspace classifier %s failed", classifier.pk)
            problem = {"reason": "error"}
    _store_outcome(classifier.pk, examples, digest, model, validation, problem)


@transaction.atomic
def _store_outcome(
    classifier_id: int,
    examples: Examples,
    digest: str,
    model: CustomModel | None,
    validation: CustomValidation | None,
    problem: dict[str, Any] | None,
) -> None:
    # Locked: two trainings finishing together each get their own version number.
    classifier = WorkspaceClassifier.objects.select_for_update().filter(pk=classifier_id).first()
    if classifier is None:
        return
    before = audit.snapshot(classifier, OUTCOME_FIELDS)
    classifier.examples_digest = digest
    if model is None:
        classifier.state = WorkspaceClassifier.State.FAILED
        classifier.failure = problem or {"reason": "error"}
    else:
        counts = examples.counts()
        classifier.state = WorkspaceClassifier.State.READY
        classifier.failure = {}
        classifier.model = model.to_dict()
        classifier.version += 1
        classifier.trained_at = timezone.now()
        classifier.classes = [
            {"label": label, "name": name, "examples": counts[label]}
            for label, name in examples.labels.items()
        ]
        classifier.validation = (
            {
                "macro_f1": round(validation.macro_f1, 4),
                "folds": validation.folds,
                "examples": validation.examples,
            }
            if validation
            else None
        )
    classifier.save()
    changes = audit.changed(before, audit.snapshot(classifier, OUTCOME_FIELDS))
    audit.record(classifier.workspace, None, AuditEntry.Action.UPDATE, classifier, changes, "training job")
