"""The ingest benchmark runs end to end at a tiny size: every message stored once, classified, rules applied."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_the_ingest_benchmark_runs_tiny() -> None:
    # The benchmark makes its own throwaway SQLite database; it must not inherit the test run's settings.
    inherited = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "COMPTOIR_DATA_DIR"}
    environment = {key: value for key, value in os.environ.items() if key not in inherited}
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "ingest.py"), "--messages", "60", "--page-size", "20"],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "60 stored (60 distinct, 60 classified)" in result.stdout
    assert "msg/s" in result.stdout
