"""Language identification restricted to the workspace's languages, with fallback for short texts."""

from comptoir.nlp.language import UNDETERMINED, detect
from comptoir.nlp.normalise import normalise


def _detect(texts, languages=("fr", "en"), fallback=None):
    return detect([normalise(text) for text in texts], languages, fallback)


def test_french_and_english_are_told_apart():
    detections = _detect(
        [
            "Bonjour, ma commande n'est toujours pas arrivée et personne ne répond.",
            "Hello, my order still hasn't arrived and nobody answers the phone.",
        ]
    )
    assert [detection.language for detection in detections] == ["fr", "en"]
    assert all(detection.confidence > 0.55 for detection in detections)


def test_short_text_is_undetermined_without_fallback():
    (detection,) = _detect(["ok merci"])
    assert detection.language == UNDETERMINED
    assert detection.confidence == 0.0


def test_short_text_takes_the_channel_language():
    (detection,) = _detect(["top 👍"], fallback="fr")
    assert detection.language == "fr"


def test_detection_is_restricted_to_workspace_languages():
    (detection,) = _detect(["Guten Morgen, wo ist meine Bestellung geblieben?"], languages=("fr", "en", "de"))
    assert detection.language == "de"
    (restricted,) = _detect(["Guten Morgen, wo ist meine Bestellung geblieben?"], languages=("fr", "en"))
    assert restricted.language != "de"


def test_single_language_workspace_skips_detection():
    assert _detect(["n'importe quoi"], languages=("fr",))[0].language == "fr"


def test_mentions_and_links_do_not_count_as_letters():
    (detection,) = _detect(["@someone_with_long_name https://example.com/very/long/path ok"])
    assert detection.language == UNDETERMINED
