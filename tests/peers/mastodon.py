"""An in-process Mastodon client-API server on 127.0.0.1 for the Mastodon provider's tests.

No real Mastodon server can be installed here (Ruby + PostgreSQL + Redis; GoToSocial is a Go binary), so this
speaks the documented REST API (docs.joinmastodon.org: entities Status, Account, MediaAttachment, Notification,
Relationship, Report, Application, Token, Error) for the endpoints Comptoir uses, with real OAuth codes and
tokens, Idempotency-Key, min_id/since_id pagination, and injectable error answers (401, 422, 429...).
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

LOCAL_DOMAIN = "127.0.0.1"
MAX_CHARACTERS = 500


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class MastodonState:
    """The server's data, readable by tests to check effects and writable to inject failures."""

    def __init__(self) -> None:
        self.url = ""
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget every account, token, status and injected failure (the URL stays)."""
        self.ids = itertools.count(109_000_000_000_000_000)
        self.accounts: dict[str, dict[str, Any]] = {}
        self.apps: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, tuple[str, str, str]] = {}  # code -> (client_id, account id, redirect_uri)
        self.tokens: dict[str, str] = {}  # access token -> account id
        self.statuses: dict[str, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []  # with a private "_to" key
        self.media: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[tuple[str, str], str] = {}
        self.relationships: dict[tuple[str, str], dict[str, bool]] = {}
        self.reports: list[dict[str, Any]] = []
        self.failures: list[tuple[str, str, Failure]] = []

    def next_id(self) -> str:
        return str(next(self.ids))

    def account(self, username: str, domain: str = "") -> dict[str, Any]:
        acct = f"{username}@{domain}" if domain else username
        for account in self.accounts.values():
            if account["acct"] == acct:
                return account
        account_id = self.next_id()
        host = domain or LOCAL_DOMAIN
        account = {
            "id": account_id,
            "username": username,
            "acct": acct,
            "display_name": username.capitalize(),
            "locked": False,
            "bot": False,
            "discoverable": True,
            "group": False,
            "created_at": _now(),
            "note": "",
            "url": f"https://{host}/@{username}",
            "uri": f"https://{host}/users/{username}",
            "avatar": f"https://{host}/avatars/original/missing.png",
            "avatar_static": f"https://{host}/avatars/original/missing.png",
            "header": "",
            "header_static": "",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": 0,
            "last_status_at": None,
            "emojis": [],
            "fields": [],
        }
        self.accounts[account_id] = account
        return account

    def token_for(self, username: str) -> str:
        token = secrets.token_urlsafe(32)
        self.tokens[token] = self.account(username)["id"]
        return token

    def approve(self, client_id: str, username: str, redirect_uri: str) -> str:
        """What a person clicking "Authorize" on /oauth/authorize does: issue a code for the app."""
        code = secrets.token_urlsafe(32)
        self.codes[code] = (client_id, self.account(username)["id"], redirect_uri)
        return code

    def fail_next(self, method: str, path: str, status: int, body: dict[str, Any], **headers: str) -> None:
        self.failures.append((method, path, Failure(status, body, headers)))

    def post_status(
        self,
        account: dict[str, Any],
        text: str,
        *,
        visibility: str = "public",
        in_reply_to_id: str | None = None,
    ) -> dict[str, Any]:
        status_id = self.next_id()
        parent = self.statuses.get(in_reply_to_id or "")
        status: dict[str, Any] = {
            "id": status_id,
            "uri": f"{self.url}/users/{account['username']}/statuses/{status_id}",
            "url": f"{self.url}/@{account['username']}/{status_id}",
            "created_at": _now(),
            "account": account,
            "content": "<p>"
            + text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br />")
            + "</p>",
            "text": text,
            "visibility": visibility,
            "sensitive": False,
            "spoiler_text": "",
            "media_attachments": [],
            "application": None,
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": parent["id"] if parent else None,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "reblog": None,
            "poll": None,
            "card": None,
            "language": "fr",
            "edited_at": None,
        }
        if parent:
            parent["replies_count"] += 1
        for username, domain in re.findall(r"(?<![\w/])@(\w+)(?:@([\w.-]+\w))?", text):
            if domain == LOCAL_DOMAIN:
                domain = ""
            target = self.account(username, domain)
            status["mentions"].append(
                {"id": target["id"], "username": username, "url": target["url"], "acct": target["acct"]}
            )
            if target["id"] != account["id"]:
                self.notify("mention", target, account, status)
        account["statuses_count"] += 1
        self.statuses[status_id] = status
        return status

    def notify(self, kind: str, to: dict[str, Any], sender: dict[str, Any], status: dict[str, Any]) -> None:
        self.notifications.append(
            {
                "id": self.next_id(),
                "type": kind,
                "group_key": f"ungrouped-{len(self.notifications)}",
                "created_at": _now(),
                "account": sender,
                "status": status,
                "_to": to["id"],
            }
        )


def _error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status, headers=headers)


def build_app(state: MastodonState) -> Starlette:
    async def params(request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").startswith("application/json"):
            body: dict[str, Any] = await request.json()
            return body
        form = await request.form()
        values: dict[str, Any] = {}
        for key in form:
            items = form.getlist(key)
            values[key] = items if key.endswith("[]") else items[-1]
        return values

    def me(request: Request) -> dict[str, Any] | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        account_id = state.tokens.get(token)
        return state.accounts.get(account_id) if account_id else None

    def injected(request: Request) -> Response | None:
        with state.lock:
            for index, (method, path, failure) in enumerate(state.failures):
                if method == request.method and path == request.url.path:
                    del state.failures[index]
                    return JSONResponse(failure.body, failure.status, headers=failure.headers)
        return None

    def authenticated(handler: Any) -> Any:
        async def wrapper(request: Request) -> Response:
            failure = injected(request)
            if failure is not None:
                return failure
            account = me(request)
            if account is None:
                return _error(401, "The access token is invalid")
            response: Response = await handler(request, account)
            return response

        return wrapper

    async def instance(request: Request) -> Response:
        return JSONResponse(
            {
                "domain": LOCAL_DOMAIN,
                "uri": LOCAL_DOMAIN,
                "title": "Comptoir test server",
                "version": "4.3.0",
                "source_url": "https://github.com/mastodon/mastodon",
                "description": "",
                "api_versions": {"mastodon": 2},
                "languages": ["fr"],
                "registrations": {"enabled": False, "approval_required": False, "message": None},
                "contact": {"email": "", "account": None},
                "rules": [],
                "configuration": {
                    "urls": {"streaming": ""},
                    "accounts": {"max_featured_tags": 10},
                    "statuses": {
                        "max_characters": MAX_CHARACTERS,
                        "max_media_attachments": 4,
                        "characters_reserved_per_url": 23,
                    },
                    "media_attachments": {
                        "supported_mime_types": [
                            "image/jpeg",
                            "image/png",
                            "image/gif",
                            "image/webp",
                            "video/mp4",
                        ],
                        "image_size_limit": 16777216,
                        "image_matrix_limit": 33177600,
                        "video_size_limit": 103809024,
                        "video_frame_rate_limit": 120,
                        "video_matrix_limit": 8294400,
                    },
                    "polls": {
                        "max_options": 4,
                        "max_characters_per_option": 50,
                        "min_expiration": 300,
                        "max_expiration": 2629746,
                    },
                },
            }
        )

    async def oauth_metadata(request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": f"{state.url}/",
                "authorization_endpoint": f"{state.url}/oauth/authorize",
                "token_endpoint": f"{state.url}/oauth/token",
                "revocation_endpoint": f"{state.url}/oauth/revoke",
                "scopes_supported": ["read", "write", "push", "follow"],
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def create_app(request: Request) -> Response:
        body = await params(request)
        client_id, client_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        redirect_uris = str(body.get("redirect_uris", "urn:ietf:wg:oauth:2.0:oob")).split()
        app = {
            "id": state.next_id(),
            "name": body.get("client_name", ""),
            "website": body.get("website"),
            "scopes": str(body.get("scopes", "read")).split(),
            "redirect_uri": " ".join(redirect_uris),
            "redirect_uris": redirect_uris,
            "vapid_key": "",
            "client_id": client_id,
            "client_secret": client_secret,
            "client_secret_expires_at": 0,
        }
        state.apps[client_id] = app
        return JSONResponse(app)

    async def token(request: Request) -> Response:
        body = await params(request)
        app = state.apps.get(str(body.get("client_id", "")))
        if app is None or app["client_secret"] != body.get("client_secret"):
            return JSONResponse(
                {
                    "error": "invalid_client",
                    "error_description": "Client authentication failed due to unknown client, no client "
                    "authentication included, or unsupported authentication method.",
                },
                401,
            )
        grant = state.codes.pop(str(body.get("code", "")), None)
        if (
            body.get("grant_type") != "authorization_code"
            or grant is None
            or grant[0] != app["client_id"]
            or grant[2] != body.get("redirect_uri")
        ):
            return JSONResponse(
                {
                    "error": "invalid_grant",
                    "error_description": "The provided authorization grant is invalid, expired, revoked, does "
                    "not match the redirection URI used in the authorization request, or was issued to "
                    "another client.",
                },
                400,
            )
        access_token = secrets.token_urlsafe(32)
        state.tokens[access_token] = grant[1]
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "scope": body.get("scope", "read"),
                "created_at": int(time.time()),
            }
        )

    async def verify_credentials(request: Request, account: dict[str, Any]) -> Response:
        return JSONResponse({**account, "source": {"privacy": "public", "sensitive": False, "note": ""}})

    async def upload_media(request: Request, account: dict[str, Any]) -> Response:
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            return _error(422, "Validation failed: File can't be blank")
        content = await upload.read()
        media_id = state.next_id()
        media = {
            "id": media_id,
            "type": "image" if (upload.content_type or "").startswith("image/") else "video",
            "url": f"{state.url}/system/media_attachments/files/{media_id}/original/{upload.filename}",
            "preview_url": f"{state.url}/system/media_attachments/files/{media_id}/small/{upload.filename}",
            "remote_url": None,
            "text_url": None,
            "meta": {
                "original": {"width": 640, "height": 480, "size": "640x480", "aspect": 1.3333333333333333}
            },
            "description": form.get("description") or None,
            "blurhash": "UFBWY:8_0Jxv4mx]t8t64.%M-:IUWGWAt6M}",
            "_bytes": len(content),
            "_owner": account["id"],
        }
        state.media[media_id] = media
        return JSONResponse({key: value for key, value in media.items() if not key.startswith("_")})

    async def create_status(request: Request, account: dict[str, Any]) -> Response:
        body = await params(request)
        key = request.headers.get("idempotency-key")
        if key and (account["id"], key) in state.idempotency:
            return JSONResponse(state.statuses[state.idempotency[(account["id"], key)]])
        text = str(body.get("status", ""))
        media_ids = body.get("media_ids[]") or []
        if not text.strip() and not media_ids:
            return _error(422, "Validation failed: Text can't be blank")
        countable = re.sub(r"https?://\S+", "x" * 23, text)
        if len(countable) > MAX_CHARACTERS:
            return _error(422, f"Validation failed: Text character limit of {MAX_CHARACTERS} exceeded")
        in_reply_to_id = body.get("in_reply_to_id") or None
        if in_reply_to_id and in_reply_to_id not in state.statuses:
            return _error(404, "Record not found")
        status = state.post_status(
            account, text, visibility=str(body.get("visibility") or "public"), in_reply_to_id=in_reply_to_id
        )
        for media_id in media_ids:
            media = state.media.get(media_id)
            if media is None or media["_owner"] != account["id"]:
                return _error(422, "Validation failed: Media attachments are invalid")
            status["media_attachments"].append({k: v for k, v in media.items() if not k.startswith("_")})
        if key:
            state.idempotency[(account["id"], key)] = status["id"]
        return JSONResponse(status)

    async def status_detail(request: Request, account: dict[str, Any]) -> Response:
        status = state.statuses.get(request.path_params["id"])
        if status is None or (status["visibility"] == "direct" and account["id"] != status["account"]["id"]):
            return _error(404, "Record not found")
        if request.method == "DELETE":
            if status["account"]["id"] != account["id"]:
                return _error(404, "Record not found")
            del state.statuses[status["id"]]
            status["account"]["statuses_count"] -= 1
        return JSONResponse(status)

    async def account_statuses(request: Request, account: dict[str, Any]) -> Response:
        owner = request.path_params["id"]
        limit = int(request.query_params.get("limit", 20))
        mine = [status for status in state.statuses.values() if status["account"]["id"] == owner]
        mine.sort(key=lambda status: int(status["id"]), reverse=True)
        return JSONResponse(mine[:limit])

    async def notifications(request: Request, account: dict[str, Any]) -> Response:
        types = request.query_params.getlist("types[]")
        limit = min(int(request.query_params.get("limit", 40)), 80)
        since_id, min_id, max_id = (
            request.query_params.get(name) for name in ("since_id", "min_id", "max_id")
        )
        mine = [
            notification
            for notification in state.notifications
            if notification["_to"] == account["id"]
            and (not types or notification["type"] in types)
            and (not max_id or int(notification["id"]) < int(max_id))
            and (not (min_id or since_id) or int(notification["id"]) > int(min_id or since_id or 0))
        ]
        mine.sort(key=lambda notification: int(notification["id"]))
        # min_id: the page right after min_id; otherwise the newest page. Newest first either way.
        page = mine[:limit] if min_id else mine[-limit:]
        public = [{key: value for key, value in item.items() if key != "_to"} for item in reversed(page)]
        return JSONResponse(public)

    def relationship(account: dict[str, Any], target_id: str) -> dict[str, Any]:
        flags = state.relationships.setdefault(
            (account["id"], target_id), {"blocking": False, "muting": False}
        )
        return {
            "id": target_id,
            "following": False,
            "showing_reblogs": False,
            "notifying": False,
            "languages": None,
            "followed_by": False,
            "blocking": flags["blocking"],
            "blocked_by": False,
            "muting": flags["muting"],
            "muting_notifications": flags["muting"],
            "requested": False,
            "requested_by": False,
            "domain_blocking": False,
            "endorsed": False,
            "note": "",
        }

    def relation_endpoint(flag: str, value: bool) -> Any:
        async def handler(request: Request, account: dict[str, Any]) -> Response:
            target_id = request.path_params["id"]
            if target_id not in state.accounts:
                return _error(404, "Record not found")
            relationship(account, target_id)
            state.relationships[(account["id"], target_id)][flag] = value
            return JSONResponse(relationship(account, target_id))

        return handler

    async def create_report(request: Request, account: dict[str, Any]) -> Response:
        body = await params(request)
        target = state.accounts.get(str(body.get("account_id", "")))
        if target is None:
            return _error(404, "Record not found")
        report = {
            "id": state.next_id(),
            "action_taken": False,
            "action_taken_at": None,
            "category": body.get("category", "other"),
            "comment": body.get("comment", ""),
            "forwarded": str(body.get("forward", "")).lower() in {"true", "1"},
            "created_at": _now(),
            "status_ids": body.get("status_ids[]") or None,
            "rule_ids": None,
            "target_account": target,
        }
        state.reports.append(report)
        return JSONResponse(report)

    return Starlette(
        routes=[
            Route("/api/v1/instance", instance),
            Route("/api/v2/instance", instance),
            Route("/.well-known/oauth-authorization-server", oauth_metadata),
            Route("/api/v1/apps", create_app, methods=["POST"]),
            Route("/oauth/token", token, methods=["POST"]),
            Route("/api/v1/accounts/verify_credentials", authenticated(verify_credentials)),
            Route("/api/v2/media", authenticated(upload_media), methods=["POST"]),
            Route("/api/v1/statuses", authenticated(create_status), methods=["POST"]),
            Route("/api/v1/statuses/{id}", authenticated(status_detail), methods=["GET", "DELETE"]),
            Route("/api/v1/accounts/{id}/statuses", authenticated(account_statuses)),
            Route("/api/v1/notifications", authenticated(notifications)),
            Route(
                "/api/v1/accounts/{id}/block",
                authenticated(relation_endpoint("blocking", True)),
                methods=["POST"],
            ),
            Route(
                "/api/v1/accounts/{id}/unblock",
                authenticated(relation_endpoint("blocking", False)),
                methods=["POST"],
            ),
            Route(
                "/api/v1/accounts/{id}/mute",
                authenticated(relation_endpoint("muting", True)),
                methods=["POST"],
            ),
            Route(
                "/api/v1/accounts/{id}/unmute",
                authenticated(relation_endpoint("muting", False)),
                methods=["POST"],
            ),
            Route("/api/v1/reports", authenticated(create_report), methods=["POST"]),
        ]
    )


@contextmanager
def running_server() -> Iterator[MastodonState]:
    """Serve a fresh MastodonState on a free loopback port until the block ends."""
    state = MastodonState()
    config = uvicorn.Config(build_app(state), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("The in-process Mastodon server did not start within 10 s.")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    state.url = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def mastodon_session_server() -> Iterator[MastodonState]:
    with running_server() as state:
        yield state


@pytest.fixture
def mastodon_server(mastodon_session_server: MastodonState) -> MastodonState:
    """The session's server with its data wiped: every test starts from an empty instance."""
    mastodon_session_server.reset()
    return mastodon_session_server
