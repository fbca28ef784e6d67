"""The evaluate command on a small folder in TweetEval layout."""

import json

import pytest

from comptoir.nlp.cli import main

SENTIMENT = [
    ("I love this so much, best day ever!", 2),
    ("This is terrible, I hate it.", 0),
    ("The meeting is at 3pm in room 204.", 1),
    ("Absolutely wonderful service, thank you!", 2),
    ("Worst experience of my life, never again.", 0),
]
OFFENSIVE = [
    ("@user you are a fucking idiot", 1),
    ("@user thanks for sharing, great thread", 0),
    ("@user shut up you stupid bitch", 1),
    ("@user see you at the game tomorrow", 0),
]


def _task(root, name, rows, mapping):
    folder = root / name
    folder.mkdir()
    (folder / "test_text.txt").write_text("".join(f"{text}\n" for text, _ in rows), encoding="utf-8")
    (folder / "test_labels.txt").write_text("".join(f"{label}\n" for _, label in rows))
    (folder / "mapping.txt").write_text("".join(f"{index}\t{name}\n" for index, name in enumerate(mapping)))


@pytest.fixture
def data(tmp_path):
    _task(tmp_path, "sentiment", SENTIMENT, ["negative", "neutral", "positive"])
    _task(tmp_path, "offensive", OFFENSIVE, ["not-offensive", "offensive"])
    (tmp_path / "emoji").mkdir()
    return tmp_path


def test_json_has_the_four_figures_per_task(data, capsys):
    assert main(["evaluate", "--data", str(data), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert set(scores) == {"sentiment", "offensive"}
    for task, n in (("sentiment", 5), ("offensive", 4)):
        assert set(scores[task]) == {"macro_f1", "macro_recall", "accuracy", "n"}
        assert scores[task]["n"] == n
        assert 0.0 <= scores[task]["macro_f1"] <= 1.0
    assert scores["offensive"]["accuracy"] == 1.0
    assert scores["sentiment"]["macro_recall"] >= 2 / 3


def test_label_indices_follow_the_mapping_file(data, capsys):
    # Same texts, mapping and labels swapped: a model read through the mapping scores the same.
    folder = data / "offensive"
    (folder / "mapping.txt").write_text("0\toffensive\n1\tnon_offensive\n")
    (folder / "test_labels.txt").write_text("".join(f"{1 - label}\n" for _, label in OFFENSIVE))
    assert main(["evaluate", "--data", str(data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["offensive"]["accuracy"] == 1.0


def test_table_without_json(data, capsys):
    assert main(["evaluate", "--data", str(data)]) == 0
    output = capsys.readouterr().out
    assert "macro_f1" in output
    assert "offensive  en" in output


def test_empty_directory_is_an_error(tmp_path, capsys):
    assert main(["evaluate", "--data", str(tmp_path), "--json"]) == 2
    assert "test_labels.txt" in capsys.readouterr().err
