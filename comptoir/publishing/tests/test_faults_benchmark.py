"""The publisher benchmark (bench/publisher.py) at a tiny size: real worker processes send every target
exactly once, to the in-process journal network and to the loopback HTTP network."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "publisher.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_publisher", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("network", ["journal", "http"])
def test_tiny_benchmark_sends_everything_once(network: str) -> None:
    bench = load_bench()
    result = bench.run("sqlite", workers=2, targets=40, channels=4, postgres_url="", network=network)
    assert (result.targets, result.duplicates, result.lost) == (40, 0, 0)
    assert result.p95 >= result.p50 >= 0
