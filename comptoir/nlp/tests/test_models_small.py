"""The shipped models: small, pickle-free, with their metadata."""

import json

import numpy as np

from comptoir.nlp.backends import MODELS_DIRECTORY
from comptoir.nlp.tasks import TASK_LABELS

MAX_TOTAL_BYTES = 20 * 1024 * 1024


def test_models_together_are_under_20_mb():
    total = sum(path.stat().st_size for path in MODELS_DIRECTORY.iterdir() if path.is_file())
    assert 0 < total < MAX_TOTAL_BYTES


def test_model_arrays_load_without_pickle():
    archives = sorted(MODELS_DIRECTORY.glob("*.npz"))
    assert [path.stem for path in archives] == ["en", "fr"]
    for path in archives:
        with np.load(path, allow_pickle=False) as arrays:
            for name in arrays.files:
                assert arrays[name].dtype != object, name


def test_metadata_records_version_date_data_and_metrics():
    for language in ("en", "fr"):
        metadata = json.loads((MODELS_DIRECTORY / f"{language}.json").read_text())
        assert metadata["version"]
        assert metadata["trained_at"]
        assert all(len(digest) == 64 for digest in metadata["data_sha256"].values())
        expected = set(TASK_LABELS) - ({"irony"} if language == "fr" else set())
        assert set(metadata["tasks"]) == expected
        for details in metadata["tasks"].values():
            assert details["cross_validation"]["n"] > 0
