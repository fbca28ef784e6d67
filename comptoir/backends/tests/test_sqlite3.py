"""The SQLite backend's BEGIN IMMEDIATE: it waits for another writer closely, and gives up at the timeout."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from comptoir.backends.sqlite3.base import begin_immediate


def settings_for(path: Path, timeout: float) -> dict[str, object]:
    return {
        "ENGINE": "comptoir.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout},
    }


class OtherWriter(threading.Thread):
    """Another connection that takes the write lock, keeps it `seconds`, and notes when it let go."""

    def __init__(self, path: Path, seconds: float) -> None:
        super().__init__()
        self.path, self.seconds = path, seconds
        self.locked = threading.Event()
        self.released_at = 0.0

    def run(self) -> None:
        other = sqlite3.connect(self.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        self.locked.set()
        time.sleep(self.seconds)
        other.execute("COMMIT")
        self.released_at = time.monotonic()
        other.close()


def hold_write_lock(path: Path, seconds: float) -> OtherWriter:
    writer = OtherWriter(path, seconds)
    writer.start()
    writer.locked.wait()
    return writer


@pytest.fixture
def file_connection(tmp_path: Path, django_db_blocker: Any) -> Iterator[Any]:
    """The backend on a database file of its own (the suite's is in memory, where there is no lock to wait for)."""
    handler = ConnectionHandler({"default": settings_for(tmp_path / "db.sqlite3", timeout=0.5)})
    with django_db_blocker.unblock():
        connection = handler["default"]
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x integer)")
        yield connection
        connection.close()


def test_a_writer_gets_the_lock_right_after_the_other_releases_it(
    file_connection: Any, tmp_path: Path
) -> None:
    holder = hold_write_lock(tmp_path / "db.sqlite3", 0.45)
    file_connection._start_transaction_under_autocommit()
    got_at = time.monotonic()
    with file_connection.cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")
    file_connection.commit()
    holder.join()
    # SQLite's own handler would try at 428 then 528 ms, sleeping 100 ms at a time by then; the backend tries
    # every 2 ms at most.
    assert 0 <= got_at - holder.released_at < 0.03
    with file_connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM t")
        assert cursor.fetchone() == (1,)


def test_a_writer_gives_up_at_the_timeout_and_statements_keep_sqlite_own_wait(
    file_connection: Any, tmp_path: Path
) -> None:
    holder = hold_write_lock(tmp_path / "db.sqlite3", 1.0)
    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):
        file_connection._start_transaction_under_autocommit()
    assert 0.5 <= time.monotonic() - started < 0.7
    holder.join()
    with file_connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone() == (500,)


def test_only_a_busy_database_is_tried_again(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "db.sqlite3", isolation_level=None)
    connection.execute("BEGIN")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
        begin_immediate(connection, timeout=5)
    assert time.monotonic() - started < 1
