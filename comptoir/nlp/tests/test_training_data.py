"""Training data readers and decision-offset tuning."""

import numpy as np

from comptoir.nlp.datasets import PACKAGE_DATA, read_messages, read_mlma_french
from comptoir.nlp.tasks import TASK_LABELS
from comptoir.nlp.train import tune_offsets


def test_project_message_files_cover_every_task_and_label():
    for language in ("fr", "en"):
        corpora = read_messages(PACKAGE_DATA / f"messages_{language}.tsv")
        for task in ("sentiment", "intent", "spam", "offensive", "hate"):
            assert set(corpora[task].labels) == set(TASK_LABELS[task]), (language, task)


def test_mlma_rows_mixing_normal_and_hostile_are_left_out(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text(
        "HITId,tweet,sentiment,directness,annotator_sentiment,target,group\n"
        "1,a,normal,direct,x,origin,g\n2,b,offensive,direct,x,origin,g\n"
        "3,c,hateful_offensive,direct,x,origin,g\n4,d,offensive_normal,direct,x,origin,g\n"
    )
    corpora = read_mlma_french(path)
    assert corpora["offensive"].texts == ["a", "b", "c"]
    assert corpora["offensive"].labels == ["not-offensive", "offensive", "offensive"]
    assert corpora["hate"].labels == ["not-hate", "hate"]


def test_offsets_raise_the_tuned_metric():
    # The minority class is under-predicted at a zero threshold; an offset on its logit fixes recall.
    labels = np.array([0] * 80 + [1] * 20)
    logits = np.zeros((100, 2))
    logits[:, 1] = np.r_[np.linspace(-3, -1.2, 80), np.linspace(-1.0, -0.2, 20)]
    offsets = tune_offsets(logits, labels, "macro_f1")
    assert (np.argmax(logits + offsets, axis=1) == labels).all()
