"""The rules engine: evaluate a workspace's rules on a batch of classified messages, then act; or dry-run a rule.

Rules are compiled once per batch; the facts conditions need about authors (first message on the channel,
blocked) are read in two queries for the whole batch, so evaluation itself touches no database.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.channels.models import Channel
from comptoir.inbox.models import Contact, Message
from comptoir.inbox.rows import Among, insert_rows
from comptoir.moderation.actions import ActionBatch, count_rule_outcomes
from comptoir.moderation.models import ActionLog, QueueItem, Rule
from comptoir.moderation.rules import CompiledRule, Facts, compile_rule

logger = logging.getLogger(__name__)

DRY_RUN_DAYS = 30
DRY_RUN_SHOWN = 200
# A message the classifier flags (spam, offensive, hate) with a probability under this goes to the queue for a
# person to judge, whatever the rules say: flags that close to the boundary are often wrong.
UNSURE_BELOW = 0.65
UNSURE_TASKS = {"offensive": "offensive", "hate": "hate", "spam": "spam"}


# What conditions and actions read of a message: converting the other columns (dates, the network's URL...) of
# every row cost more than evaluating the rules.
MODERATED_FIELDS = [
    "workspace_id",
    "channel_id",
    "conversation_id",
    "contact_id",
    "external_id",
    "kind",
    "direction",
    "text",
    "reply_context",
    "language",
    "sentiment",
    "offensive",
    "hate",
    "spam",
    "intent",
    "classification_scores",
]


def compiled_rules(workspace_id: int) -> list[CompiledRule]:
    return [
        compile_rule(rule)
        for rule in Rule.objects.filter(workspace_id=workspace_id, enabled=True).order_by("position", "id")
    ]


def facts_for(messages: Sequence[Message]) -> dict[int, Facts]:
    """Per message: is it its author's first on the channel; is the author banned (a ban not undone)."""
    contact_ids = {message.contact_id for message in messages if message.contact_id is not None}
    first_ids = dict(
        Message.objects.filter(Among(F("contact_id"), list(contact_ids)), direction=Message.Direction.INBOUND)
        .values("contact_id")
        .annotate(first=Min("id"))
        .values_list("contact_id", "first")
    )
    blocked = set(
        ActionLog.objects.filter(
            Among(F("contact_id"), list(contact_ids)),
            action="ban",
            outcome=ActionLog.Outcome.DONE,
            undone_at=None,
        ).values_list("contact_id", flat=True)
    )
    # Four possible answers, built once: a frozen dataclass per message cost more than the rules' evaluation.
    answers = {
        (new, blocked_author): Facts(new_author=new, blocked_author=blocked_author)
        for new in (False, True)
        for blocked_author in (False, True)
    }
    return {
        message.pk: answers[
            message.contact_id is not None and first_ids.get(message.contact_id) == message.pk,
            message.contact_id in blocked,
        ]
        for message in messages
    }


@dataclass
class Matched:
    message: Message
    rule: CompiledRule
    reason: str


def evaluate(rules: Sequence[CompiledRule], messages: Sequence[Message]) -> list[Matched]:
    """Every (message, rule) that matches, in rule order; a rule marked "stop" ends its message's evaluation."""
    facts = facts_for(messages)
    matched = []
    for message in messages:
        message_facts = facts[message.pk]
        for rule in rules:
            reason = rule.evaluate(message, message_facts)
            if reason is None:
                continue
            matched.append(Matched(message, rule, reason))
            if rule.stop:
                break
    return matched


@dataclass
class BatchReport:
    messages: int = 0
    matches: int = 0
    actions: int = 0
    queued_unsure: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def moderate_messages(message_ids: Iterable[int]) -> BatchReport:
    """Runs right after classification: every enabled rule of each message's workspace, then its actions."""
    return moderate_batch(
        Message.objects.filter(Among(F("pk"), list(message_ids)), direction=Message.Direction.INBOUND)
        .only(*MODERATED_FIELDS)
        .order_by("id")
    )


