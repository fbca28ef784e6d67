"""Django's SQLite backend, waiting for the write lock without oversleeping.

SQLite's own busy handler sleeps 1, 2, 5 … then 100 ms between tries, so a writer that finds the lock taken
wakes up to 100 ms after it was released: with two sync workers taking turns, a tenth of their time went on
such sleeps (bench/ingest.py). Here BEGIN IMMEDIATE is retried every millisecond or two instead, until the
same timeout; statements outside a transaction keep SQLite's handler.
"""

from __future__ import annotations

import sqlite3
import time

from django.db.backends.sqlite3 import base

# The longest sleep between tries: what a waiting writer may lose after the lock is released.
LONGEST_SLEEP = 0.002


class DatabaseWrapper(base.DatabaseWrapper):
    def _start_transaction_under_autocommit(self) -> None:
        # Neither attribute is in django-stubs; both are Django's SQLite backend's own (5.2).
        if getattr(self, "transaction_mode", None) != "IMMEDIATE" or self.is_in_memory_db():
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
            return
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        raw = self.connection
        with self.wrap_database_errors:
            raw.execute("PRAGMA busy_timeout = 0")
            try:
                begin_immediate(raw, timeout)
            finally:
                raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


def begin_immediate(connection: sqlite3.Connection, timeout: float) -> None:
    """BEGIN IMMEDIATE, tried again while another connection writes, for `timeout` seconds at most."""
    deadline = time.monotonic() + timeout
    sleep = 0.0002
    while True:
        try:
            connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
        time.sleep(sleep)
        sleep = min(sleep * 2, LONGEST_SLEEP)
