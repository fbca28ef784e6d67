"""The publisher under faults, with a real `comptoir worker` process: a worker killed mid-call, a network that
times out after accepting, 429 with Retry-After, 500s, a revoked token and a PostgreSQL restart. Every case ends
with each target published exactly once (counted on the remote side) or failed with its cause.

The test and the worker share a database of the private PostgreSQL cluster (tests/peers/postgres.py); the faults
come from tests/peers/fault_provider.py, as the local network itself or as a proxy in front of Synapse.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pytest_django.plugin import DjangoDbBlocker

from comptoir.channels.actions import do_connect_channel
from comptoir.channels.models import Channel
from comptoir.channels.tests.test_connect_matrix import create_room, room_texts
from comptoir.providers.bluesky import BlueskyProvider
from comptoir.publishing.models import PostTarget, PublishAttempt
from comptoir.testing import local_network
from comptoir.testing.factories import ChannelFactory, MembershipFactory, PostFactory, PostTargetFactory
from comptoir.testing.processes import log_tail
from comptoir.workspaces.models import Membership
from comptoir.workspaces.permissions import Role
from tests.peers.bluesky import BlueskyNetwork
from tests.peers.fault_provider import ACCEPT_THEN_HANG, Fault, FaultServer, refuse
from tests.peers.matrix import SynapsePeer, connect_room_channel
from tests.peers.postgres import PostgresCluster, default_database

pytestmark = [pytest.mark.peers, pytest.mark.slow]

State = PostTarget.State
ROOT = Path(__file__).resolve().parents[3]
SETTLED = {State.PUBLISHED, State.FAILED, State.MISSED}
TEMPLATE = "comptoir_faults_template"


@pytest.fixture(scope="session")
def migrated_template(private_postgres: PostgresCluster, django_db_blocker: DjangoDbBlocker) -> str:
    private_postgres.psql(f"CREATE DATABASE {TEMPLATE}")
    with django_db_blocker.unblock(), default_database(private_postgres.settings(TEMPLATE)):
        call_command("migrate", verbosity=0)
    return TEMPLATE


@dataclass
class SharedDatabase:
    cluster: PostgresCluster
    name: str

    @property
    def url(self) -> str:
        return self.cluster.url(self.name)


@pytest.fixture
def shared_database(
    private_postgres: PostgresCluster, migrated_template: str, django_db_blocker: DjangoDbBlocker
) -> Iterator[SharedDatabase]:
    """A fresh database, copied from the migrated template, that this process and the workers both use."""
    name = f"faults_{uuid.uuid4().hex[:10]}"
    private_postgres.psql(f"CREATE DATABASE {name} TEMPLATE {migrated_template}")
    with django_db_blocker.unblock(), default_database(private_postgres.settings(name)):
        yield SharedDatabase(private_postgres, name)
    private_postgres.psql(f"DROP DATABASE {name} WITH (FORCE)")


class Workers:
    """Starts `comptoir worker` processes (tests/peers/publisher_worker.py) on the shared database."""

    def __init__(self, database: SharedDatabase, logs: Path) -> None:
        self.database = database
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, stuck_after: float = 45) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "comptoir.settings",
            "DATABASE_URL": self.database.url,
            "COMPTOIR_TEST_STUCK_AFTER": str(stuck_after),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("REDIS_URL", None)
        log = open(self.logs / f"worker-{len(self.processes)}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.peers.publisher_worker"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def output(self) -> str:
        return "\n".join(log_tail(path, 30) for path in sorted(self.logs.glob("worker-*.log")))

    def full_output(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.logs.glob("worker-*.log")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.kill(process)


@pytest.fixture
def workers(shared_database: SharedDatabase, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(shared_database, tmp_path)
    yield started
    started.stop()


@dataclass
class Remote:
    """One network under test: its fault server, a channel publishing through it, and the remote count."""

    name: str
    faults: FaultServer
    channel: Channel
    count: Callable[[PostTarget], int]


@pytest.fixture
def owner(shared_database: SharedDatabase) -> Membership:
    membership: Membership = MembershipFactory(role=Role.OWNER)
    return membership


def local_remote(owner: Membership, server: FaultServer) -> Remote:
    local_network.register()
    channel: Channel = ChannelFactory(
        workspace=owner.workspace,
        network=local_network.NETWORK,
        settings={"url": server.url, "timeout": "3", "allow_private_network": "1"},
    )
    return Remote(
        "local", server, channel, lambda target: len(server.posts_with_key(str(target.idempotency_key)))
    )


def matrix_remote(owner: Membership, synapse: SynapsePeer) -> Remote:
    proxy = FaultServer(synapse.homeserver, lambda method, path: method == "PUT" and "/send/" in path).start()
    bot = synapse.register_user("fournil")
    room_id = create_room(synapse, bot)
    channel = connect_room_channel(owner, synapse, bot, room_id)
    channel.settings = {**channel.settings, "homeserver": proxy.url}
    channel.save()
    return Remote(
        "matrix", proxy, channel, lambda target: room_texts(synapse, bot, room_id).count(target.text)
    )


def bluesky_remote(owner: Membership, network: BlueskyNetwork) -> Remote:
    proxy = FaultServer(
        network.pds_url,
        lambda method, path: method == "POST" and path.endswith("com.atproto.repo.createRecord"),
    ).start()
    handle, password, did = network.create_account("fournil")
    connection = BlueskyProvider.connect(
        {"service": network.pds_url, "handle": handle, "app_password": password, "allow_private_network": "1"}
    )
    channel = do_connect_channel(owner.workspace, owner.user, "bluesky", connection)
    # Every call goes through the proxy, the session's own PDS address included.
    channel.settings = {**channel.settings, "service": proxy.url}
    channel.credentials = {**channel.credentials, "pds_endpoint": proxy.url}
    channel.save()

    def count(target: PostTarget) -> int:
        response = httpx.get(
            f"{network.pds_url}/xrpc/com.atproto.repo.listRecords",
            params={"repo": did, "collection": "app.bsky.feed.post", "limit": 100},
            timeout=30,
        )
        response.raise_for_status()
        return [record["value"]["text"] for record in response.json()["records"]].count(target.text)

    return Remote("bluesky", proxy, channel, count)


@pytest.fixture(params=["local", "matrix", "bluesky"])
def remote(request: pytest.FixtureRequest, owner: Membership) -> Iterator[Remote]:
    if request.param == "local":
        chosen = local_remote(owner, FaultServer().start())
    elif request.param == "matrix":
        chosen = matrix_remote(owner, request.getfixturevalue("synapse"))
    else:
        chosen = bluesky_remote(owner, request.getfixturevalue("bluesky_network"))
    yield chosen
    chosen.faults.stop()


def due_target(remote: Remote, text: str = "") -> PostTarget:
    target: PostTarget = PostTargetFactory(
        post=PostFactory(workspace=remote.channel.workspace),
        channel=remote.channel,
        text=text or f"Fournée de {uuid.uuid4().hex[:6]}",
        due_at=timezone.now(),
    )
    return target


def wait_until(condition: Callable[[], bool], workers: Workers, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"Condition not met in {timeout:.0f} s. Workers said:\n{workers.output()}")


def settled(target: PostTarget) -> Callable[[], bool]:
    return lambda: PostTarget.objects.get(pk=target.pk).state in SETTLED


def outcomes(target: PostTarget) -> list[str]:
    return list(PublishAttempt.objects.filter(target=target).values_list("outcome", flat=True))


def test_worker_killed_mid_publish_is_recovered_without_a_duplicate(remote: Remote, workers: Workers) -> None:
    remote.faults.script(ACCEPT_THEN_HANG)
    target = due_target(remote)
    first = workers.start()
    wait_until(lambda: len(remote.faults.requests) == 1, workers)
    assert PostTarget.objects.get(pk=target.pk).state == State.CLAIMED
    workers.kill(first)
    workers.start(stuck_after=5)
    wait_until(settled(target), workers)
    target.refresh_from_db()
    assert target.state == State.PUBLISHED, target.last_error
    assert remote.count(target) == 1
    assert outcomes(target) == [PublishAttempt.Outcome.PUBLISHED]


def test_timeout_after_accepting_is_reconciled_not_resent(remote: Remote, workers: Workers) -> None:
    remote.faults.script(ACCEPT_THEN_HANG)
    target = due_target(remote)
    workers.start()
    wait_until(settled(target), workers)
    target.refresh_from_db()
    assert target.state == State.PUBLISHED, target.last_error
    assert remote.count(target) == 1
    assert len(remote.faults.requests) == 1


def test_rate_limit_waits_for_retry_after(remote: Remote, workers: Workers) -> None:
    remote.faults.script(
        refuse(429, retry_after=4, errcode="M_LIMIT_EXCEEDED", error="Too many requests", retry_after_ms=4000)
    )
    target = due_target(remote)
    workers.start()
    wait_until(settled(target), workers)
    target.refresh_from_db()
    assert target.state == State.PUBLISHED, target.last_error
    assert remote.count(target) == 1
    refused, accepted = remote.faults.requests
    assert accepted.at - refused.at >= 4
    assert outcomes(target) == [PublishAttempt.Outcome.RETRY, PublishAttempt.Outcome.PUBLISHED]


def test_server_errors_are_retried_then_published(remote: Remote, workers: Workers) -> None:
    remote.faults.script(*[refuse(500, errcode="M_UNKNOWN", error="Internal server error")] * 2)
    target = due_target(remote)
    workers.start()
    wait_until(settled(target), workers)
    target.refresh_from_db()
    assert target.state == State.PUBLISHED, target.last_error
    assert remote.count(target) == 1
    assert len(remote.faults.requests) == 3
    assert target.attempts == 3


def test_revoked_token_fails_with_its_cause_and_asks_to_reconnect(remote: Remote, workers: Workers) -> None:
    remote.faults.revoke(
        refuse(401, errcode="M_UNKNOWN_TOKEN", error="Invalid access token", message="Token has been revoked")
    )
    target = due_target(remote)
    workers.start()
    wait_until(settled(target), workers)
    target.refresh_from_db()
    assert (target.state, target.failure_reason) == (State.FAILED, PostTarget.FailureReason.AUTH_REVOKED)
    assert remote.count(target) == 0
    assert Channel.objects.get(pk=remote.channel.pk).status == Channel.Status.RECONNECT


def test_postgresql_restart_during_a_run_loses_and_duplicates_nothing(
    remote: Remote, workers: Workers, shared_database: SharedDatabase
) -> None:
    # 16 slow posts over the worker's 8 sending threads: the restart lands while answers are coming in.
    remote.faults.script(*[Fault(delay=2)] * 16)
    targets = [due_target(remote, f"Annonce {number} {uuid.uuid4().hex[:6]}") for number in range(16)]
    worker = workers.start(stuck_after=20)
    wait_until(lambda: len(remote.faults.requests) >= 3, workers)
    shared_database.cluster.restart()
    connection.close()  # this process's connection was cut too
    wait_until(lambda: all(settled(target)() for target in targets), workers, timeout=240)
    assert worker.poll() is None, workers.output()
    assert "The database is unavailable" in workers.full_output()
    for target in targets:
        target.refresh_from_db()
        assert target.state == State.PUBLISHED, target.last_error
        assert remote.count(target) == 1
