"""The batch API: one frozen Result per text, decisions consistent with probabilities."""

import dataclasses

import pytest

from comptoir.nlp import Result, classify
from comptoir.nlp.tasks import TASK_LABELS


def test_batch_returns_one_result_per_text_in_order():
    texts = ["I love this, thank you so much!", "Je suis furieux, remboursez-moi tout de suite", "ok"]
    results = classify(texts)
    assert len(results) == 3
    assert [result.language for result in results] == ["en", "fr", "und"]


def test_result_is_frozen_with_probabilities_per_task():
    (result,) = classify(["This app keeps crashing, worst update ever"], lang="en")
    assert isinstance(result, Result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.sentiment = "positive"  # type: ignore[misc]
    for task in ("sentiment", "offensive", "hate", "spam", "intent", "irony"):
        assert set(result.scores[task]) == set(TASK_LABELS[task])
        assert sum(result.scores[task].values()) == pytest.approx(1.0, abs=1e-3)  # 4 decimals each
    assert result.sentiment == "negative"
    assert result.language_confidence == 1.0


def test_forced_language_skips_detection():
    (result,) = classify(["merci"], lang="fr")
    assert result.language == "fr"


def test_english_insult_is_offensive_but_not_hate():
    (result,) = classify(["@user you are a fucking idiot, shut up"], lang="en")
    assert result.offensive
    assert not result.hate


def test_english_hate_speech_against_a_group():
    (result,) = classify(
        ["Deport all these illegals, they are invading our country and raping our women"], lang="en"
    )
    assert result.hate


def test_english_question_and_purchase():
    question, purchase = classify(
        ["How do I reset my password on the app?", "I'd like to order two tickets, how much are they?"],
        lang="en",
    )
    assert question.intent == "question"
    assert purchase.intent == "purchase"


def test_undetermined_text_uses_fallback_language():
    (result,) = classify(["top 👍"], fallback_language="fr")
    assert result.language == "fr"
    assert result.language_confidence == 0.0


def test_empty_batch():
    assert classify([]) == []


def test_decisions_agree_with_scores():
    results = classify(["Worst service ever", "Bravo pour l'événement !", "Is the shop open on Sunday?"])
    for result in results:
        assert result.sentiment == max(result.scores["sentiment"], key=result.scores["sentiment"].__getitem__)
        assert result.hate == (result.scores["hate"]["hate"] > 0.5)
        assert result.offensive == (result.hate or result.scores["offensive"]["offensive"] > 0.5)


def test_hate_implies_offensive():
    results = classify(["Les migrants dehors, renvoyez-les tous chez eux, c'est une invasion"], lang="fr")
    assert results[0].hate
    assert results[0].offensive
