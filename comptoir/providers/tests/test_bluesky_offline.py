"""Bluesky provider parts that need no server: facet byte offsets, inbox cursor, parsing, error mapping."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from atproto_client.exceptions import (
    BadRequestError,
    InvokeTimeoutError,
    NetworkError,
    RateLimitExceededError,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Response

from comptoir.providers.base import (
    InboxKind,
    OutcomeUnknownError,
    PermanentError,
    PermanentReason,
    RetryableError,
)
from comptoir.providers.bluesky import BlueskyProvider, InboxCursor, _request_error, build_facets

DID = "did:plc:brand"


def spans(text: str, resolve: dict[str, str]) -> list[tuple[str, str, int, int]]:
    encoded = text.encode()
    return [
        (
            type(facet.features[0]).__name__,
            encoded[facet.index.byte_start : facet.index.byte_end].decode(),
            facet.index.byte_start,
            facet.index.byte_end,
        )
        for facet in build_facets(text, resolve.get)
    ]


def test_facet_offsets_count_utf8_bytes_not_characters() -> None:
    # "é" is 2 bytes and "🎉" 4: character offsets would be 2 and 4 bytes short.
    assert spans("é🎉 @ami.test", {"ami.test": "did:plc:ami"}) == [("Mention", "@ami.test", 7, 16)]


def test_facets_with_accents_emoji_and_flags() -> None:
    text = "Café ☕ avec @ami.test 🇫🇷 : https://exemple.fr/crème #Été2026 fin"

    found = spans(text, {"ami.test": "did:plc:ami"})

    assert [(kind, fragment) for kind, fragment, _, _ in found] == [
        ("Mention", "@ami.test"),
        ("Link", "https://exemple.fr/crème"),
        ("Tag", "#Été2026"),
    ]
    assert found[0][2] == len("Café ☕ avec ".encode())


def test_mention_features_carry_the_resolved_did() -> None:
    facets = build_facets("Merci @ami.test", {"ami.test": "did:plc:ami"}.get)

    assert facets[0].features[0].did == "did:plc:ami"


def test_unresolved_mention_stays_plain_text() -> None:
    assert spans("Merci @inconnu.test !", {}) == []


def test_hashtag_drops_trailing_punctuation() -> None:
    facets = build_facets("On y va #Rentrée!", {}.get)

    assert facets[0].features[0].tag == "Rentrée"


def test_cursor_round_trip_and_same_instant_uris() -> None:
    instant = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    cursor = InboxCursor().advance("at://a", instant).advance("at://b", instant)

    parsed = InboxCursor.parse(cursor.dump())

    assert parsed == cursor
    assert parsed.is_seen("at://a", instant)
    assert not parsed.is_seen("at://c", instant)  # indexed in the same millisecond, not yet seen
    assert parsed.is_seen("at://old", instant - timedelta(seconds=1))
    assert parsed.advance("at://old", instant - timedelta(seconds=1)) == parsed


def notification(uri: str, reason: str, indexed_at: str, **record: Any) -> dict[str, Any]:
    return {
        "uri": uri,
        "cid": f"cid-{uri[-1]}",
        "reason": reason,
        "indexedAt": indexed_at,
        "author": {"did": "did:plc:fan", "handle": "fan.test", "displayName": "Fan"},
        "record": {"text": "Salut", "createdAt": indexed_at, **record},
    }


class FakeClient:
    """Stands in for the SDK client: serves one canned listNotifications page."""

    def __init__(self, notifications: list[dict[str, Any]]) -> None:
        self.notifications = notifications

    def invoke_query(self, nsid: str, params: Any) -> SimpleNamespace:
        assert nsid == "app.bsky.notification.listNotifications"
        return SimpleNamespace(content={"notifications": self.notifications})


def provider_with(notifications: list[dict[str, Any]]) -> BlueskyProvider:
    provider = BlueskyProvider({"did": DID, "handle": "brand.test"}, {})
    provider._client = FakeClient(notifications)  # type: ignore[assignment]
    return provider


def test_inbox_skips_malformed_notifications_and_ignores_likes(caplog: pytest.LogCaptureFixture) -> None:
    root = {"uri": "at://did:plc:brand/app.bsky.feed.post/1", "cid": "cid-root"}
    provider = provider_with(
        [
            notification(
                "at://r/2", "reply", "2026-11-21T12:00:02.000Z", reply={"root": root, "parent": root}
            ),
            {"uri": "at://broken/3", "reason": "mention", "indexedAt": "2026-11-21T12:00:01.000Z"},
            notification("at://l/4", "like", "2026-11-21T12:00:01.500Z"),
            notification("at://m/5", "mention", "2026-11-21T12:00:00.000Z"),
        ]
    )

    page = provider.fetch_inbox("")

    assert [(item.external_id, item.kind) for item in page.items] == [
        ("at://m/5", InboxKind.MENTION),
        ("at://r/2", InboxKind.REPLY),
    ]
    assert page.items[1].reply_context["root_uri"] == root["uri"]
    assert page.items[1].parent_id == root["uri"]
    assert [skipped.external_id for skipped in page.skipped] == ["at://broken/3"]
    assert "malformed Bluesky notification" in caplog.text
    assert provider.fetch_inbox(page.cursor).items == []


def sdk_response(status: int, error: str = "", headers: dict[str, str] | None = None) -> Response:
    content = XrpcError(error=error, message="detail") if error else None
    return Response(success=False, status_code=status, content=content, headers=headers or {})


def caused(error: NetworkError, cause: Exception) -> NetworkError:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "write", "expected", "reason"),
    [
        (
            UnauthorizedError(sdk_response(401, "ExpiredToken")),
            False,
            PermanentError,
            PermanentReason.AUTH_REVOKED,
        ),
        (
            BadRequestError(sdk_response(400, "InvalidToken")),
            False,
            PermanentError,
            PermanentReason.AUTH_REVOKED,
        ),
        (
            BadRequestError(sdk_response(400, "InvalidRequest")),
            True,
            PermanentError,
            PermanentReason.VALIDATION,
        ),
        (
            BadRequestError(sdk_response(400, "RecordNotFound")),
            False,
            PermanentError,
            PermanentReason.NOT_FOUND,
        ),
        (UnauthorizedError(sdk_response(403, "Forbidden")), True, PermanentError, PermanentReason.FORBIDDEN),
        (NetworkError(sdk_response(502)), True, OutcomeUnknownError, None),
        (NetworkError(sdk_response(502)), False, RetryableError, None),
        (caused(InvokeTimeoutError(), httpx.ReadTimeout("late")), True, OutcomeUnknownError, None),
        (caused(InvokeTimeoutError(), httpx.ReadTimeout("late")), False, RetryableError, None),
        (caused(NetworkError(), httpx.ConnectError("refused")), True, RetryableError, None),
    ],
)
def test_sdk_errors_map_to_typed_errors(
    error: Exception, write: bool, expected: type[Exception], reason: PermanentReason | None
) -> None:
    mapped = _request_error(error, write=write)  # type: ignore[arg-type]

    assert type(mapped) is expected
    assert getattr(mapped, "reason", None) == reason


def test_rate_limit_waits_until_the_window_resets() -> None:
    reset = int((datetime.now(UTC) + timedelta(seconds=120)).timestamp())
    error = RateLimitExceededError(sdk_response(429, "RateLimitExceeded", {"ratelimit-reset": str(reset)}))

    mapped = _request_error(error, write=True)

    assert isinstance(mapped, RetryableError)
    assert mapped.retry_after is not None and 100 < mapped.retry_after <= 120


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_connection_refused_is_retryable() -> None:
    params = {"service": f"http://127.0.0.1:{closed_port()}", "handle": "brand.test", "app_password": "x"}

    with pytest.raises(RetryableError):
        BlueskyProvider.connect({**params, "allow_private_network": "1"})


def test_private_service_is_refused_without_opt_in() -> None:
    params = {"service": f"http://127.0.0.1:{closed_port()}", "handle": "brand.test", "app_password": "x"}

    with pytest.raises(PermanentError) as raised:
        BlueskyProvider.connect(params)

    assert raised.value.reason is PermanentReason.VALIDATION


@pytest.mark.parametrize(
    "remote_id", ["", "https://bsky.app/profile/x/post/1", f"at://{DID}/app.bsky.graph.block/1"]
)
def test_delete_refuses_what_is_not_a_post(remote_id: str) -> None:
    with pytest.raises(PermanentError) as raised:
        BlueskyProvider({"did": DID, "handle": "brand.test"}, {}).delete(remote_id)

    assert raised.value.reason is PermanentReason.VALIDATION
