"""UTM parameters: added to every link of a variant, keeping queries, fragments, mentions and hashtags intact."""

from __future__ import annotations

import pytest

from comptoir.publishing.models import LinkTracking
from comptoir.publishing.utm import add_utm, utm_params

PARAMS = {"utm_source": "mastodon", "utm_medium": "social", "utm_campaign": "rentree"}
TAG = "utm_source=mastodon&utm_medium=social&utm_campaign=rentree"


def test_a_bare_link_gets_the_parameters() -> None:
    assert add_utm("Voir https://lemoine.fr/menu", PARAMS) == f"Voir https://lemoine.fr/menu?{TAG}"


def test_a_domain_without_path_gets_a_slash_before_the_query() -> None:
    assert add_utm("https://lemoine.fr", PARAMS) == f"https://lemoine.fr/?{TAG}"


def test_an_existing_query_is_kept() -> None:
    assert add_utm("https://lemoine.fr/p?id=4&lang=fr", PARAMS) == f"https://lemoine.fr/p?id=4&lang=fr&{TAG}"


def test_a_fragment_stays_after_the_query() -> None:
    assert (
        add_utm("https://lemoine.fr/p?id=4#horaires", PARAMS) == f"https://lemoine.fr/p?id=4&{TAG}#horaires"
    )


def test_a_fragment_without_query() -> None:
    assert add_utm("https://lemoine.fr/#/carte", PARAMS) == f"https://lemoine.fr/?{TAG}#/carte"


def test_parameters_the_link_already_has_are_left_as_written() -> None:
    text = "https://lemoine.fr/?utm_source=affiche&x=1"
    assert (
        add_utm(text, PARAMS)
        == "https://lemoine.fr/?utm_source=affiche&x=1&utm_medium=social&utm_campaign=rentree"
    )


def test_a_link_with_every_parameter_is_unchanged() -> None:
    text = f"https://lemoine.fr/?{TAG}"
    assert add_utm(text, PARAMS) == text


def test_a_question_mark_ending_the_sentence_is_not_a_query() -> None:
    assert add_utm("Vous connaissez https://lemoine.fr/menu?", PARAMS) == (
        f"Vous connaissez https://lemoine.fr/menu?{TAG}?"
    )


def test_an_empty_query_inside_the_link_is_filled() -> None:
    assert add_utm("https://lemoine.fr/?#carte", PARAMS) == f"https://lemoine.fr/?{TAG}#carte"


def test_sentence_punctuation_stays_outside_the_link() -> None:
    assert add_utm("Menu : https://lemoine.fr/menu. À demain !", PARAMS) == (
        f"Menu : https://lemoine.fr/menu?{TAG}. À demain !"
    )


def test_a_link_in_parentheses() -> None:
    assert add_utm("(https://lemoine.fr/menu)", PARAMS) == f"(https://lemoine.fr/menu?{TAG})"


def test_a_bracket_belonging_to_the_link_is_kept() -> None:
    text = "https://fr.wikipedia.org/wiki/Pain_(aliment)"
    assert add_utm(text, PARAMS) == f"https://fr.wikipedia.org/wiki/Pain_(aliment)?{TAG}"


def test_mentions_hashtags_and_emails_are_not_touched() -> None:
    text = "Merci @lemoine@piaille.fr et #Boulangerie ! Écrivez à contact@lemoine.fr"
    assert add_utm(text, PARAMS) == text


def test_several_links_each_get_the_parameters() -> None:
    text = "https://a.fr/x et http://b.fr/y?z=1"
    assert add_utm(text, PARAMS) == f"https://a.fr/x?{TAG} et http://b.fr/y?z=1&{TAG}"


def test_values_are_url_encoded() -> None:
    assert add_utm("https://a.fr/", {"utm_campaign": "soldes d'été & co"}) == (
        "https://a.fr/?utm_campaign=soldes%20d%27%C3%A9t%C3%A9%20%26%20co"
    )


def test_empty_values_are_left_out() -> None:
    assert add_utm("https://a.fr/", {"utm_source": "x", "utm_campaign": ""}) == "https://a.fr/?utm_source=x"


def test_other_schemes_are_not_links() -> None:
    text = "ftp://a.fr/x mailto:a@b.fr javascript:alert(1)"
    assert add_utm(text, PARAMS) == text


def test_a_link_inside_another_word_is_not_rewritten() -> None:
    text = "voirhttps://a.fr/x"
    assert add_utm(text, PARAMS) == text


def test_parameters_are_the_network_the_medium_and_the_campaign() -> None:
    tracking = LinkTracking(enabled=True, medium="social", campaign="defaut")
    assert utm_params(tracking, "rentree", "bluesky") == {
        "utm_source": "bluesky",
        "utm_medium": "social",
        "utm_campaign": "rentree",
    }


def test_the_workspace_campaign_is_the_default() -> None:
    tracking = LinkTracking(enabled=True, medium="social", campaign="defaut")
    assert utm_params(tracking, " ", "x")["utm_campaign"] == "defaut"


def test_no_campaign_at_all_leaves_it_out() -> None:
    assert "utm_campaign" not in utm_params(LinkTracking(enabled=True, medium="social"), "", "x")


@pytest.mark.parametrize("tracking", [None, LinkTracking(enabled=False, medium="social")])
def test_no_parameters_when_tracking_is_off(tracking: LinkTracking | None) -> None:
    assert utm_params(tracking, "rentree", "x") == {}
