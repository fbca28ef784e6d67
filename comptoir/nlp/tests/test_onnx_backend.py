"""Replacing a task's model by an ONNX model from a local directory."""

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from comptoir.nlp import BackendError, OnnxBackend, classify, set_backend
from comptoir.nlp.backends import MODEL_DIRECTORY_VARIABLE


def _write_keyword_model(directory, keyword, labels):
    """A string-in model: probability of the second label is 0.9 when the text equals `keyword`."""
    directory.mkdir(parents=True)
    nodes = [
        helper.make_node(
            "LabelEncoder",
            ["text"],
            ["hit"],
            domain="ai.onnx.ml",
            keys_strings=[keyword],
            values_floats=[0.8],
            default_float=0.0,
        ),
        helper.make_node(
            "Constant", [], ["base"], value=helper.make_tensor("b", TensorProto.FLOAT, [], [0.1])
        ),
        helper.make_node("Add", ["hit", "base"], ["positive"]),
        helper.make_node(
            "Constant", [], ["one"], value=helper.make_tensor("o", TensorProto.FLOAT, [], [1.0])
        ),
        helper.make_node("Sub", ["one", "positive"], ["negative"]),
        helper.make_node(
            "Constant", [], ["axis"], value=helper.make_tensor("a", TensorProto.INT64, [1], [1])
        ),
        helper.make_node("Unsqueeze", ["negative", "axis"], ["negative_column"]),
        helper.make_node("Unsqueeze", ["positive", "axis"], ["positive_column"]),
        helper.make_node("Concat", ["negative_column", "positive_column"], ["probabilities"], axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "keyword",
        [helper.make_tensor_value_info("text", TensorProto.STRING, ["n"])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["n", 2])],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)]
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, directory / "model.onnx")
    (directory / "labels.json").write_text(json.dumps(labels))


def test_onnx_backend_predicts_from_raw_texts(tmp_path):
    _write_keyword_model(tmp_path / "spam", "BUY NOW", ["not-spam", "spam"])
    backend = OnnxBackend(tmp_path / "spam")
    probabilities = backend.predict_proba(["BUY NOW", "hello"])
    assert backend.labels == ("not-spam", "spam")
    np.testing.assert_allclose(probabilities, [[0.1, 0.9], [0.9, 0.1]], rtol=1e-6)


def test_set_backend_replaces_a_task_in_the_pipeline(tmp_path):
    _write_keyword_model(tmp_path / "spam", "BUY NOW", ["not_spam", "spam"])
    set_backend("spam", OnnxBackend(tmp_path / "spam"))
    hit, miss = classify(["BUY NOW", "Gagnez 1000 € par jour, cliquez sur http://gain.biz"], lang="fr")
    assert hit.spam
    assert hit.scores["spam"]["spam"] == pytest.approx(0.9)
    assert not miss.spam
    set_backend("spam", None)
    assert classify(["Gagnez 1000 € par jour, cliquez sur http://gain.biz"], lang="fr")[0].spam


def test_model_directory_variable_overrides_a_task(tmp_path, monkeypatch):
    _write_keyword_model(tmp_path / "offensive", "banana", ["not-offensive", "offensive"])
    monkeypatch.setenv(MODEL_DIRECTORY_VARIABLE, str(tmp_path))
    (result,) = classify(["banana"], lang="en")
    assert result.offensive
    assert result.scores["offensive"]["offensive"] == pytest.approx(0.9)


def test_backend_with_wrong_labels_is_refused(tmp_path):
    _write_keyword_model(tmp_path / "model", "x", ["cat", "dog"])
    with pytest.raises(BackendError):
        set_backend("hate", OnnxBackend(tmp_path / "model"))
