"""Publisher benchmark: N targets due at the same instant across M channels, sent by real worker processes.
Prints the delay after due (p50/p95), duplicates (posts on the network per target > 1) and lost targets (not
published), for SQLite with 1 worker and PostgreSQL with 1 and 4.

    .venv/bin/python bench/publisher.py                       # 10,000 targets, 1,000 channels
    .venv/bin/python bench/publisher.py --targets 200 --channels 20 --runs sqlite:1
    .venv/bin/python bench/publisher.py --network http        # over HTTP to the loopback network

The network is the issue's "local fast provider" by default: comptoir/testing/journal_network.py, which answers
in the worker's process and appends each post to a journal file shared by the workers (duplicates are counted
there). `--network http` sends to the loopback HTTP network of the fault tests instead
(tests/peers/fault_provider.py through comptoir/testing/local_network.py); its Python server shares the two cores
with the workers, so that run measures the server too.

A worker is a process running the publisher's loop (`publisher.run_publisher_loop`, what the periodic job runs).
PostgreSQL runs use the database named by --postgres-url, dropped and created afresh.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/comptoir_publisher_bench"
# Workers start and settle before the targets come due, so the delay measures the publisher, not start-up. As
# in production, where posts are scheduled long before their time, the workers claim them ahead of it
# (publisher.CLAIM_AHEAD).
LEAD_TIME = timedelta(seconds=15)


@dataclass(frozen=True)
class Result:
    network: str
    database: str
    workers: int
    targets: int
    channels: int
    p50: float
    p95: float
    max: float
    duplicates: int
    lost: int


def percentile(values: list[float], percent: int) -> float:
    """Nearest rank, as the dashboard computes it."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent * len(ordered) / 100)) - 1] if ordered else float("nan")


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "comptoir.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from comptoir.testing import journal_network, local_network

    local_network.register()
    journal_network.register()


def work(database_url: str, seconds: float) -> None:
    """One worker process: the publisher's loop, as the periodic job runs it, until stopped."""
    _setup(database_url)
    from comptoir.publishing.publisher import run_publisher_loop, worker_id

    run_publisher_loop(worker_id(), seconds)


def seed(targets: int, channels: int, network: str, address: str) -> None:
    """`address`: the HTTP network's URL, or the journal file's path."""
    from django.utils import timezone

    from comptoir.accounts.models import User
    from comptoir.channels import crypto
    from comptoir.channels.models import Channel
    from comptoir.publishing.models import Post, PostTarget
    from comptoir.testing import journal_network, local_network
    from comptoir.workspaces.models import Workspace

    def settings(number: int) -> dict[str, str]:
        if network == "http":
            return {"url": address, "timeout": "30", "allow_private_network": "1"}
        return {"journal": address, "account": f"canal-{number}"}

    workspace = Workspace.objects.create(name="Banc d'essai", slug="banc")
    author = User.objects.create_user(email="banc@example.test", password=None)
    credentials = crypto.encrypt({"token": "bench"})
    created = Channel.objects.bulk_create(
        Channel(
            workspace=workspace,
            network=local_network.NETWORK if network == "http" else journal_network.NETWORK,
            name=f"canal-{number}",
            account_id=f"canal-{number}",
            settings=settings(number),
            credentials_encrypted=credentials,
        )
        for number in range(channels)
    )
    posts = Post.objects.bulk_create(
        Post(workspace=workspace, author=author, title=f"Annonce {number}") for number in range(targets)
    )
    due = timezone.now() + LEAD_TIME
    PostTarget.objects.bulk_create(
        (
            PostTarget(
                post=post,
                channel=created[number % channels],
                text=f"Annonce n° {number}",
                state=PostTarget.State.SCHEDULED,
                due_at=due,
                next_attempt_at=due,
            )
            for number, post in enumerate(posts)
        ),
        batch_size=1000,
    )


