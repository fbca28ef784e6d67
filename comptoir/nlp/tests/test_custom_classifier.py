"""Workspace classifiers: training from a team's labels, JSON round trip, use in the pipeline."""

import json

import pytest

from comptoir.nlp import CustomModel, CustomTrainingError, classify, train_custom_classifier

DELIVERY = [
    "Mon colis n'est pas arrivé",
    "Où en est ma livraison ?",
    "Le livreur n'est jamais passé",
    "Colis perdu depuis une semaine",
    "Suivi de livraison bloqué",
]
BILLING = [
    "J'ai été facturé deux fois",
    "Erreur sur ma facture de mars",
    "Prélèvement incorrect sur mon compte",
    "Remboursement de la facture en attente",
    "Je conteste ce prélèvement",
]


@pytest.fixture
def model():
    return train_custom_classifier(DELIVERY + BILLING, ["livraison"] * 5 + ["facturation"] * 5)


def test_custom_classifier_learns_the_team_labels(model):
    assert model.predict(["Ma livraison est en retard", "Double prélèvement sur ma facture"]) == [
        "livraison",
        "facturation",
    ]


def test_round_trip_through_json(model):
    restored = CustomModel.from_dict(json.loads(json.dumps(model.to_dict())))
    texts = ["colis en retard", "facture fausse"]
    assert restored.predict(texts) == model.predict(texts)
    assert restored.predict_proba(texts) == pytest.approx(model.predict_proba(texts), abs=1e-4)


def test_serialised_model_is_small(model):
    assert len(json.dumps(model.to_dict())) < 200_000


def test_pipeline_applies_workspace_classifiers(model):
    (result,) = classify(["Mon colis a disparu"], custom_models={"topic": model})
    assert result.custom == {"topic": "livraison"}


def test_a_single_label_cannot_be_trained():
    with pytest.raises(CustomTrainingError):
        train_custom_classifier(["a", "b"], ["x", "x"])


def test_each_label_needs_two_examples():
    with pytest.raises(CustomTrainingError):
        train_custom_classifier(["a", "b", "c"], ["x", "x", "y"])
