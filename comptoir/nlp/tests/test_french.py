"""French behaviour of the shipped models on clear community-management messages."""

from comptoir.nlp import classify


def _one(text):
    (result,) = classify([text])
    return result


def test_french_complaint_is_negative_and_a_complaint():
    result = _one(
        "Ça fait trois semaines que j'attends ma commande, personne ne répond, c'est inadmissible !"
    )
    assert result.language == "fr"
    assert result.sentiment == "negative"
    assert result.intent == "complaint"


def test_french_question_is_a_question():
    result = _one("Bonjour, est-ce que vous livrez en Belgique le samedi ?")
    assert result.intent == "question"
    assert result.sentiment == "neutral"


def test_french_praise_is_positive_praise():
    result = _one("Merci beaucoup à toute l'équipe, service impeccable et livraison super rapide 😍")
    assert result.sentiment == "positive"
    assert result.intent == "praise"


def test_french_purchase_intent():
    assert (
        _one("Bonjour, je voudrais commander le coffret cadeau, il est encore disponible ?").intent
        == "purchase"
    )


def test_french_spam():
    result = _one("Gagnez 500 € par jour depuis chez vous, cliquez vite sur http://argent-facile.top")
    assert result.spam
    assert not _one("Bonjour, ma facture de mars est introuvable dans mon espace client").spam


def test_french_insult_is_offensive_not_hate():
    result = _one("Ferme ta gueule espèce d'abruti")
    assert result.offensive
    assert not result.hate


def test_french_hate_speech():
    result = _one("Les migrants dehors, renvoyez-les tous chez eux, c'est une invasion")
    assert result.hate
    assert result.offensive


def test_polite_french_message_is_not_offensive():
    result = _one("Merci pour votre réponse rapide, bonne journée à vous")
    assert not result.offensive
    assert not result.hate