def moderate_batch(batch: Iterable[Message]) -> BatchReport:
    """`moderate_messages` on messages already in memory (the sync's, as it stored them): inbound ones only, in
    the order they were stored."""
    messages = sorted(
        (message for message in batch if message.direction == Message.Direction.INBOUND),
        key=lambda message: message.pk,
    )
    report = BatchReport(messages=len(messages))
    by_workspace: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        by_workspace[message.workspace_id].append(message)
    for workspace_id, batch in by_workspace.items():
        rules = compiled_rules(workspace_id)
        per_rule: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        matches = evaluate(rules, batch) if rules else []
        queued = None
        if matches:
            attach_relations(list({id(match.message): match.message for match in matches}.values()))
            actions = ActionBatch(workspace_id, batch)
            take_actions(actions, matches, report, per_rule)
            queued = actions.queue.keys()
        if per_rule:  # one write transaction for the counts, not one per rule
            with transaction.atomic():
                for rule_id, (found, done) in per_rule.items():
                    count_rule_outcomes(rule_id, found, done)
        report.queued_unsure += queue_unsure(batch, queued)
    return report


def attach_relations(messages: Sequence[Message]) -> None:
    """Gives every matched message its channel and contact (what network actions name), each read once: a batch
    comes from one channel with a few messages per contact, and joining them built several objects per message,
    the largest cost of the batch (measured with bench/ingest.py). Batch actions need only the conversation's
    id; the rare action that reads more (assign, reply) loads it."""
    channels = Channel.objects.in_bulk({message.channel_id for message in messages})
    contact_ids = list({message.contact_id for message in messages if message.contact_id is not None})
    contacts = {contact.pk: contact for contact in Contact.objects.filter(Among(F("pk"), contact_ids))}
    for message in messages:
        message.channel = channels[message.channel_id]
        if message.contact_id is not None:
            message.contact = contacts[message.contact_id]


def take_actions(
    actions: ActionBatch, matches: Sequence[Matched], report: BatchReport, per_rule: dict[int, list[int]]
) -> None:
    """Each match's actions in order; `per_rule` counts matches and actions done per rule id. Outcomes are
    counted once the batch is written: a routed message's delivery may still fail then."""
    entries = []
    try:
        for match in matches:
            report.matches += 1
            rule = match.rule.rule
            per_rule[rule.pk][0] += 1
            reason = f"{rule.name}: {match.reason}"
            for action in match.rule.actions:
                actions.apply(match.message, action, reason, rule)
    finally:
        # Whatever stopped the loop, the actions already taken (some on the network) are written and logged.
        entries = actions.flush()
    for entry in entries:
        report.actions += 1
        report.outcomes[entry.outcome] += 1
        if entry.outcome == ActionLog.Outcome.DONE and entry.rule_id is not None:
            per_rule[entry.rule_id][1] += 1


def unsure_reason(message: Message) -> str | None:
    scores = message.classification_scores or {}
    for task, label in UNSURE_TASKS.items():
        flagged = getattr(message, task)
        value = (scores.get(task) or {}).get(label)
        if flagged and value is not None and value < UNSURE_BELOW:
            return _("Classifier unsure: %(task)s %(score).2f") % {"task": task, "score": value}
    return None


def queue_unsure(messages: Sequence[Message], queued: Collection[int] | None = None) -> int:
    """Low-confidence classifier hits go to the queue, once: `queued` holds the ids of the messages already
    there when the batch's actions know them (with those its rules just queued), else they are read."""
    if queued is None:
        queued = set(
            QueueItem.objects.filter(message_id__in=[message.pk for message in messages]).values_list(
                "message_id", flat=True
            )
        )
    items = [
        (message.workspace_id, message.pk, reason)
        for message in messages
        if message.pk not in queued and (reason := unsure_reason(message)) is not None
    ]
    insert_rows(QueueItem, ["workspace_id", "message_id", "reason"], items, ignore_conflicts=True)
    return len(items)


@dataclass
class DryRun:
    scanned: int
    matched: list[Matched]
    action_counts: dict[str, int]


def recent_messages(workspace_id: int, days: int = DRY_RUN_DAYS) -> QuerySet[Message]:
    since = timezone.now() - timedelta(days=days)
    return (
        Message.objects.filter(
            workspace_id=workspace_id, direction=Message.Direction.INBOUND, created_at__gte=since
        )
        .select_related("channel", "contact", "conversation")
        .order_by("-created_at", "-id")
    )


def dry_run(rule: Rule, days: int = DRY_RUN_DAYS) -> DryRun:
    """What the rule would have done on the last `days` of messages; reads only, writes nothing."""
    compiled = compile_rule(rule)
    messages = list(recent_messages(rule.workspace_id, days))
    matched = evaluate([compiled], messages)
    counts: dict[str, int] = defaultdict(int)
    for action in compiled.actions:
        counts[action["type"]] += len(matched)
    return DryRun(scanned=len(messages), matched=matched, action_counts=dict(counts))
