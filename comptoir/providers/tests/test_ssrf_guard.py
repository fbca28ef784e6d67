"""The shared HTTP client refuses private addresses unless the channel allows them, redirects included."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest

from comptoir.providers import http
from comptoir.providers.base import OutcomeUnknownError, PermanentError, PermanentReason, RetryableError
from tests.peers.web import WebPeer


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://10.1.2.3/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:9/",
        "http://[::ffff:127.0.0.1]:9/",
        "http://224.0.0.1/",
        "http://0.0.0.0:9/",
    ],
)
def test_private_addresses_are_refused_before_connecting(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    dialled: list[Any] = []
    monkeypatch.setattr(socket, "create_connection", lambda *args, **kwargs: dialled.append(args))
    with http.guarded_client() as client, pytest.raises(http.BlockedAddressError) as caught:
        client.get(url)
    assert caught.value.reason == PermanentReason.VALIDATION
    assert dialled == []


def test_hostname_resolving_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "intranet.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 80))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with http.guarded_client() as client, pytest.raises(http.BlockedAddressError):
        client.get("http://intranet.example.com/")


@pytest.mark.peers
def test_localhost_name_is_refused(web_peer: WebPeer) -> None:
    web_peer.write("hello.txt", "hello")
    port = web_peer.base_url.rsplit(":", 1)[1]
    with http.guarded_client() as client, pytest.raises(http.BlockedAddressError):
        client.get(f"http://localhost:{port}/hello.txt")
    assert web_peer.requests_for("hello.txt") == []


@pytest.mark.peers
def test_loopback_is_allowed_when_the_channel_allows_private_networks(web_peer: WebPeer) -> None:
    url = web_peer.write("allowed.txt", "allowed")
    allow = http.allow_private_from({http.ALLOW_PRIVATE_SETTING: "1"})
    with http.guarded_client(allow_private=allow) as client:
        response = client.get(url)
    assert response.status_code == 200
    assert response.text == "allowed"
    assert http.allow_private_from({}) is False


@pytest.mark.peers
def test_redirect_to_a_private_address_is_refused(web_peer: WebPeer, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend 127.0.0.1 is public so the first hop is allowed; the redirect target must still be vetted.
    real_is_public = http.is_public_address
    monkeypatch.setattr(http, "is_public_address", lambda a: a == "127.0.0.1" or real_is_public(a))
    url = web_peer.redirect("to-metadata", "http://169.254.169.254/latest/meta-data/")
    with http.guarded_client() as client, pytest.raises(http.BlockedAddressError):
        client.get(url)
    assert len(web_peer.requests_for("to-metadata")) == 1


@pytest.mark.peers
def test_redirect_to_loopback_is_followed_when_allowed(web_peer: WebPeer) -> None:
    target = web_peer.write("target.txt", "arrived")
    url = web_peer.redirect("hop", target)
    with http.guarded_client(allow_private=True) as client:
        assert client.get(url).text == "arrived"


def test_refused_connection_is_retryable() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with (
        http.guarded_client(allow_private=True) as client,
        pytest.raises(RetryableError),
        http.transport_errors(idempotent=False),
    ):
        client.post(f"http://127.0.0.1:{port}/")


def test_read_timeout_after_sending_is_outcome_unknown() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        timeout = httpx.Timeout(0.3)
        with http.guarded_client(allow_private=True, timeout=timeout) as client:
            with pytest.raises(OutcomeUnknownError), http.transport_errors(idempotent=False):
                client.post(url, content=b"x")
            with pytest.raises(RetryableError), http.transport_errors(idempotent=True):
                client.get(url)


@pytest.mark.parametrize(
    ("status", "headers", "expected", "reason"),
    [
        (429, {"Retry-After": "7"}, RetryableError, None),
        (401, {}, PermanentError, PermanentReason.AUTH_REVOKED),
        (403, {}, PermanentError, PermanentReason.FORBIDDEN),
        (422, {}, PermanentError, PermanentReason.VALIDATION),
        (500, {}, OutcomeUnknownError, None),
        (503, {}, RetryableError, None),
    ],
)
def test_status_mapping_of_a_non_idempotent_call(
    status: int, headers: dict[str, str], expected: type[Exception], reason: PermanentReason | None
) -> None:
    response = httpx.Response(status, headers=headers, request=httpx.Request("POST", "https://api.example/x"))
    with pytest.raises(expected) as caught:
        http.check_response(response, idempotent=False)
    if reason is not None:
        assert isinstance(caught.value, PermanentError)
        assert caught.value.reason == reason
    if status == 429:
        assert isinstance(caught.value, RetryableError)
        assert caught.value.retry_after == 7.0
