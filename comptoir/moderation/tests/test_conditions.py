"""Each condition of the rule builder: what it matches, what it says about why, and how it is validated."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from comptoir.channels.models import Channel
from comptoir.inbox.models import Message
from comptoir.moderation.engine import evaluate
from comptoir.moderation.models import ActionLog, Rule
from comptoir.moderation.rules import check_condition, compile_rule
from comptoir.testing.factories import ChannelFactory, MessageFactory, RuleFactory

from .conftest import message_on, scores


def reason(message: Message, conditions: list[dict[str, Any]], match: str = "all") -> str | None:
    rule: Rule = RuleFactory(workspace=message.workspace, conditions=conditions, match=match)
    found = evaluate([compile_rule(rule)], [message])
    return found[0].reason if found else None


def test_keywords_match_whole_words_whatever_the_case(matrix_channel: Channel) -> None:
    message = message_on(matrix_channel, "C'est une ARNAQUE, ce contact !")
    condition = check_condition("keywords", "", "arnaque, escroc")
    assert reason(message, [condition]) == "word “ARNAQUE”"
    assert reason(message, [check_condition("keywords", "", "con")]) is None


def test_regex_matches_and_reports_the_matched_text(matrix_channel: Channel) -> None:
    message = message_on(matrix_channel, "Gagnez 500 € sur bit.ly/xyz")
    assert reason(message, [check_condition("regex", "", r"bit\.ly/\w+")]) == "pattern matched “bit.ly/xyz”"


def test_an_invalid_regex_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="not valid"):
        check_condition("regex", "", "(unclosed")


def test_a_catastrophic_regex_times_out_as_no_match(
    matrix_channel: Channel, caplog: pytest.LogCaptureFixture
) -> None:
    message = message_on(matrix_channel, "a" * 60 + "b")
    assert reason(message, [check_condition("regex", "", r"(a|aa)+$")]) is None
    assert "timed out" in caplog.text


def test_language(matrix_channel: Channel) -> None:
    message = message_on(matrix_channel, "Hello", language="en")
    assert reason(message, [check_condition("language", "", "en, de")]) == "language en"
    assert reason(message, [check_condition("language", "", "fr")]) is None


@pytest.mark.parametrize(
    ("score", "stored", "threshold", "matches"),
    [
        ("offensive:offensive", {"offensive": 0.91}, "0.8", True),
        ("hate:hate", {"hate": 0.40}, "0.5", False),
        ("spam:spam", {"spam": 0.97}, "0,9", True),
        ("sentiment:negative", {"sentiment__negative": 0.7}, "0.6", True),
        ("intent:complaint", {"intent__complaint": 0.2}, "0.5", False),
    ],
)
def test_classifier_scores_against_a_threshold(
    matrix_channel: Channel, score: str, stored: dict[str, float], threshold: str, matches: bool
) -> None:
    message = message_on(matrix_channel, "…", classification_scores=scores(**stored))
    found = reason(message, [check_condition("score", score, threshold)])
    assert (found is not None) == matches
    if matches:
        assert found is not None and found.startswith(score)


def test_a_threshold_outside_zero_one_is_refused() -> None:
    with pytest.raises(ValidationError, match="between 0 and 1"):
        check_condition("score", "spam:spam", "1.5")


def test_an_unclassified_message_matches_no_score(matrix_channel: Channel) -> None:
    message = message_on(matrix_channel, "…", classification_scores=None)
    assert reason(message, [check_condition("score", "spam:spam", "0")]) is None


def test_author_new_then_known(matrix_channel: Channel) -> None:
    first = message_on(matrix_channel, "Premier message")
    second: Message = MessageFactory(conversation=first.conversation, text="Deuxième")
    new = [check_condition("author", "", "new")]
    assert reason(first, new) == "new author"
    assert reason(second, new) is None
    assert reason(second, [check_condition("author", "", "known")]) == "known author"


def test_author_blocked_after_a_ban_until_it_is_undone(matrix_channel: Channel) -> None:
    message = message_on(matrix_channel, "Encore moi")
    entry = ActionLog.objects.create(
        workspace=message.workspace,
        message=message,
        conversation=message.conversation,
        contact=message.contact,
        action="ban",
        reason="test",
        outcome=ActionLog.Outcome.DONE,
    )
    blocked = [check_condition("author", "", "blocked")]
    assert reason(message, blocked) == "blocked author"
    ActionLog.objects.filter(pk=entry.pk).update(undone_at=entry.created_at)
    assert reason(message, blocked) is None


def test_channel_and_kind(matrix_channel: Channel) -> None:
    other = ChannelFactory(workspace=matrix_channel.workspace)
    message = message_on(matrix_channel, "…", kind="comment")
    assert reason(message, [check_condition("channel", "", str(matrix_channel.pk))]) is not None
    assert reason(message, [check_condition("channel", "", str(other.pk))]) is None
    assert reason(message, [check_condition("kind", "", "comment, mention")]) == "kind comment"
    with pytest.raises(ValidationError, match="Message kinds"):
        check_condition("kind", "", "tweet")


def test_all_needs_every_condition_any_needs_one(matrix_channel: Channel) -> None:
    message = message_on(matrix_channel, "arnaque", language="fr")
    conditions = [check_condition("keywords", "", "arnaque"), check_condition("language", "", "en")]
    assert reason(message, conditions, "all") is None
    assert reason(message, conditions, "any") == "word “arnaque”"


def test_a_stop_rule_ends_evaluation_for_its_message(matrix_channel: Channel) -> None:
    message = message_on(matrix_channel, "arnaque")
    first: Rule = RuleFactory(workspace=message.workspace, stop=True)
    second: Rule = RuleFactory(workspace=message.workspace)
    found = evaluate([compile_rule(first), compile_rule(second)], [message])
    assert [match.rule.rule for match in found] == [first]
