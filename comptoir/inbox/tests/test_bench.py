"""The inbox benchmark runs end to end at a tiny size (its figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_the_benchmark_runs_at_a_tiny_size(tmp_path: Path) -> None:
    command = [sys.executable, str(ROOT / "bench" / "inbox.py"), "--messages", "300", "--database", "sqlite"]
    command += ["--runs", "2", "--directory", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split()[:2] == ["list", "(no"] for line in lines)
    assert any(line.strip().startswith("search 'reclamation'") for line in lines)
