"""The `bench` command: messages per second through the whole pipeline, one process, BLAS limited to one thread."""

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from threadpoolctl import threadpool_limits

from comptoir.nlp.datasets import PACKAGE_DATA, read_messages
from comptoir.nlp.pipeline import classify


@dataclass(frozen=True)
class BenchResult:
    messages: int
    batch_size: int
    seconds: float
    cpu_seconds: float
    mean_characters: float

    @property
    def messages_per_second(self) -> float:
        return self.messages / self.seconds

    @property
    def messages_per_cpu_second(self) -> float:
        """Throughput per core actually used, all threads included: stable on a machine shared with other work."""
        return self.messages / self.cpu_seconds


def sample_texts(count: int, source: Path | None = None, seed: int = 0) -> list[str]:
    """Messages to time: lines of `source`, or the project's French and English example messages."""
    if source is not None:
        pool = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        pool = [
            text
            for language in ("fr", "en")
            for corpus in read_messages(PACKAGE_DATA / f"messages_{language}.tsv").values()
            for text in corpus.texts
        ]
    generator = random.Random(seed)
    return [generator.choice(pool) for _ in range(count)]


def bench(texts: Sequence[str], batch_size: int = 1000) -> BenchResult:
    with threadpool_limits(limits=1):
        classify(texts[:batch_size])
        started, cpu_started = time.perf_counter(), time.process_time()
        for start in range(0, len(texts), batch_size):
            classify(texts[start : start + batch_size])
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return BenchResult(len(texts), batch_size, elapsed, cpu, sum(map(len, texts)) / max(len(texts), 1))