def coordinate(
    network: str, database: str, database_url: str, workers: int, targets: int, channels: int
) -> Result:
    """Seeds the database, starts the network and the workers, waits for every target to settle, counts."""
    _setup(database_url)
    from django.core.management import call_command
    from django.db.models import F

    from comptoir.publishing.models import PostTarget
    from comptoir.testing.journal_network import read_journal
    from tests.peers.fault_provider import FaultServer

    call_command("migrate", verbosity=0)
    server = FaultServer().start() if network == "http" else None
    journal = Path(os.environ["COMPTOIR_DATA_DIR"]) / "journal.jsonl"
    seed(targets, channels, network, server.url if server else str(journal))
    processes = [
        subprocess.Popen([sys.executable, __file__, "--work", database_url], cwd=ROOT, start_new_session=True)
        for _ in range(workers)
    ]
    open_states = [PostTarget.State.SCHEDULED, PostTarget.State.CLAIMED, PostTarget.State.UNKNOWN]
    deadline = time.monotonic() + 1800
    while PostTarget.objects.filter(state__in=open_states).exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    for process in processes:
        if process.poll() is None:  # a worker returns by itself once nothing more comes due
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)
    published = PostTarget.objects.filter(state=PostTarget.State.PUBLISHED)
    delays = [
        delay.total_seconds()
        for delay in published.annotate(delay=F("published_at") - F("due_at")).values_list("delay", flat=True)
    ]
    keys = [str(key) for key in PostTarget.objects.values_list("idempotency_key", flat=True)]
    if server is not None:
        duplicates = sum(max(0, len(server.posts_with_key(key)) - 1) for key in keys)
        server.stop()
    else:
        sent = Counter(entry["key"] for entry in read_journal(journal))
        duplicates = sum(max(0, sent[key] - 1) for key in keys)
    return Result(
        network=network,
        database=database,
        workers=workers,
        targets=targets,
        channels=channels,
        p50=percentile(delays, 50),
        p95=percentile(delays, 95),
        max=max(delays, default=float("nan")),
        duplicates=duplicates,
        lost=targets - len(delays),
    )


def fresh_database(database: str, postgres_url: str, directory: Path) -> str:
    if database == "sqlite":
        return f"sqlite:///{directory / 'bench.sqlite3'}"
    base, name = postgres_url.rsplit("/", 1)
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", "-X", "-q", f"{base}/postgres", "-c", sql], check=True)
    return postgres_url


def run(
    database: str, workers: int, targets: int, channels: int, postgres_url: str, network: str = "journal"
) -> Result:
    with tempfile.TemporaryDirectory(prefix="comptoir-bench-") as directory:
        url = fresh_database(database, postgres_url, Path(directory))
        env = {**os.environ, "COMPTOIR_DATA_DIR": directory}
        env.pop("REDIS_URL", None)
        command = [
            sys.executable,
            __file__,
            "--coordinate",
            network,
            database,
            url,
            str(workers),
            str(targets),
            str(channels),
        ]
        output = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return Result(**json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    if sys.argv[1:2] == ["--work"]:
        work(sys.argv[2], seconds=3600)
        return
    if sys.argv[1:2] == ["--coordinate"]:
        network, database, url, workers, targets, channels = sys.argv[2:8]
        result = coordinate(network, database, url, int(workers), int(targets), int(channels))
        print(json.dumps(asdict(result)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=1_000)
    parser.add_argument(
        "--runs", default="sqlite:1,postgres:1,postgres:4", help="database:workers, comma-separated"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES)
    parser.add_argument("--network", choices=["journal", "http"], default="journal")
    args = parser.parse_args()
    where = "loopback HTTP network" if args.network == "http" else "local fast provider, in process"
    print(f"{args.targets} targets due at the same instant on {args.channels} channels ({where})")
    print(f"{'database':<10} {'workers':>7} {'p50 s':>8} {'p95 s':>8} {'max s':>8} {'dupl.':>6} {'lost':>5}")
    for spec in args.runs.split(","):
        database, workers = spec.split(":")
        result = run(database, int(workers), args.targets, args.channels, args.postgres_url, args.network)
        print(
            f"{result.database:<10} {result.workers:>7} {result.p50:>8.2f} {result.p95:>8.2f} {result.max:>8.2f} "
            f"{result.duplicates:>6} {result.lost:>5}",
            flush=True,
        )


if __name__ == "__main__":
    main()
