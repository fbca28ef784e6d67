"""Plumbing shared by the OAuth + JSON API providers (X, Facebook, Instagram, LinkedIn): PKCE, code exchange,
one JSON client whose base URL settings can override, error-body mapping, and a time cursor for comment syncs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn
from urllib.parse import urlencode

import httpx

from comptoir.providers.base import (
    OutboundPost,
    OutcomeUnknownError,
    PermanentError,
    PermanentReason,
    RetryableError,
)
from comptoir.providers.http import allow_private_from, guarded_client, transport_errors

logger = logging.getLogger(__name__)

_SECRET_QUERY = re.compile(
    r"(?<=[?&])(client_secret|code|code_verifier|access_token|refresh_token|fb_exchange_token)=[^&\s\"]*"
)


class _RedactSecretsFilter(logging.Filter):
    """httpx logs every request URL at INFO, and Graph's token exchange carries the app secret and the code in
    its query string: redact them before any handler sees the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _SECRET_QUERY.sub(r"\1=[redacted]", str(arg)) if isinstance(arg, httpx.URL | str) else arg
                for arg in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_RedactSecretsFilter())

# Channel settings every API provider understands: tests and self-hosted gateways point these at 127.0.0.1.
API_BASE_URL_SETTING = "api_base_url"
OAUTH_BASE_URL_SETTING = "oauth_base_url"
CARRIED_SETTINGS = (API_BASE_URL_SETTING, OAUTH_BASE_URL_SETTING, "allow_private_network")


def pkce_pair() -> tuple[str, str]:
    """A PKCE (RFC 7636) code verifier and its S256 challenge; the verifier is kept for the code exchange."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def build_url(base: str, params: Mapping[str, str]) -> str:
    return f"{base}?{urlencode(params)}"


def carried_settings(params: Mapping[str, str]) -> dict[str, str]:
    """Connect parameters the channel keeps in its settings (base URL overrides, private network)."""
    return {key: params[key] for key in CARRIED_SETTINGS if params.get(key)}


def choose_account(pages: Sequence[dict[str, Any]], wanted: str, what: str) -> dict[str, Any]:
    """The page or account the person picked, or the only one; several and no choice is a question for the UI."""
    if wanted:
        for page in pages:
            if str(page.get("id")) == wanted:
                return page
        raise PermanentError(
            f"This account does not manage the {what} {wanted}.", reason=PermanentReason.FORBIDDEN
        )
    if len(pages) == 1:
        return pages[0]
    if not pages:
        raise PermanentError(f"This account manages no {what}.", reason=PermanentReason.FORBIDDEN)
    names = ", ".join(f"{page.get('name', '')} ({page.get('id')})" for page in pages)
    raise PermanentError(f"Choose the {what} to connect: {names}.", reason=PermanentReason.VALIDATION)


@dataclass(frozen=True)
class ApiFailure:
    """What a network's error body says, in its own terms, ready to become a typed error."""

    message: str
    code: str = ""
    rate_limited: bool = False
    auth_revoked: bool = False
    transient: bool = False
    reason: PermanentReason | None = None
    retry_after: float | None = None


def raise_failure(response: httpx.Response, failure: ApiFailure, *, idempotent: bool) -> NoReturn:
    """Turn a failed response into the typed error the publisher acts on."""
    status = response.status_code
    if failure.rate_limited:
        raise RetryableError(
            failure.message, retry_after=failure.retry_after, status=status, code=failure.code
        )
    if failure.auth_revoked or status == 401:
        raise PermanentError(
            failure.message, reason=PermanentReason.AUTH_REVOKED, status=status, code=failure.code
        )
    if failure.transient or status >= 500:
        # A 5xx (or a transient error) answering a write may come after the write was applied.
        if idempotent or status == 503:
            raise RetryableError(
                failure.message, retry_after=failure.retry_after, status=status, code=failure.code
            )
        raise OutcomeUnknownError(failure.message, status=status, code=failure.code)
    reason = failure.reason or {
        403: PermanentReason.FORBIDDEN,
        404: PermanentReason.NOT_FOUND,
        410: PermanentReason.NOT_FOUND,
    }.get(status, PermanentReason.VALIDATION)
    raise PermanentError(failure.message, reason=reason, status=status, code=failure.code)


