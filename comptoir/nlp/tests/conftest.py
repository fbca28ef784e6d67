"""Fixtures for the NLP tests: no backend override leaks from one test to the next."""

from collections.abc import Iterator

import pytest

from comptoir.nlp import backends


@pytest.fixture(autouse=True)
def _project_backends(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv(backends.MODEL_DIRECTORY_VARIABLE, raising=False)
    yield
    backends._overrides.clear()
