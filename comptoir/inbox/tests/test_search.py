"""Full-text search over messages and subjects: accents, prefixes, several words, hostile syntax, workspaces."""

from __future__ import annotations

import pytest

from comptoir.inbox.models import Conversation, Message
from comptoir.inbox.search import search_conversations, search_terms
from comptoir.testing.factories import ConversationFactory, MessageFactory
from comptoir.workspaces.models import Membership


def found(owner: Membership, query: str) -> set[str]:
    return {c.subject for c in search_conversations(owner.workspace, query)}


def conversation(owner: Membership, subject: str, *texts: str) -> Conversation:
    created: Conversation = ConversationFactory(contact__channel__workspace=owner.workspace, subject=subject)
    for text in texts:
        MessageFactory(conversation=created, text=text)
    return created


def test_a_word_finds_the_conversations_whose_messages_hold_it(owner: Membership) -> None:
    conversation(owner, "A", "Ma livraison est en retard")
    conversation(owner, "B", "Merci pour tout")
    assert found(owner, "livraison") == {"A"}


def test_accents_do_not_matter_in_either_direction(owner: Membership) -> None:
    conversation(owner, "A", "Je dépose une réclamation")
    conversation(owner, "B", "Une reclamation sans accent")
    assert found(owner, "reclamation") == {"A", "B"}
    assert found(owner, "RÉCLAMATION") == {"A", "B"}


def test_words_match_as_prefixes(owner: Membership) -> None:
    conversation(owner, "A", "Plusieurs réclamations déposées")
    conversation(owner, "B", "Où est mon remboursement ?")
    assert found(owner, "réclamation") == {"A"}
    assert found(owner, "rembours") == {"B"}


def test_every_word_is_required(owner: Membership) -> None:
    conversation(owner, "A", "Commande reçue, remboursement demandé")
    conversation(owner, "B", "Commande reçue, merci")
    assert found(owner, "commande remboursement") == {"A"}


def test_english_text_is_found_too(owner: Membership) -> None:
    conversation(owner, "A", "My order never arrived, I want a refund")
    assert found(owner, "refund") == {"A"}
    assert found(owner, "never arriv") == {"A"}


def test_subjects_are_searched(owner: Membership) -> None:
    conversation(owner, "Problème de facturation", "Bonjour")
    assert found(owner, "facturation") == {"Problème de facturation"}


@pytest.mark.parametrize(
    "query",
    [
        '"livraison',
        "livraison*",
        "NEAR(livraison retard)",
        "(livraison OR",
        "AND",
        "- ^ : {}",
        "l'avion\\",
        "__init__ _",
    ],
)
def test_search_syntax_typed_by_a_user_never_errors(owner: Membership, query: str) -> None:
    conversation(owner, "A", "Ma livraison est en retard")
    list(search_conversations(owner.workspace, query))


def test_operators_are_ordinary_words(owner: Membership) -> None:
    conversation(owner, "A", "livraison en retard")
    assert found(owner, "livraison OR remboursement") == set()
    assert found(owner, '"livraison" (retard)') == {"A"}


def test_a_query_without_words_finds_nothing(owner: Membership) -> None:
    conversation(owner, "A", "livraison")
    assert found(owner, "*** ()") == set()
    assert search_terms("  ") == []


def test_edited_and_deleted_messages_leave_the_index(owner: Membership) -> None:
    kept = conversation(owner, "A", "ancien texte")
    message = Message.objects.get(conversation=kept)
    message.text = "nouveau texte"
    message.save()
    assert found(owner, "ancien") == set()
    assert found(owner, "nouveau") == {"A"}
    message.delete()
    assert found(owner, "nouveau") == set()


def test_other_workspaces_are_never_searched(owner: Membership) -> None:
    MessageFactory(text="livraison ailleurs", conversation__subject="Autre marque")
    conversation(owner, "A", "livraison ici")
    assert found(owner, "livraison") == {"A"}


@pytest.mark.django_db(transaction=True)
def test_the_index_survives_django_rebuilding_the_table(owner: Membership) -> None:
    # Altering a column on SQLite copies the table and drops its triggers; after migrate they come back.
    from django.db import connection

    from comptoir.inbox.apps import restore_search_triggers

    if connection.vendor != "sqlite":
        pytest.skip("Only SQLite rebuilds tables to alter them.")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER inbox_message_fts_insert")
    conversation(owner, "A", "écrit sans trigger")
    restore_search_triggers(using="default")
    conversation(owner, "B", "écrit avec trigger")
    assert found(owner, "ecrit") == {"A", "B"}


def test_only_the_most_recent_matches_count(owner: Membership, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("comptoir.inbox.search.SEARCH_WINDOW", 2)
    for subject in ("Old", "Newer", "Newest"):
        conversation(owner, subject, "livraison")
    assert found(owner, "livraison") == {"Newer", "Newest"}


def test_another_workspace_filling_the_window_does_not_hide_ours(
    owner: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("comptoir.inbox.search.SEARCH_WINDOW", 2)
    conversation(owner, "Ours", "livraison")
    for _ in range(3):
        MessageFactory(text="livraison ailleurs")
    assert found(owner, "livraison") == {"Ours"}


def test_a_rarer_word_is_found_beyond_the_newest_rows(
    owner: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL walks the newest rows first and, when they hold too few matches, asks its index instead.
    monkeypatch.setattr("comptoir.inbox.search.SEARCH_WINDOW", 2)
    monkeypatch.setattr("comptoir.inbox.search.RECENT_WALK", 1)
    for subject in ("Old", "Newer", "Newest"):
        conversation(owner, subject, "réclamation")
    conversation(owner, "Unrelated", "bonjour")
    assert found(owner, "reclamation") == {"Newer", "Newest"}
