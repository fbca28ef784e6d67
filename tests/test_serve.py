"""`comptoir serve` on a fresh data directory: migrates, serves pages and static files, runs jobs, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from comptoir.testing.processes import free_port


def wait_for(url: str, deadline: float) -> int:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                status: int = response.status
                return status
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in time")


@pytest.mark.slow
def test_serve_starts_from_nothing_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "COMPTOIR_DATA_DIR": str(tmp_path)}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "comptoir.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        assert wait_for(f"http://127.0.0.1:{port}/accounts/login/", deadline) == 200
        assert wait_for(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js", deadline) == 200
        assert (tmp_path / "comptoir.sqlite3").exists()
        assert (tmp_path / "queue.sqlite3").exists()
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert "Traceback" not in output
