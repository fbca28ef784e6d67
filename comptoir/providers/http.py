"""Outbound HTTP for providers: an httpx client that refuses private addresses, and typed error mapping.

Every URL a workspace enters (feed, page, homeserver) is untrusted: without a guard, a feed URL such as
http://169.254.169.254/ would read the cloud metadata service from inside our network. The guard runs where
the socket is opened, on the addresses actually dialled, so DNS rebinding and redirects are covered too.
"""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
import ssl
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpcore
import httpx

from comptoir.providers.base import OutcomeUnknownError, PermanentError, PermanentReason, RetryableError

ALLOW_PRIVATE_SETTING = "allow_private_network"
USER_AGENT = "Comptoir/0.1 (+https://comptoir.social)"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
MAX_BYTES = 10_000_000


class BlockedAddressError(PermanentError):
    """The URL points at (or redirects to) a loopback, private, link-local, multicast or reserved address."""

    def __init__(self, host: str) -> None:
        super().__init__(
            f"{host} is a private or local address; Comptoir only connects to public servers.",
            reason=PermanentReason.VALIDATION,
            code="blocked_address",
        )


def allow_private_from(settings: Mapping[str, str]) -> bool:
    """Self-hosted peers and tests opt in through the channel setting `allow_private_network` = "1"."""
    return settings.get(ALLOW_PRIVATE_SETTING) == "1"


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        # ::ffff:127.0.0.1 reaches the IPv4 loopback; judge the address actually dialled.
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve_public(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses `host` resolves to, refused as a whole if any of them is not public (OSError if none)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private and not all(is_public_address(address) for address in addresses):
        raise BlockedAddressError(host)
    return addresses


class _GuardedBackend(httpcore.SyncBackend):
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = resolve_public(host, port, allow_private=self.allow_private)
        except OSError as exc:
            raise httpcore.ConnectError(f"Cannot resolve {host}.") from exc
        last_error: Exception | None = None
        for address in addresses:
            try:
                # Dial the vetted address itself: resolving again would let DNS answer differently.
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Loading the CA bundle takes a fifth of a second: one context serves every client of the process."""
    return httpx.create_ssl_context(trust_env=False)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allow_private: bool) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)
        # httpx has no public hook for the network backend; its pool is the one place every socket is opened.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=20,
            max_keepalive_connections=5,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(allow_private),
        )


def guarded_client(
    *,
    allow_private: bool = False,
    base_url: str = "",
    headers: Mapping[str, str] | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    follow_redirects: bool = True,
) -> httpx.Client:
    """An httpx client for untrusted URLs; environment proxies are ignored so the guard sees the real host."""
    return httpx.Client(
        transport=_GuardedTransport(allow_private),
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        timeout=timeout,
        follow_redirects=follow_redirects,
        max_redirects=5,
        trust_env=False,
    )


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either a number of seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def check_response(response: httpx.Response, *, idempotent: bool = True) -> httpx.Response:
    """Raise the typed error a failed response means; a 5xx to a non-idempotent call may have been applied."""
    status = response.status_code
    if status < 400:
        return response
    where = response.request.url.host
    if status == 429:
        raise RetryableError(
            f"{where} is rate limiting us.",
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            status=status,
        )
    if status == 503 or (status >= 500 and idempotent):
        raise RetryableError(
            f"{where} answered {status}.",
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            status=status,
        )
    if status >= 500:
        raise OutcomeUnknownError(f"{where} answered {status} after receiving the request.", status=status)
    reasons = {
        401: PermanentReason.AUTH_REVOKED,
        403: PermanentReason.FORBIDDEN,
        404: PermanentReason.NOT_FOUND,
        410: PermanentReason.NOT_FOUND,
    }
    raise PermanentError(
        f"{where} refused the request ({status}).",
        reason=reasons.get(status, PermanentReason.VALIDATION),
        status=status,
    )


@contextlib.contextmanager
def transport_errors(*, idempotent: bool = True) -> Iterator[None]:
    """Turn httpx transport failures into typed errors. Nothing was sent when connecting failed; once the
    request is on the wire, a timeout or reset leaves a non-idempotent call in an unknown state."""
    try:
        yield
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        raise RetryableError(f"Could not reach {_host_of(exc)}.") from None
    except httpx.TooManyRedirects:
        raise PermanentError("Too many redirects.", reason=PermanentReason.VALIDATION) from None
    except httpx.UnsupportedProtocol:
        raise PermanentError(
            "Only http and https URLs are supported.", reason=PermanentReason.VALIDATION
        ) from None
    except httpx.TransportError as exc:
        if idempotent:
            raise RetryableError(f"{_host_of(exc)} did not answer in time.") from None
        raise OutcomeUnknownError(f"{_host_of(exc)} did not answer after receiving the request.") from None


def _host_of(exc: httpx.TransportError) -> str:
    # Only the host: query strings of some APIs carry tokens, and messages must never hold a secret.
    try:
        return exc.request.url.host or "the server"
    except RuntimeError:
        return "the server"


@dataclass(frozen=True)
class Fetched:
    """A changed resource, with the validators to send next time."""

    content: bytes
    content_type: str
    etag: str
    last_modified: str
    url: str


def fetch_if_changed(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    allow_private: bool = False,
    max_bytes: int = MAX_BYTES,
) -> Fetched | None:
    """Conditional GET through the guarded client: None on 304 Not Modified; bodies over max_bytes are refused
    rather than read, so a hostile URL cannot make a sync job swallow gigabytes."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with (
        guarded_client(allow_private=allow_private) as client,
        transport_errors(idempotent=True),
        client.stream("GET", url, headers=headers) as response,
    ):
        if response.status_code == 304:
            return None
        check_response(response)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise PermanentError(
                    f"{response.url.host} sent more than {max_bytes // 1_000_000} MB.",
                    reason=PermanentReason.VALIDATION,
                )
            chunks.append(chunk)
        return Fetched(
            content=b"".join(chunks),
            content_type=response.headers.get("Content-Type", ""),
            etag=response.headers.get("ETag", ""),
            last_modified=response.headers.get("Last-Modified", ""),
            url=str(response.url),
        )
