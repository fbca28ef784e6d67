"""The editorial line: tone warnings (which word, where) in French and English, and the pillar mix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from comptoir.publishing.editorial import ToneIssue, check_tone, count_emoji, month_bounds, pillar_mix
from comptoir.publishing.models import Pillar, PostTarget, ToneRules
from comptoir.publishing.tests.images import in_english
from comptoir.testing.factories import ChannelFactory, PostFactory, PostTargetFactory
from comptoir.workspaces.models import Membership

__all__ = ["in_english"]

pytestmark = pytest.mark.usefixtures("in_english")

State = PostTarget.State


def rules(**fields: object) -> ToneRules:
    return ToneRules(**fields)  # type: ignore[arg-type]


def test_a_forbidden_word_is_reported_with_its_place() -> None:
    text = "Notre pain n'est pas cher du tout !"
    [warning] = check_tone(text, rules(forbidden="pas cher\npromo"), "mastodon")
    assert warning.issue is ToneIssue.FORBIDDEN
    assert (warning.term, warning.start, warning.end) == ("pas cher", 17, 25)
    assert text[warning.start : warning.end] == "pas cher"
    assert "pas cher" in warning.excerpt


def test_forbidden_words_ignore_case_but_not_word_boundaries() -> None:
    warnings = check_tone("PROMO promotionnelle, Promo !", rules(forbidden="promo"), "x")
    assert [(w.term, w.start) for w in warnings] == [("PROMO", 0), ("Promo", 22)]


def test_forbidden_words_in_english() -> None:
    [warning] = check_tone("Our bread is cheap and tasty", rules(forbidden="cheap"), "bluesky")
    assert (warning.term, warning.start) == ("cheap", 13)


def test_a_missing_required_hashtag_is_reported() -> None:
    [warning] = check_tone("Du pain frais", rules(required="#BoulangerieLemoine"), "mastodon")
    assert (warning.issue, warning.term, warning.start) == (ToneIssue.MISSING, "#BoulangerieLemoine", None)


def test_a_required_hashtag_present_in_another_case_is_enough() -> None:
    assert check_tone("Du pain #boulangerielemoine", rules(required="#BoulangerieLemoine"), "x") == []


def test_a_longer_hashtag_does_not_count_as_the_required_one() -> None:
    warnings = check_tone("#BoulangerieLemoineParis", rules(required="#BoulangerieLemoine"), "x")
    assert [w.issue for w in warnings] == [ToneIssue.MISSING]


def test_a_mention_required_on_one_network_is_only_checked_there() -> None:
    tone = rules(required="mastodon: @lemoine@piaille.fr")
    assert check_tone("Du pain", tone, "bluesky") == []
    [warning] = check_tone("Du pain", tone, "mastodon")
    assert warning.term == "@lemoine@piaille.fr" and "Mastodon" in warning.message


def test_no_emoji_policy() -> None:
    [warning] = check_tone("Bonjour 🥐", rules(emoji_policy="none"), "x")
    assert (warning.issue, warning.term) == (ToneIssue.EMOJI, "1")


def test_at_most_n_emoji() -> None:
    tone = rules(emoji_policy="limited", emoji_max=2)
    assert check_tone("🥐🥖", tone, "x") == []
    [warning] = check_tone("🥐🥖🍞", tone, "x")
    assert warning.term == "3"


def test_free_emoji_policy_says_nothing() -> None:
    assert check_tone("🥐" * 30, rules(emoji_policy="free"), "x") == []


def test_a_family_or_a_flag_counts_as_one_emoji_and_digits_as_none() -> None:
    assert count_emoji("👨‍👩‍👧 🇫🇷 1 # ©") == 3


def test_an_english_text_where_french_is_expected() -> None:
    [warning] = check_tone(
        "Fresh croissants every morning, come and taste our new sourdough bread!",
        rules(languages=["fr"]),
        "mastodon",
    )
    assert (warning.issue, warning.term) == (ToneIssue.LANGUAGE, "en")


def test_a_french_text_where_french_is_expected() -> None:
    text = "Des croissants tout chauds chaque matin, venez goûter notre nouveau pain au levain !"
    assert check_tone(text, rules(languages=["fr"]), "mastodon") == []


def test_a_french_text_where_english_is_expected() -> None:
    text = "Des croissants tout chauds chaque matin, venez goûter notre nouveau pain au levain !"
    [warning] = check_tone(text, rules(languages=["en"]), "x")
    assert warning.term == "fr"


def test_a_text_too_short_to_tell_gets_no_language_warning() -> None:
    assert check_tone("OK 👍", rules(languages=["fr"]), "x") == []


def test_empty_rules_find_nothing() -> None:
    assert check_tone("N'importe quoi, pas cher 🥐🥐🥐🥐", ToneRules(), "x") == []


# The pillar mix ---------------------------------------------------------------------------------------------

START = datetime(2026, 11, 1, tzinfo=UTC)
END = datetime(2026, 12, 1, tzinfo=UTC)


def planned(owner: Membership, pillar: Pillar | None, when: datetime, state: str = State.SCHEDULED) -> None:
    post = PostFactory(workspace=owner.workspace, pillar=pillar)
    channel = ChannelFactory(workspace=owner.workspace, network="mastodon")
    fields: dict[str, object] = {"due_at": when, "state": state}
    if state == State.PUBLISHED:
        fields["published_at"] = when
    PostTargetFactory(post=post, channel=channel, **fields)


def test_mix_counts_planned_and_published_posts_per_pillar(owner: Membership) -> None:
    recipes = Pillar.objects.create(workspace=owner.workspace, name="Recettes", target_share=50)
    team = Pillar.objects.create(workspace=owner.workspace, name="Équipe", target_share=20)
    planned(owner, recipes, START + timedelta(days=2))
    planned(owner, recipes, START + timedelta(days=3), State.PUBLISHED)
    planned(owner, team, START + timedelta(days=4))
    planned(owner, None, START + timedelta(days=5))
    mix = {(row.pillar.name if row.pillar else None): row for row in pillar_mix(owner.workspace, START, END)}
    assert (mix["Recettes"].planned, mix["Recettes"].published, mix["Recettes"].share) == (1, 1, 50.0)
    assert (mix["Équipe"].total, mix["Équipe"].share, mix["Équipe"].gap) == (1, 25.0, 5.0)
    assert (mix[None].total, mix[None].share, mix[None].target_share) == (1, 25.0, 0)


def test_mix_leaves_out_other_periods_and_failed_posts(owner: Membership) -> None:
    recipes = Pillar.objects.create(workspace=owner.workspace, name="Recettes", target_share=50)
    planned(owner, recipes, START - timedelta(minutes=1))
    planned(owner, recipes, END)
    planned(owner, recipes, START + timedelta(days=1), State.FAILED)
    planned(owner, recipes, START + timedelta(days=1), State.MISSED)
    [row] = pillar_mix(owner.workspace, START, END)
    assert (row.pillar, row.total, row.share) == (recipes, 0, 0.0)


def test_a_post_on_two_channels_counts_once(owner: Membership) -> None:
    recipes = Pillar.objects.create(workspace=owner.workspace, name="Recettes", target_share=100)
    post = PostFactory(workspace=owner.workspace, pillar=recipes)
    for network in ("mastodon", "bluesky"):
        PostTargetFactory(
            post=post, channel=ChannelFactory(workspace=owner.workspace, network=network), due_at=START
        )
    [row] = pillar_mix(owner.workspace, START, END)
    assert (row.total, row.share) == (1, 100.0)


def test_mix_ignores_other_workspaces(owner: Membership) -> None:
    Pillar.objects.create(workspace=owner.workspace, name="Recettes", target_share=50)
    other = PostFactory(pillar=None)
    PostTargetFactory(post=other, due_at=START + timedelta(days=1))
    [row] = pillar_mix(owner.workspace, START, END)
    assert row.total == 0


def test_the_month_is_the_workspace_month_in_utc() -> None:
    paris = ZoneInfo("Europe/Paris")
    # 31 October 23:30 UTC is already November in Paris (UTC+1 after the clocks went back).
    start, end = month_bounds(paris, datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    assert (start, end) == (
        datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
    )


def test_a_month_across_a_clock_change() -> None:
    start, end = month_bounds(ZoneInfo("Europe/Paris"), datetime(2026, 3, 15, tzinfo=UTC))
    assert (start, end) == (
        datetime(2026, 2, 28, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
    )
