"""Text normalisation."""

from comptoir.nlp.normalise import normalise, strip_placeholders


def test_urls_become_a_placeholder():
    assert normalise("Voir https://example.com/a?b=1 et www.site.fr") == "voir http et http"


def test_mentions_become_a_placeholder_but_emails_do_not():
    assert normalise("@SNCF merci, écrivez à aide@sncf.fr") == "@user merci, écrivez à aide@sncf.fr"


def test_emoji_and_accents_are_kept():
    assert normalise("Génial 😍🎉") == "génial 😍🎉"


def test_elongations_are_capped_at_two():
    assert normalise("Trooooop bien !!!!!") == "troop bien !!"


def test_unicode_compatibility_forms_are_folded():
    assert normalise("ｆｕｌｌ\u00a0width") == "full width"


def test_placeholders_are_removed_for_language_identification():
    assert strip_placeholders(normalise("@user bonjour http://x.fr")) == "bonjour"
    assert strip_placeholders("http") == ""
