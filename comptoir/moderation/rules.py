"""Rule definitions: checking conditions and actions when a rule is saved, and compiling them for fast evaluation.

A condition or an action is a plain dict stored in the rule's JSON fields. `check_conditions`/`check_actions`
turn form input into those dicts (or raise a ValidationError that says what is wrong); `compile_rule` turns a
saved rule into closures, once per batch, so evaluating a message is a few attribute reads and regex searches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import regex
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.classifiers.queries import usable_classifier
from comptoir.inbox.models import Message
from comptoir.moderation.models import Rule
from comptoir.nlp.tasks import TASK_LABELS

logger = logging.getLogger(__name__)

# Seconds one regex search may take; a pattern that backtracks catastrophically on some message is cut short
# (and counts as no match) instead of holding the sync worker.
REGEX_TIMEOUT = 0.05
MAX_PATTERN_LENGTH = 500
MAX_KEYWORDS = 500

CONDITION_TYPES = {
    "keywords": gettext_lazy("Text contains one of the words"),
    "regex": gettext_lazy("Text matches the regular expression"),
    "language": gettext_lazy("Language is one of"),
    "score": gettext_lazy("Classifier score at least"),
    "classifier": gettext_lazy("Workspace classifier says, with at least"),
    "author": gettext_lazy("Author is"),
    "channel": gettext_lazy("Channel is one of"),
    "kind": gettext_lazy("Message kind is one of"),
}
AUTHOR_STATUSES = {
    "new": gettext_lazy("new (first message on the channel)"),
    "known": gettext_lazy("known (has written before)"),
    "blocked": gettext_lazy("blocked (banned and not unbanned)"),
}
# Every "task:label" the pipeline scores, negative labels left out: "offensive:offensive", "intent:complaint"…
SCORES = [
    f"{task}:{label}"
    for task, labels in TASK_LABELS.items()
    for label in labels
    if not label.startswith("not-")
]
MESSAGE_KINDS = ("comment", "mention", "reply", "direct_message", "email", "article", "message")

ACTION_TYPES = {
    "hide": gettext_lazy("Hide on the network"),
    "delete": gettext_lazy("Delete on the network"),
    "ban": gettext_lazy("Ban the author"),
    "label": gettext_lazy("Add a label"),
    "assign": gettext_lazy("Assign to"),
    "queue": gettext_lazy("Send to the moderation queue"),
    "reply": gettext_lazy("Reply with a saved reply"),
    "route": gettext_lazy("Route to a department"),
}
# The action types whose argument is the id of a workspace object, and which field holds it.
ACTION_TARGETS = {"label": "label", "assign": "user", "reply": "saved_reply", "route": "department"}


def _words(value: str) -> list[str]:
    return [word.strip() for word in value.replace("\n", ",").split(",") if word.strip()]


def check_condition(kind: str, argument: str, value: str) -> dict[str, Any]:
    """One condition from the builder's row: `argument` is the score for score conditions, unused otherwise."""
    if kind == "keywords":
        words = _words(value)
        if not words:
            raise ValidationError(_("List at least one word, separated by commas or new lines."))
        if len(words) > MAX_KEYWORDS:
            raise ValidationError(_("At most %(count)d words per condition.") % {"count": MAX_KEYWORDS})
        return {"type": "keywords", "words": words}
    if kind == "regex":
        return {"type": "regex", "pattern": check_pattern(value)}
    if kind == "language":
        languages = [code.lower() for code in _words(value)]
        if not languages or not all(code.isalpha() and len(code) <= 8 for code in languages):
            raise ValidationError(_("Give language codes such as “fr, en”."))
        return {"type": "language", "languages": languages}
    if kind == "score":
        if argument not in SCORES:
            raise ValidationError(_("Choose which classifier score to compare."))
        return {"type": "score", "score": argument, "threshold": _threshold(value)}
    if kind == "classifier":
        # `argument` is "<classifier id>:<label id>"; the form offers only the workspace's trained classifiers.
        classifier, _colon, label = argument.partition(":")
        if not (classifier.isdigit() and label.isdigit()):
            raise ValidationError(_("Choose a trained workspace classifier and one of its labels."))
        return {
            "type": "classifier",
            "classifier": int(classifier),
            "label": int(label),
            "threshold": _threshold(value),
        }
    if kind == "author":
        if value not in AUTHOR_STATUSES:
            raise ValidationError(_("The author is “new”, “known” or “blocked”."))
        return {"type": "author", "status": value}
    if kind == "channel":
        try:
            channels = [int(part) for part in _words(value)]
        except ValueError:
            raise ValidationError(_("Choose a channel.")) from None
        if not channels:
            raise ValidationError(_("Choose a channel."))
        return {"type": "channel", "channels": channels}
    if kind == "kind":
        kinds = _words(value)
        unknown = [name for name in kinds if name not in MESSAGE_KINDS]
        if not kinds or unknown:
            raise ValidationError(
                _("Message kinds are among: %(kinds)s.") % {"kinds": ", ".join(MESSAGE_KINDS)}
            )
        return {"type": "kind", "kinds": kinds}
    raise ValidationError(_("Unknown condition “%(kind)s”.") % {"kind": kind})


