"""Full-text search over the inbox: SQLite FTS5 or PostgreSQL text search, behind one `search_conversations`.

SQLite keeps external-content FTS5 tables over message texts and conversation subjects, filled by triggers and
tokenized with `unicode61 remove_diacritics 2` (so "reclamation" finds "réclamation"). PostgreSQL keeps a stored
generated `search_vector` column (GIN-indexed) on both tables, `comptoir_search_vector(...)` joining the French
and English configurations over `unaccent` (a pass-through when the extension cannot be installed). A user's query is reduced to its words,
each matched as a prefix and all of them required: quotes, `*`, `NEAR`, `OR` or parentheses are plain text.
Results are the conversations of the SEARCH_WINDOW most recent matching messages, which keeps a search for a
word found everywhere as fast as one for a rare word.
"""

from __future__ import annotations

import re

from django.db import DatabaseError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from comptoir.inbox.models import Conversation
from comptoir.workspaces.models import Workspace

MAX_TERMS = 12
MAX_TERM_LENGTH = 64
# How many of the most recent matching messages (and subjects) a search looks at.
SEARCH_WINDOW = 200
# PostgreSQL: how many of a workspace's newest rows to test before asking the GIN index instead.
RECENT_WALK = 20_000

_SQLITE_TABLES = {
    # FTS table: (content table, indexed column); each also indexes workspace_id.
    "inbox_message_fts": ("inbox_message", "text"),
    "inbox_conversation_fts": ("inbox_conversation", "subject"),
}

_POSTGRES_SETUP = [
    """CREATE OR REPLACE FUNCTION comptoir_search_vector(value text) RETURNS tsvector
       LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
         SELECT to_tsvector('french'::regconfig, comptoir_unaccent(coalesce(value, '')))
             || to_tsvector('english'::regconfig, comptoir_unaccent(coalesce(value, '')))
       $$""",
    # Expression indexes of an earlier version of this setup, replaced by the stored columns below.
    "DROP INDEX IF EXISTS inbox_message_search",
    "DROP INDEX IF EXISTS inbox_conversation_search",
    # Stored, so that checking a row costs a lookup rather than parsing its text twice: a newest-first walk
    # along the primary key can then test rows one by one when a word is frequent.
    """ALTER TABLE inbox_message ADD COLUMN IF NOT EXISTS search_vector tsvector
       GENERATED ALWAYS AS (comptoir_search_vector(text)) STORED""",
    "CREATE INDEX IF NOT EXISTS inbox_message_search_vector ON inbox_message USING GIN (search_vector)",
    """ALTER TABLE inbox_conversation ADD COLUMN IF NOT EXISTS search_vector tsvector
       GENERATED ALWAYS AS (comptoir_search_vector(subject)) STORED""",
    "CREATE INDEX IF NOT EXISTS inbox_conversation_search_vector ON inbox_conversation USING GIN (search_vector)",
]
_POSTGRES_TEARDOWN = [
    "DROP INDEX IF EXISTS inbox_message_search_vector",
    "DROP INDEX IF EXISTS inbox_conversation_search_vector",
    "ALTER TABLE inbox_message DROP COLUMN IF EXISTS search_vector",
    "ALTER TABLE inbox_conversation DROP COLUMN IF EXISTS search_vector",
    "DROP FUNCTION IF EXISTS comptoir_search_vector(text)",
    "DROP FUNCTION IF EXISTS comptoir_unaccent(text)",
]
# unaccent() is only STABLE (its dictionary could change), so an index needs an IMMUTABLE wrapper around it.
_POSTGRES_UNACCENT = """CREATE OR REPLACE FUNCTION comptoir_unaccent(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, value) $$"""
_POSTGRES_NO_UNACCENT = """CREATE OR REPLACE FUNCTION comptoir_unaccent(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ SELECT value $$"""


def search_terms(query: str) -> list[str]:
    """The words of a user's query, the only part of it that reaches the search syntax of either database."""
    return [term[:MAX_TERM_LENGTH] for term in re.findall(r"\w+", query)][:MAX_TERMS]


def search_conversations(workspace: Workspace, query: str) -> QuerySet[Conversation]:
    """The workspace's conversations whose subject or one of whose messages holds every word of `query`."""
    return Conversation.objects.filter(workspace=workspace).filter(matching(workspace, query))


def matching(workspace: Workspace, query: str) -> Q:
    """The condition on conversations that `search_conversations` applies, for lists that add other filters.

    Only the SEARCH_WINDOW most recent matching messages (and subjects) count, newest first: both databases
    then stop after that many index entries, so a word found in half the inbox costs what a rare one does."""
    terms = search_terms(query)
    if not terms:
        return Q(pk__in=[])
    if connection.vendor == "postgresql":
        # Two cheap queries now rather than one subquery whose plan PostgreSQL would guess wrong.
        return Q(pk__in=_postgres_matches(workspace, terms))
    return Q(pk__in=_sqlite_matches(workspace, terms))


def _sqlite_matches(workspace: Workspace, terms: list[str]) -> RawSQL:
    # Each word becomes a quoted FTS5 string with a prefix star; a word holds no quote, so nothing escapes. The
    # workspace is a column of the index, so that the newest-first walk never wades through other tenants.
    words = " AND ".join(f'"{term}"*' for term in terms)
    scope = f'workspace_id : "{int(workspace.pk)}"'
    return RawSQL(
        "SELECT m.conversation_id FROM inbox_message m WHERE m.workspace_id = %s AND m.id IN ("
        " SELECT rowid FROM inbox_message_fts WHERE inbox_message_fts MATCH %s ORDER BY rowid DESC LIMIT %s)"
        " UNION SELECT id FROM (SELECT rowid AS id FROM inbox_conversation_fts"
        " WHERE inbox_conversation_fts MATCH %s ORDER BY rowid DESC LIMIT %s)",
        [
            workspace.pk,
            f"{scope} AND text : ({words})",
            SEARCH_WINDOW,
            f"{scope} AND subject : ({words})",
            SEARCH_WINDOW,
        ],
    )