def error_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of an error response, or {} when the body is not one (an HTML error page...)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def seconds_until(epoch_seconds: str | None) -> float | None:
    """Seconds from now until a Unix timestamp header (X's x-rate-limit-reset)."""
    if not epoch_seconds or not epoch_seconds.strip().isdigit():
        return None
    return max(0.0, int(epoch_seconds) - datetime.now(UTC).timestamp())


class JsonApi:
    """A guarded httpx client bound to one network's base URL, raising typed errors from its error bodies."""

    def __init__(
        self,
        base_url: str,
        *,
        settings: Mapping[str, str],
        describe_failure: Callable[[httpx.Response], ApiFailure],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.describe_failure = describe_failure
        self.client = guarded_client(
            allow_private=allow_private_from(settings), base_url=base_url, headers=headers
        )

    def request(
        self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send one request; `idempotent` defaults to the HTTP method's own semantics."""
        if idempotent is None:
            idempotent = method.upper() in {"GET", "HEAD", "PUT", "DELETE"}
        with transport_errors(idempotent=idempotent):
            response = self.client.request(method, url, **kwargs)
        if response.status_code >= 400:
            raise_failure(response, self.describe_failure(response), idempotent=idempotent)
        return response

    def json(self, method: str, url: str, *, idempotent: bool | None = None, **kwargs: Any) -> Any:
        response = self.request(method, url, idempotent=idempotent, **kwargs)
        if not response.content:
            return {}
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            # The call succeeded but its answer is unreadable: for a write we cannot tell what was created.
            raise OutcomeUnknownError(f"{response.request.url.host} answered with unreadable data.") from None

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class TimeCursor:
    """ "Everything up to `time`, plus these ids seen at exactly `time`": APIs that filter comments by time
    (second or millisecond precision) return items of the boundary instant again, and this skips them."""

    time: float = 0.0
    ids_at_time: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, cursor: str) -> TimeCursor:
        if not cursor:
            return cls()
        time_part, _, ids_part = cursor.partition("|")
        try:
            time = float(time_part)
        except ValueError:
            logger.warning("Ignoring a malformed inbox cursor.")
            return cls()
        return cls(time, frozenset(filter(None, ids_part.split(","))))

    def is_new(self, item_id: str, time: float) -> bool:
        time = round(time, 3)
        return time > self.time or (time == self.time and item_id not in self.ids_at_time)

    def advance(self, seen: Iterable[tuple[str, float]]) -> TimeCursor:
        latest, ids = self.time, set(self.ids_at_time)
        for item_id, exact_time in seen:
            # Rounded like the serialised form, so a cursor read back compares equal to the one written.
            time = round(exact_time, 3)
            if time > latest:
                latest, ids = time, {item_id}
            elif time == latest:
                ids.add(item_id)
        return TimeCursor(latest, frozenset(ids))

    def serialize(self) -> str:
        if not self.time:
            return ""
        return f"{self.time:.3f}|{','.join(sorted(self.ids_at_time))}"


def oauth_token_failure(response: httpx.Response, network: str) -> ApiFailure | None:
    """RFC 6749 §5.2 error bodies of token endpoints: a refused code or refresh token means reconnecting."""
    body = error_body(response)
    error = body.get("error")
    if not isinstance(error, str):
        return None
    description = str(body.get("error_description") or error)
    if response.status_code == 429:
        return ApiFailure(f"{network} is rate limiting sign-ins.", code=error, rate_limited=True)
    revoked = error in {"invalid_grant", "invalid_client", "unauthorized_client", "invalid_request"}
    return ApiFailure(f"{network} refused the authorisation: {description}", code=error, auth_revoked=revoked)


def publish_thread(
    post: OutboundPost, send: Callable[[OutboundPost, str], str], first_parent: str = ""
) -> list[str]:
    """Send a post then each thread part in reply to the previous one, returning the remote ids in order.

    Once the first part is out, a failure is reported as OutcomeUnknownError: retrying would post the head
    again, so the reconciler has to read the channel back and finish the thread.
    """
    remote_ids = [send(post, first_parent)]
    for part in post.thread:
        try:
            remote_ids.append(send(part, remote_ids[-1]))
        except (PermanentError, RetryableError, OutcomeUnknownError) as exc:
            raise OutcomeUnknownError(
                f"The thread stopped after {len(remote_ids)} of {len(post.thread) + 1} parts: {exc.message}",
                status=exc.status,
                code=exc.code,
            ) from exc
    return remote_ids