def _threshold(value: str) -> float:
    try:
        threshold = float(value.replace(",", "."))
    except ValueError:
        raise ValidationError(_("The threshold is a number between 0 and 1, e.g. 0.8.")) from None
    if not 0 <= threshold <= 1:
        raise ValidationError(_("The threshold is a number between 0 and 1, e.g. 0.8."))
    return threshold


def check_pattern(pattern: str) -> str:
    if not pattern.strip():
        raise ValidationError(_("Write a regular expression."))
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValidationError(
            _("A regular expression has at most %(count)d characters.") % {"count": MAX_PATTERN_LENGTH}
        )
    try:
        regex.compile(pattern, regex.IGNORECASE)
    except regex.error as error:
        raise ValidationError(
            _("This regular expression is not valid: %(error)s.") % {"error": str(error)}
        ) from None
    return pattern


def check_action(kind: str, target: int | None) -> dict[str, Any]:
    if kind not in ACTION_TYPES:
        raise ValidationError(_("Unknown action “%(kind)s”.") % {"kind": kind})
    if kind in ACTION_TARGETS:
        if target is None:
            raise ValidationError(
                _("The action “%(action)s” needs its target chosen.") % {"action": ACTION_TYPES[kind]}
            )
        return {"type": kind, ACTION_TARGETS[kind]: target}
    return {"type": kind}


@dataclass(frozen=True)
class Facts:
    """What conditions read besides the message itself, computed once per batch."""

    new_author: bool = False
    blocked_author: bool = False


# A compiled condition answers the reason it holds ("word “arnaque”", "spam 0.97 ≥ 0.90"), or None.
Condition = Callable[[Message, Facts], str | None]


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    match_all: bool
    conditions: Sequence[Condition]
    actions: Sequence[dict[str, Any]]
    # Later rules are not evaluated on a message this rule matched (a delete always stops).
    stop: bool

    def evaluate(self, message: Message, facts: Facts) -> str | None:
        """The reason the rule matches the message (every condition that held), or None."""
        reasons = []
        for condition in self.conditions:
            reason = condition(message, facts)
            if reason is None:
                if self.match_all:
                    return None
            else:
                reasons.append(reason)
                if not self.match_all:
                    break
        return "; ".join(reasons) if reasons else None


def _search(pattern: regex.Pattern[str], message: Message, label: str) -> str | None:
    try:
        found = pattern.search(message.text, timeout=REGEX_TIMEOUT)
    except TimeoutError:
        logger.warning("Rule condition %s timed out on message %s", label, message.pk)
        return None
    return found.group(0)[:100] if found else None


