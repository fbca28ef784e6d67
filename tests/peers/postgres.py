"""A private PostgreSQL cluster for tests that restart the database: Debian's binaries, a temporary data
directory, a free loopback port. The machine's own PostgreSQL, which others use, is never touched."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import connections

from comptoir.testing.processes import free_port

BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres(command: list[str]) -> list[str]:
    """initdb refuses to run as root: the cluster belongs to the `postgres` system user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass(frozen=True)
class PostgresCluster:
    data_dir: Path
    port: int

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def settings(self, database: str) -> dict[str, object]:
        """A Django DATABASES entry for `database` on this cluster (the same options as config.py's)."""
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": database,
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {},
            "TEST": {},
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
            "TIME_ZONE": None,
        }

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(BIN / "pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "60", *args]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        log = self.data_dir / "server.log"
        self._ctl(
            "-l", str(log), "-o", f"-p {self.port} -k {self.data_dir} -c listen_addresses=127.0.0.1", "start"
        )

    def restart(self) -> None:
        """A fast restart: every open connection is cut, as in a failover or an upgrade."""
        self._ctl("-m", "fast", "restart")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def psql(self, sql: str, database: str = "postgres") -> None:
        subprocess.run(
            [str(BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url(database), "-c", sql],
            check=True,
            stdout=subprocess.DEVNULL,
        )


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PostgresCluster]:
    if not (BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL 15 binaries not found in {BIN}")
    root = Path(tempfile.mkdtemp(prefix="comptoir-pg-"))
    data_dir = root / "data"
    data_dir.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data_dir, "postgres")
    subprocess.run(
        _as_postgres(
            [
                str(BIN / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    cluster = PostgresCluster(data_dir=data_dir, port=free_port())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def default_database(settings: dict[str, object]) -> Iterator[None]:
    """Points this process's `default` connection at another database (any engine) for the duration, then
    gives back the original connection untouched (an in-memory SQLite test database survives)."""
    original, original_settings = connections["default"], connections.settings["default"]
    connections.settings["default"] = settings
    replacement = connections.create_connection("default")
    connections["default"] = replacement
    try:
        yield
    finally:
        replacement.close()
        connections["default"] = original
        connections.settings["default"] = original_settings
