"""Inbox benchmark: p50/p95 latency of the inbox list and of full-text search over N stored messages.

Builds a throwaway database (SQLite file or PostgreSQL database `comptoir_inbox_bench`), fills it with N
messages in French and English spread over conversations, channels and a year, then times the very query
functions the inbox view calls (comptoir.inbox.queries.filtered_conversations, which searches through
comptoir.inbox.search), one page of 50 at a time.

    .venv/bin/python bench/inbox.py --messages 1000000 --database both
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from django.db.models import Model

    from comptoir.channels.models import Channel
    from comptoir.workspaces.models import Workspace

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
BENCH_DATABASE = "comptoir_inbox_bench"
PAGE = 50
BATCH = 5000

FRENCH = [
    "Bonjour, ma livraison n'est toujours pas arrivée",
    "je voudrais un remboursement pour ma commande",
    "j'ai déposé une réclamation la semaine dernière",
    "quels sont les horaires du magasin le dimanche ?",
    "merci pour votre réponse rapide",
    "le colis est arrivé abîmé",
    "votre service client ne répond pas au téléphone",
    "est-ce que le produit existe en taille M ?",
    "super soirée hier, bravo à toute l'équipe",
    "impossible de me connecter à mon compte",
    "la facture ne correspond pas au montant payé",
    "vous livrez en Belgique ?",
    "je souhaite annuler mon abonnement",
    "le code promo ne fonctionne pas",
    "très déçu par la qualité",
]
ENGLISH = [
    "Hello, my order never arrived",
    "I would like a refund please",
    "I cannot reset my password",
    "what are your opening hours on Sunday?",
    "thanks for the quick answer",
    "the parcel was damaged on delivery",
    "do you ship to Canada?",
    "great event yesterday, well done",
    "the invoice amount is wrong",
    "I want to cancel my subscription",
    "the discount code does not work",
]
QUERIES = [
    "livraison",
    "reclamation",
    "remboursement commande",
    "horaires magasin",
    "refund",
    "order never arrived",
    "password",
    "facture montant",
]


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--messages", type=int, default=1_000_000, help="messages to store (default 1,000,000)"
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per query (default 20)")
    parser.add_argument(
        "--directory", default="", help="where the SQLite file goes (default: a temporary one)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure what a previous run left (PostgreSQL, or SQLite in --directory) without refilling",
    )
    return parser.parse_args()


def main() -> None:
    args = parse()
    if args.database == "both":
        for database in ("sqlite", "postgresql"):
            command = [sys.executable, __file__, "--database", database, "--messages", str(args.messages)]
            command += ["--runs", str(args.runs)]
            if args.directory:
                command += ["--directory", args.directory]
            subprocess.run(command, check=True)
        return
    if args.reuse:
        configure(args, args.directory or tempfile.mkdtemp(prefix="comptoir-bench-"))
        run(args)
        return
    if args.directory:
        # Kept after the run, for --reuse; a fresh run starts from an empty file.
        Path(args.directory, "bench.sqlite3").unlink(missing_ok=True)
        fresh(args, args.directory)
        return
    with tempfile.TemporaryDirectory(prefix="comptoir-bench-") as directory:
        fresh(args, directory)


def fresh(args: argparse.Namespace, directory: str) -> None:
    configure(args, directory)
    if args.database == "postgresql":
        recreate_postgres_database()
    run(args)


def configure(args: argparse.Namespace, directory: str) -> None:
    os.environ["COMPTOIR_DATA_DIR"] = directory
    os.environ["DJANGO_SETTINGS_MODULE"] = "comptoir.settings"
    if args.database == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bench.sqlite3"
    else:
        os.environ["DATABASE_URL"] = f"{POSTGRES_SERVER}/{BENCH_DATABASE}"


def recreate_postgres_database() -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        server.execute(f"CREATE DATABASE {BENCH_DATABASE}")


def run(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from comptoir.inbox.models import Message
    from comptoir.workspaces.models import Workspace

    call_command("migrate", verbosity=0)
    if args.reuse:
        workspace = Workspace.objects.order_by("id")[0]
        print(f"{connection.vendor}: {Message.objects.count():,} messages already stored", flush=True)
    else:
        print(f"{connection.vendor}: storing {args.messages:,} messages…", flush=True)
        started = time.perf_counter()
        workspace = fill(args.messages)
        print(f"  stored and indexed in {time.perf_counter() - started:.0f} s", flush=True)
    measure(workspace, args.runs)


def insert(model: type[Model], fields: list[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Raw multi-row insert (executemany) of `fields`; every other column gets its model default, so a column
    another app adds later does not break the benchmark."""
    from django.db import connection
    from django.db.models import DateTimeField

    given = set(fields)
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    others = [
        field for field in model._meta.concrete_fields if field.attname not in given and not field.primary_key
    ]
    now = datetime.now(UTC)
    defaults = tuple(
        field.get_db_prep_save(
            now if getattr(field, "auto_now_add", False) else field.get_default(), connection
        )
        for field in others
    )
    # Datetimes go through the backend's own adaptation (SQLite stores them as UTC text).
    adapt = connection.ops.adapt_datetimefield_value
    moments = [i for i, name in enumerate(fields) if isinstance(by_attname[name], DateTimeField)]
    if moments:
        rows = [tuple(adapt(value) if i in moments else value for i, value in enumerate(row)) for row in rows]
    columns = [str(by_attname[name].column) for name in fields] + [str(f.column) for f in others]
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})",  # noqa: S608 - names from the model
            [list(row + defaults) for row in rows],
        )


