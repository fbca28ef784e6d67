"""With REDIS_URL set, jobs go through Redis to a separate `comptoir worker` process (the production layout)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

pytestmark = pytest.mark.redis

REDIS = "redis://127.0.0.1:6379/14"


def comptoir(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "comptoir.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_job_enqueued_by_web_runs_in_worker_through_redis(tmp_path: Path) -> None:
    redis.Redis.from_url(REDIS).flushdb()
    env = {**os.environ, "COMPTOIR_DATA_DIR": str(tmp_path), "REDIS_URL": REDIS}
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        env.pop(name, None)
    comptoir(["manage", "migrate", "--verbosity", "0"], env)
    subject = f"redis-{uuid.uuid4().hex}"
    enqueue = (
        f"from comptoir.system.jobs import send_email; send_email({subject!r}, 'body', ['cm@example.test'])"
    )
    comptoir(["manage", "shell", "-c", enqueue], env)
    assert redis.Redis.from_url(REDIS).llen("huey.redis.comptoir") == 1
    worker = subprocess.Popen(
        [sys.executable, "-m", "comptoir.cli", "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        outbox = tmp_path / "outbox"
        while time.monotonic() < deadline and not (outbox.exists() and any(outbox.iterdir())):
            time.sleep(0.2)
        sent = [path.read_text() for path in outbox.iterdir()] if outbox.exists() else []
        assert any(subject in message for message in sent)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    assert redis.Redis.from_url(REDIS).llen("huey.redis.comptoir") == 0