def compile_condition(condition: dict[str, Any], workspace_id: int) -> Condition:
    """The condition as a function of a message. Its reason texts are translated here, once per batch, not
    once per match (a translation lookup cost as much as the keyword search, measured with bench/ingest.py)."""
    kind = condition["type"]
    if kind == "keywords":
        alternatives = "|".join(regex.escape(word) for word in condition["words"])
        # Whole words only: "con" must not match "contact".
        words = regex.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", regex.IGNORECASE)
        word = _("word “%(word)s”")

        def keywords(message: Message, facts: Facts) -> str | None:
            found = _search(words, message, "keywords")
            return word % {"word": found} if found else None

        return keywords
    if kind == "regex":
        pattern = regex.compile(condition["pattern"], regex.IGNORECASE)
        matched = _("pattern matched “%(text)s”")

        def matches(message: Message, facts: Facts) -> str | None:
            found = _search(pattern, message, "regex")
            return matched % {"text": found} if found is not None else None

        return matches
    if kind == "language":
        languages = frozenset(condition["languages"])
        language = _("language %(language)s")
        return lambda message, facts: (
            language % {"language": message.language} if message.language in languages else None
        )
    if kind == "score":
        task, label = condition["score"].split(":", 1)
        threshold = float(condition["threshold"])

        def score(message: Message, facts: Facts) -> str | None:
            value = ((message.classification_scores or {}).get(task) or {}).get(label)
            if value is None or value < threshold:
                return None
            return f"{task}:{label} {value:.2f} ≥ {threshold:.2f}"

        return score
    if kind == "classifier":
        return _classifier_condition(condition, workspace_id)
    if kind == "author":
        status = condition["status"]
        if status == "new":
            new = _("new author")
            return lambda message, facts: new if facts.new_author else None
        if status == "known":
            known = _("known author")
            return lambda message, facts: known if not facts.new_author else None
        blocked = _("blocked author")
        return lambda message, facts: blocked if facts.blocked_author else None
    if kind == "channel":
        channels = frozenset(condition["channels"])
        on_channel = _("channel %(channel)s")
        return lambda message, facts: (
            on_channel % {"channel": message.channel_id} if message.channel_id in channels else None
        )
    if kind == "kind":
        kinds = frozenset(condition["kinds"])
        of_kind = _("kind %(kind)s")
        return lambda message, facts: of_kind % {"kind": message.kind} if message.kind in kinds else None
    raise ValueError(f"unknown condition type {kind!r}")


def _classifier_condition(condition: dict[str, Any], workspace_id: int) -> Condition:
    """The model is read once per compilation (once per batch); a classifier without a model, deleted, or
    whose model lacks the label (labels changed, not retrained yet) matches nothing."""
    classifier = usable_classifier(workspace_id, condition["classifier"])
    label = str(condition["label"])
    try:
        model = classifier.custom_model() if classifier is not None else None
    except (ValueError, KeyError):
        # A model stored in a format this version cannot read: its rules skip it, the others run.
        logger.warning("Workspace classifier %s has an unreadable model", condition["classifier"])
        model = None
    if classifier is None or model is None or label not in model.labels:
        return lambda message, facts: None
    column = model.labels.index(label)
    threshold = float(condition["threshold"])
    says_label = _("%(classifier)s says %(label)s") % {
        "classifier": classifier.name,
        "label": classifier.class_names().get(label, label),
    }

    def says(message: Message, facts: Facts) -> str | None:
        if not message.text.strip():
            return None
        value = float(model.predict_proba([message.text])[0, column])
        if value < threshold:
            return None
        return f"{says_label} {value:.2f} ≥ {threshold:.2f}"

    return says


def compile_rule(rule: Rule) -> CompiledRule:
    return CompiledRule(
        rule=rule,
        match_all=rule.match == Rule.Match.ALL,
        conditions=[compile_condition(condition, rule.workspace_id) for condition in rule.conditions],
        actions=list(rule.actions),
        stop=rule.stop or any(action["type"] == "delete" for action in rule.actions),
    )
