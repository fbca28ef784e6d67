"""Inbox ingest benchmark: store exactly once, classify, run ~10 moderation rules; prints messages per second.

Runs the real sync path (`sync_channel_inbox`) against a generated network that hands out pages of realistic
messages (French and English examples of comptoir.nlp, 5 % of items delivered twice), on a throwaway SQLite
database (or --database-url). Network calls a rule would make (hide, delete, ban) go to a stub that records them:
the figure is Comptoir's own cost. Usage:

    .venv/bin/python bench/ingest.py --messages 100000 [--page-size 500] [--processes 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RULES: list[dict[str, Any]] = [
    {
        "name": "Spam connu",
        "conditions": [
            {"type": "keywords", "words": ["bitcoin", "crypto", "gagnez", "free money", "casino", "viagra"]}
        ],
        "actions": [{"type": "delete"}, {"type": "ban"}],
    },
    {
        "name": "Liens raccourcis",
        "conditions": [
            {"type": "regex", "pattern": r"\b(?:bit\.ly|tinyurl\.com|t\.co)/\w+"},
            {"type": "author", "status": "new"},
        ],
        "actions": [{"type": "queue"}],
    },
    {
        "name": "Spam probable",
        "conditions": [{"type": "score", "score": "spam:spam", "threshold": 0.9}],
        "actions": [{"type": "hide"}, {"type": "label", "label": "Spam"}],
    },
    {
        "name": "Insultes",
        "conditions": [{"type": "score", "score": "offensive:offensive", "threshold": 0.85}],
        "actions": [{"type": "hide"}, {"type": "queue"}],
    },
    {
        "name": "Haine",
        "conditions": [{"type": "score", "score": "hate:hate", "threshold": 0.8}],
        "actions": [{"type": "delete"}, {"type": "ban"}],
    },
    {
        "name": "Réclamations",
        "conditions": [
            {"type": "score", "score": "intent:complaint", "threshold": 0.7},
            {"type": "score", "score": "sentiment:negative", "threshold": 0.6},
        ],
        "actions": [{"type": "label", "label": "SAV"}, {"type": "route", "department": "SAV"}],
    },
    {
        "name": "Intentions d'achat",
        "conditions": [{"type": "score", "score": "intent:purchase", "threshold": 0.7}],
        "actions": [{"type": "label", "label": "Lead"}],
    },
    {
        "name": "Presse",
        "conditions": [
            {"type": "keywords", "words": ["journaliste", "journalist", "interview", "reportage", "press"]}
        ],
        "match": "any",
        "actions": [{"type": "label", "label": "Presse"}],
    },
    {
        "name": "Anglais",
        "conditions": [
            {"type": "language", "languages": ["en"]},
            {"type": "kind", "kinds": ["direct_message"]},
        ],
        "actions": [{"type": "label", "label": "English"}],
    },
    {
        "name": "Auteurs bloqués",
        "conditions": [{"type": "author", "status": "blocked"}],
        "actions": [{"type": "queue"}],
    },
]


@dataclass
class Timings:
    seconds: dict[str, float]
    cpu_seconds: dict[str, float]


def timed(timings: Timings, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Wall and CPU time of every call: on a shared machine the CPU time is the figure that holds."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            timings.seconds[name] += time.perf_counter() - started
            timings.cpu_seconds[name] += time.process_time() - cpu_started

    return wrapper


def setup_django(data_dir: str, database_url: str) -> None:
    os.environ["COMPTOIR_DATA_DIR"] = data_dir
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


class GeneratedNetwork:
    """Pages of inbox items by cursor ("page number"); items of earlier pages come back now and then."""

    def __init__(self, texts: Sequence[str], page_size: int, prefix: str, seed: int) -> None:
        from comptoir.providers.base import Author, InboxItem, InboxKind

        generator = random.Random(seed)
        start = datetime.now(UTC) - timedelta(days=1)
        kinds = (
            [InboxKind.COMMENT] * 6 + [InboxKind.MENTION] * 2 + [InboxKind.REPLY, InboxKind.DIRECT_MESSAGE]
        )
        items = []
        for index, text in enumerate(texts):
            author = f"@{prefix}user{generator.randrange(len(texts) // 5 + 1)}:bench"
            kind = generator.choice(kinds)
            items.append(
                InboxItem(
                    external_id=f"${prefix}{index}",
                    kind=kind,
                    author=Author(external_id=author, handle=author, display_name=author[1:].split(":")[0]),
                    text=text,
                    created_at=start + timedelta(milliseconds=index),
                    thread_id=f"$thread{prefix}{generator.randrange(len(texts) // 8 + 1)}",
                    url=f"https://matrix.to/#/!bench/{index}",
                    reply_context={"event_id": f"${prefix}{index}"},
                )
            )
        self.pages = [items[i : i + page_size] for i in range(0, len(items), page_size)]
        # At-least-once delivery: 5 % of each page is an item the previous page already gave.
        for number in range(1, len(self.pages)):
            previous = self.pages[number - 1]
            self.pages[number] = self.pages[number] + generator.sample(previous, len(previous) // 20)
        self.moderation_calls = 0

    def fetch_inbox(self, cursor: str = "") -> Any:
        from comptoir.providers.base import InboxPage

        number = int(cursor or 0)
        return InboxPage(
            items=self.pages[number] if number < len(self.pages) else [],
            cursor=str(min(number + 1, len(self.pages))),
            has_more=number + 1 < len(self.pages),
        )

    def moderate(self, action: Any, target: Any) -> None:
        self.moderation_calls += 1


def prepare_workspace(slug: str) -> Any:
    """A workspace with a Bluesky channel (hide, delete and ban allowed), labels, a department and the rules."""
    from comptoir.channels import crypto
    from comptoir.channels.models import Channel
    from comptoir.inbox.models import Department, Label
    from comptoir.moderation.models import Rule
    from comptoir.workspaces.models import Workspace

    workspace = Workspace.objects.create(name=f"Bench {slug}", slug=slug, languages=["fr", "en"])
    channel = Channel.objects.create(
        workspace=workspace,
        network="bluesky",
        name="Bench",
        account_id=f"did:plc:{slug}",
        credentials_encrypted=crypto.encrypt({"token": "bench"}),
    )
    labels = {
        name: Label.objects.create(workspace=workspace, name=name).pk
        for name in ("Spam", "SAV", "Lead", "Presse", "English")
    }
    departments = {
        "SAV": Department.objects.create(workspace=workspace, name="SAV", email="sav@bench.test").pk
    }
    for position, definition in enumerate(RULES):
        actions = []
        for action in definition["actions"]:
            action = dict(action)
            if action["type"] == "label":
                action["label"] = labels[action["label"]]
            if action["type"] == "route":
                action["department"] = departments[action["department"]]
            actions.append(action)
        Rule.objects.create(
            workspace=workspace,
            name=definition["name"],
            position=position,
            match=definition.get("match", "all"),
            conditions=definition["conditions"],
            actions=actions,
        )
    return channel


def run(
    messages: int, page_size: int, database_url: str, data_dir: str, worker: int, seed: int
) -> dict[str, Any]:
    """One process: its own workspace and channel, the whole sync loop timed phase by phase."""
    setup_django(data_dir, database_url)
    from threadpoolctl import threadpool_limits

    import comptoir.inbox.sync as sync
    import comptoir.moderation.actions as moderation_actions
    import comptoir.moderation.engine as engine
    from comptoir.inbox.models import Message
    from comptoir.moderation.models import ActionLog, QueueItem
    from comptoir.nlp.bench import sample_texts
    from comptoir.system.worker import prepare_worker

    network = GeneratedNetwork(sample_texts(messages, seed=seed), page_size, f"w{worker}-", seed)
    channel = prepare_workspace(f"bench-{worker}-{seed}")
    timings = Timings(defaultdict(float), defaultdict(float))
    # The stub network stands for every provider; each phase is wrapped in a timer where the sync looks it up.
    patches: list[tuple[Any, str, Any]] = [
        (sync, "provider_for", lambda _channel: network),
        (moderation_actions, "provider_for", lambda _channel: network),
        # A page is classified before its write transaction, then stored.
        (sync, "classify_items", timed(timings, "classify", sync.classify_items)),
        (sync, "save_page", timed(timings, "store", sync.save_page)),
        # Rule evaluation (compiled, in memory) and acting on matches (database, stub) are timed apart.
        (engine, "evaluate", timed(timings, "rules: evaluate", engine.evaluate)),
        (sync, "moderate_new_messages", timed(timings, "rules: evaluate + act", sync.moderate_new_messages)),
    ]
    for module, name, replacement in patches:
        setattr(module, name, replacement)
    with threadpool_limits(limits=1):
        # What `comptoir worker` does before its first job: the models (classifier, language detection, the
        # rules engine's scikit-learn) loaded, the heap frozen. A worker pays that once in its life.
        prepare_worker()
        started, cpu_started = time.perf_counter(), time.process_time()
        stored = 0
        while True:
            report = sync.sync_channel_inbox(channel)
            stored += report.stored
            assert not report.error, report.error
            if report.pages == 0 or (report.stored == 0 and report.pages <= 1):
                break
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    workspace_messages = Message.objects.filter(channel=channel)
    return {
        "worker": worker,
        "delivered": sum(len(page) for page in network.pages),
        "stored": stored,
        "distinct": workspace_messages.count(),
        "classified": workspace_messages.exclude(classified_at=None).count(),
        "actions_logged": ActionLog.objects.filter(workspace=channel.workspace).count(),
        "queued": QueueItem.objects.filter(workspace=channel.workspace).count(),
        "network_calls": network.moderation_calls,
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "phases": {name: (seconds, timings.cpu_seconds[name]) for name, seconds in timings.seconds.items()},
    }


def migrate(data_dir: str, database_url: str) -> None:
    setup_django(data_dir, database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000, help="messages per process")
    parser.add_argument("--page-size", type=int, default=500, help="items per network page (one batch)")
    parser.add_argument("--processes", type=int, default=1, help="processes, each with its own channel")
    parser.add_argument("--database-url", default="", help="default: a throwaway SQLite database")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    data_dir = tempfile.mkdtemp(prefix="comptoir-bench-")
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:  # migrate in a child: the parent never imports Django
        pool.apply(migrate, (data_dir, args.database_url))
    started = time.perf_counter()
    with context.Pool(args.processes) as pool:
        results = pool.starmap(
            run,
            [
                (args.messages, args.page_size, args.database_url, data_dir, worker, args.seed + worker)
                for worker in range(args.processes)
            ],
        )
    wall = time.perf_counter() - started
    total = sum(result["distinct"] for result in results)
    print(
        f"ingest benchmark: {args.processes} process(es) × {args.messages} messages, pages of {args.page_size}"
    )
    for result in results:
        phases = "; ".join(
            f"{name} {wall:.1f} s ({cpu:.1f} s cpu, {result['distinct'] / cpu:.0f} msg/cpu-s)"
            for name, (wall, cpu) in sorted(result["phases"].items())
        )
        print(
            f"  worker {result['worker']}: {result['delivered']} delivered, {result['stored']} stored "
            f"({result['distinct']} distinct, {result['classified']} classified), "
            f"{result['actions_logged']} actions logged, {result['queued']} queued, "
            f"{result['network_calls']} network calls; {result['seconds']:.1f} s "
            f"({result['distinct'] / result['seconds']:.0f} msg/s; cpu {result['cpu_seconds']:.1f} s = "
            f"{result['distinct'] / result['cpu_seconds']:.0f} msg/cpu-s)\n    {phases}"
        )
    print(f"total: {total} messages in {wall:.1f} s wall (startup included) = {total / wall:.0f} msg/s")
    slowest = max(result["seconds"] for result in results)
    print(f"steady state: {total / slowest:.0f} msg/s across processes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