def _postgres_matches(workspace: Workspace, terms: list[str]) -> list[int]:
    # Words only (see search_terms), so the tsquery built here cannot hold an operator the user typed.
    tsquery = " & ".join(f"{term}:*" for term in terms)
    found: set[int] = set()
    for table, target in (("inbox_message", "conversation_id"), ("inbox_conversation", "id")):
        found |= set(_postgres_newest_matches(table, target, workspace.pk, tsquery))
    return sorted(found)


_TSQUERY = (
    "(to_tsquery('french'::regconfig, comptoir_unaccent(%s))"
    " || to_tsquery('english'::regconfig, comptoir_unaccent(%s)))"
)


def _postgres_newest_matches(table: str, target: str, workspace_id: int, tsquery: str) -> list[int]:
    """`target` of the SEARCH_WINDOW newest rows of `table` that match, found the cheaper of two ways.

    PostgreSQL estimates prefix queries poorly, so the choice is made here: a frequent word fills the window
    within the RECENT_WALK newest rows (a short walk down the (workspace, id) index); a rarer one has few
    entries in the GIN index, which is then cheap to read in full. Either way the answer is the same."""
    # Table and column names come from the caller's constants; the user's words travel as parameters.
    recent = (
        f"SELECT found FROM (SELECT id, {target} AS found, search_vector FROM {table}"  # noqa: S608
        " WHERE workspace_id = %s ORDER BY id DESC LIMIT %s) recent"
        f" WHERE search_vector @@ {_TSQUERY} ORDER BY id DESC LIMIT %s"
    )
    indexed = (
        f"SELECT {target} FROM {table} WHERE workspace_id = %s AND search_vector @@ {_TSQUERY}"  # noqa: S608
        " ORDER BY id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(recent, [workspace_id, RECENT_WALK, tsquery, tsquery, SEARCH_WINDOW])
        rows = cursor.fetchall()
        if len(rows) < SEARCH_WINDOW:
            cursor.execute(indexed, [workspace_id, tsquery, tsquery, SEARCH_WINDOW])
            rows = cursor.fetchall()
    return [row[0] for row in rows]


def install_search(database: BaseDatabaseWrapper) -> None:
    """Creates the search tables, triggers or indexes the database lacks; safe to run again at any time.

    It runs after every migration too: Django rebuilds a SQLite table to alter one of its columns, and the
    rebuild drops the table's triggers, which this puts back (and then refills the index)."""
    if database.vendor == "sqlite":
        _install_sqlite(database)
    elif database.vendor == "postgresql":
        _install_postgres(database)


def _install_sqlite(database: BaseDatabaseWrapper) -> None:
    with database.cursor() as cursor:
        for fts, (table, column) in _SQLITE_TABLES.items():
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{fts}_%"]
            )
            triggers_in_place = cursor.fetchone()[0] == 3
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [fts])
            found = cursor.fetchone()
            if found and "workspace_id" not in found[0]:
                # An index from before workspaces were indexed: rebuilt from scratch.
                _drop_sqlite(cursor, fts)
                triggers_in_place = False
            if triggers_in_place:
                continue
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, workspace_id,"
                f" content='{table}', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
            )
            # Table and column names come from _SQLITE_TABLES, never from input.
            old = f"'delete', old.id, old.{column}, old.workspace_id"
            remove = f"INSERT INTO {fts}({fts}, rowid, {column}, workspace_id) VALUES ({old});"  # noqa: S608
            new = f"new.id, new.{column}, new.workspace_id"
            add = f"INSERT INTO {fts}(rowid, {column}, workspace_id) VALUES ({new});"  # noqa: S608
            triggers = {
                "insert": f"AFTER INSERT ON {table} BEGIN {add} END",
                "delete": f"AFTER DELETE ON {table} BEGIN {remove} END",
                "update": f"AFTER UPDATE OF {column}, workspace_id ON {table} BEGIN {remove} {add} END",
            }
            for event, body in triggers.items():
                cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {fts}_{event} {body}")
            cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")  # noqa: S608


def _drop_sqlite(cursor: CursorWrapper, fts: str) -> None:
    for event in ("insert", "delete", "update"):
        cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
    cursor.execute(f"DROP TABLE IF EXISTS {fts}")


def _install_postgres(database: BaseDatabaseWrapper) -> None:
    with database.cursor() as cursor:
        try:
            with transaction.atomic(using=database.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
                cursor.execute(_POSTGRES_UNACCENT)
        # Without the extension (or the right to create it) accents stay significant; search still works.
        except DatabaseError:
            cursor.execute(_POSTGRES_NO_UNACCENT)
        for statement in _POSTGRES_SETUP:
            cursor.execute(statement)


def remove_search(database: BaseDatabaseWrapper) -> None:
    with database.cursor() as cursor:
        if database.vendor == "sqlite":
            for fts in _SQLITE_TABLES:
                _drop_sqlite(cursor, fts)
        elif database.vendor == "postgresql":
            for statement in _POSTGRES_TEARDOWN:
                cursor.execute(statement)
