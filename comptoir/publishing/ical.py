"""The private iCal feed (RFC 5545) of a workspace's planned posts, and the secret tokens that open it.

Written by hand because it is a few lines of text: CRLF line ends, TEXT values escaped (backslash, semicolon,
comma, newline), content lines folded at 75 octets without splitting a UTF-8 character, times in UTC with Z.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import transaction

from comptoir.accounts.models import User
from comptoir.publishing.models import CalendarFeed, PostTarget
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Membership, Workspace
from comptoir.workspaces.permissions import Permission, role_allows
from comptoir.workspaces.tokens import hash_token

PAST = timedelta(days=31)
FUTURE = timedelta(days=366)
EVENT_LENGTH = timedelta(minutes=15)
MAX_OCTETS = 75
TENTATIVE_STATES = {PostTarget.State.DRAFT, PostTarget.State.IN_REVIEW, PostTarget.State.APPROVED}
CANCELLED_STATES = {PostTarget.State.FAILED, PostTarget.State.MISSED}


def escape_text(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Splits a content line into chunks of at most 75 octets, continuation lines starting with a space."""
    if len(line.encode()) <= MAX_OCTETS:
        return line
    chunks: list[str] = []
    start = 0
    size = 0
    limit = MAX_OCTETS
    for index, character in enumerate(line):
        width = len(character.encode())
        if size + width > limit:
            chunks.append(line[start:index])
            start, size = index, 0
            limit = MAX_OCTETS - 1  # the leading space of a continuation line counts
        size += width
    chunks.append(line[start:])
    return "\r\n ".join(chunks)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _status(state: str) -> str:
    if state in TENTATIVE_STATES:
        return "TENTATIVE"
    if state in CANCELLED_STATES:
        return "CANCELLED"
    return "CONFIRMED"


@dataclass(frozen=True)
class FeedEvent:
    """What the feed says of one target; read as plain values, the feed of a busy year builds quickly."""

    uid: str
    starts_at: datetime
    state: str
    summary: str
    description: str
    category: str | None


def event_lines(event: FeedEvent, now: datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.starts_at + EVENT_LENGTH)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"STATUS:{_status(event.state)}",
    ]
    if event.category:
        lines.append(f"CATEGORIES:{escape_text(event.category)}")
    lines.append("END:VEVENT")
    return lines


def build_feed(workspace: Workspace, events: Iterable[FeedEvent], now: datetime) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Comptoir//Calendar//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(workspace.name)}",
        f"X-WR-TIMEZONE:{workspace.time_zone}",
    ]
    for event in events:
        lines += event_lines(event, now)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def feed_events(workspace: Workspace, now: datetime) -> list[FeedEvent]:
    """The workspace's targets from a month back to a year ahead, in order."""
    rows = (
        PostTarget.objects.filter(post__workspace=workspace, due_at__gte=now - PAST, due_at__lte=now + FUTURE)
        .order_by("due_at", "id")
        .values_list(
            "idempotency_key", "due_at", "state", "text", "channel__name", "post__title", "post__pillar__name"
        )
    )
    return [
        FeedEvent(f"{key}@comptoir", due_at, state, f"{channel} · {title}", text, pillar)
        for key, due_at, state, text, channel, title, pillar in rows
        if due_at is not None
    ]


def access_feed(workspace_slug: str, token: str) -> Membership | None:
    """The member whose feed `token` opens in that workspace, or None (unknown, revoked, other workspace)."""
    feed = (
        CalendarFeed.objects.filter(token_hash=hash_token(token), membership__workspace__slug=workspace_slug)
        .select_related("membership__workspace")
        .first()
    )
    if feed is None or not role_allows(feed.membership.role, Permission.VIEW_POSTS):
        return None
    return feed.membership


@transaction.atomic
def do_regenerate_feed_token(membership: Membership, actor: User) -> str:
    """A new secret address for the member's feed; the old one stops working at once. The token is shown
    once: only its hash is kept."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.filter(membership=membership).delete()
    feed = CalendarFeed.objects.create(membership=membership, token_hash=hash_token(token))
    audit.record(membership.workspace, actor, AuditEntry.Action.CREATE, feed)
    return token


@transaction.atomic
def do_revoke_feed_token(membership: Membership, actor: User) -> bool:
    feed = CalendarFeed.objects.filter(membership=membership).first()
    if feed is None:
        return False
    audit.record(membership.workspace, actor, AuditEntry.Action.DELETE, feed)
    feed.delete()
    return True
