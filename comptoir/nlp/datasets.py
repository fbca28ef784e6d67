"""Readers for the labelled corpora: TweetEval layout, MLMA French, and the project's own message files."""

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from comptoir.nlp.tasks import TASK_LABELS, canonical_label

PACKAGE_DATA = Path(__file__).parent / "data"
BINARY_TASKS = ("spam", "offensive", "hate")


@dataclass
class LabelledTexts:
    """Parallel lists of texts and label names, with the files they were read from."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    sources: list[Path] = field(default_factory=list)

    def extend(self, other: "LabelledTexts") -> None:
        self.texts += other.texts
        self.labels += other.labels
        self.sources += [source for source in other.sources if source not in self.sources]


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_mapping(path: Path) -> dict[int, str]:
    """Read a TweetEval mapping.txt ("0<TAB>negative" per line) into index → canonical label."""
    mapping: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            index, name = line.split(maxsplit=1)
            mapping[int(index)] = canonical_label(name)
    return mapping


def read_tweeteval(directory: Path, split: str) -> LabelledTexts:
    """Read `<split>_text.txt` and `<split>_labels.txt` of one task folder, labels mapped to names."""
    mapping = read_mapping(directory / "mapping.txt")
    text_path = directory / f"{split}_text.txt"
    label_path = directory / f"{split}_labels.txt"
    texts = text_path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    labels = [mapping[int(line)] for line in label_path.read_text(encoding="utf-8").split()]
    if len(texts) != len(labels):
        raise ValueError(f"{directory}: {len(texts)} texts but {len(labels)} labels in {split}")
    return LabelledTexts(texts, labels, [text_path, label_path])


def read_mlma_french(path: Path) -> dict[str, LabelledTexts]:
    """Offensive = no annotator said "normal"; hate = some said "hateful"; rows mixing both are left out."""
    offensive = LabelledTexts(sources=[path])
    hate = LabelledTexts(sources=[path])
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kinds = set(row["sentiment"].split("_"))
            text = row["tweet"]
            if kinds == {"normal"}:
                offensive.texts.append(text)
                offensive.labels.append("not-offensive")
                hate.texts.append(text)
                hate.labels.append("not-hate")
            elif "normal" not in kinds:
                offensive.texts.append(text)
                offensive.labels.append("offensive")
                if "hateful" in kinds:
                    hate.texts.append(text)
                    hate.labels.append("hate")
    return {"offensive": offensive, "hate": hate}


def read_messages(path: Path) -> dict[str, LabelledTexts]:
    """Read a project message file: one message per row, one column per task, empty when not labelled."""
    corpora = {task: LabelledTexts(sources=[path]) for task in TASK_LABELS}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            for task, corpus in corpora.items():
                value = (row.get(task) or "").strip()
                if not value:
                    continue
                label = TASK_LABELS[task][int(value)] if task in BINARY_TASKS else value
                if label not in TASK_LABELS[task]:
                    raise ValueError(f"{path}: unknown {task} label {value!r} for {row['text']!r}")
                corpus.texts.append(row["text"])
                corpus.labels.append(label)
    return {task: corpus for task, corpus in corpora.items() if corpus.texts}