def fill(count: int) -> Workspace:
    """Stores `count` messages without the search triggers or indexes, then builds the index in one go."""
    from django.db import connection, transaction

    from comptoir.inbox.models import Contact, Conversation, Label, Message
    from comptoir.inbox.search import install_search, remove_search
    from comptoir.testing.factories import ChannelFactory, WorkspaceFactory

    rng = random.Random(42)
    workspace = cast("Workspace", WorkspaceFactory(languages=["fr", "en"]))  # type: ignore[no-untyped-call]
    WorkspaceFactory()  # type: ignore[no-untyped-call]  # a neighbour, for workspace scoping to exclude
    made = [
        cast("Channel", ChannelFactory(workspace=workspace, network=network, name=network.title()))  # type: ignore[no-untyped-call]
        for network in ("matrix", "mastodon", "bluesky", "facebook")
    ]
    channels = [channel.pk for channel in made]
    labels = [Label.objects.create(workspace=workspace, name=name).pk for name in ("SAV", "Presse", "Lead")]
    remove_search(connection)
    now = datetime.now(UTC)
    contacts_count, conversations_count = max(count // 10, 1), max(count // 4, 1)
    # Ids are given, so that rows can point at each other without reading anything back.
    contact_channel = [channels[number % len(channels)] for number in range(contacts_count)]
    conversations: list[tuple[int, int, datetime]] = []  # (channel, contact, opened), id = index + 1
    for _number in range(conversations_count):
        contact = rng.randrange(contacts_count)
        conversations.append(
            (contact_channel[contact], contact + 1, now - timedelta(seconds=rng.randrange(365 * 86400)))
        )
    latest = [opened for _channel, _contact, opened in conversations]
    messages = []
    for number in range(count):
        index = number % conversations_count
        channel, contact, opened = conversations[index]
        written = opened + timedelta(minutes=15 * (number // conversations_count))
        latest[index] = max(latest[index], written)
        bank, language = (FRENCH, "fr") if rng.random() < 0.7 else (ENGLISH, "en")
        text = f"{rng.choice(bank)}. {rng.choice(bank)} (réf. {rng.randrange(10**6)})"
        sentiment = rng.choice(["positive", "neutral", "negative"])
        messages.append(
            (
                0,
                workspace.pk,
                channel,
                index + 1,
                contact,
                f"m{number}",
                "comment",
                text,
                written,
                language,
                sentiment,
            )
        )
    # Ids follow arrival, as the sync assigns them: the newest message has the highest id.
    messages.sort(key=lambda row: row[8])
    messages = [(number + 1, *row[1:]) for number, row in enumerate(messages)]
    statuses = ["open", "open", "pending", "done", "done", "done"]
    with transaction.atomic():
        for start in range(0, contacts_count, BATCH):
            insert(
                Contact,
                ["id", "workspace_id", "channel_id", "external_id", "handle", "display_name"],
                [
                    (n + 1, workspace.pk, contact_channel[n], f"fan{n}", f"@fan{n}", f"Fan {n}")
                    for n in range(start, min(start + BATCH, contacts_count))
                ],
            )
        for start in range(0, conversations_count, BATCH):
            rows = []
            for n in range(start, min(start + BATCH, conversations_count)):
                channel, contact, opened = conversations[n]
                rows.append(
                    (
                        n + 1,
                        workspace.pk,
                        channel,
                        contact,
                        "comment_thread",
                        f"t{n}",
                        rng.choice(FRENCH + ENGLISH)[:80],
                        rng.choice(statuses),
                        latest[n],
                        opened,
                        opened,
                        opened + timedelta(hours=4),
                        opened + timedelta(days=2),
                    )
                )
            insert(
                Conversation,
                [
                    "id",
                    "workspace_id",
                    "channel_id",
                    "contact_id",
                    "kind",
                    "external_thread_id",
                    "subject",
                    "status",
                    "last_message_at",
                    "opened_at",
                    "last_inbound_at",
                    "first_response_due_at",
                    "resolution_due_at",
                ],
                rows,
            )
        through = Conversation.labels.through
        insert(
            through,
            ["conversation_id", "label_id"],
            [(n + 1, rng.choice(labels)) for n in range(conversations_count) if rng.random() < 0.2],
        )
        for start in range(0, count, BATCH):
            insert(
                Message,
                [
                    "id",
                    "workspace_id",
                    "channel_id",
                    "conversation_id",
                    "contact_id",
                    "external_id",
                    "kind",
                    "text",
                    "created_at",
                    "language",
                    "sentiment",
                ],
                messages[start : start + BATCH],
            )
            if start % (BATCH * 40) == 0:
                print(f"  {start:,} messages…", flush=True)
    if connection.vendor == "postgresql":
        # Explicit ids leave the sequences behind; the app's own inserts would collide otherwise.
        with connection.cursor() as cursor:
            for model in (Contact, Conversation, Message):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                )
    indexing = time.perf_counter()
    install_search(connection)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"  search index built in {time.perf_counter() - indexing:.0f} s", flush=True)
    return workspace


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(workspace: Workspace, runs: int) -> None:
    from comptoir.inbox.queries import InboxFilters, filtered_conversations

    def page(filters: InboxFilters) -> float:
        started = time.perf_counter()
        rows = list(filtered_conversations(workspace, filters)[: PAGE + 1])
        for conversation in rows:
            list(conversation.labels.all())
        return (time.perf_counter() - started) * 1000

    cases = {
        "list (no filter)": [InboxFilters()],
        "list (open)": [InboxFilters(status="open")],
        "search": [InboxFilters(text=query) for query in QUERIES],
    }
    print(f"  {'case':<20} {'p50 ms':>8} {'p95 ms':>8} {'runs':>6}")
    for name, variants in cases.items():
        for filters in variants:
            page(filters)  # warm the caches once: we measure a running server, not a cold start
        timings = [page(filters) for _ in range(runs) for filters in variants]
        print(
            f"  {name:<20} {percentile(timings, 0.5):>8.1f} {percentile(timings, 0.95):>8.1f} {len(timings):>6}",
            flush=True,
        )
    for query in QUERIES:
        timings = [page(InboxFilters(text=query)) for _ in range(max(runs // 4, 3))]
        print(f"    search {query!r:<26} p50 {statistics.median(timings):7.1f} ms", flush=True)


if __name__ == "__main__":
    main()
