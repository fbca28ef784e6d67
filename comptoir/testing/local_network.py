"""A provider for the loopback test network (tests/peers/fault_provider.py), used only by tests and benchmarks.

It is never in the production registry: `register()` adds it in the processes that need it (a test worker, a
benchmark worker). The network stores every post it accepts and does not deduplicate, so a publisher that sent
a target twice would show two posts there; it answers 5xx only before storing anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import httpx

from comptoir.providers.base import (
    Connection,
    InboxItem,
    InboxPage,
    OutboundPost,
    PermanentError,
    PermanentReason,
    Provider,
    Published,
    RemotePost,
)
from comptoir.providers.capabilities import Capabilities, LengthRule
from comptoir.providers.http import check_response, guarded_client, transport_errors
from comptoir.providers.registry import PROVIDER_CLASSES

NETWORK = "local"


def register() -> None:
    PROVIDER_CLASSES[NETWORK] = f"{__name__}:LocalNetworkProvider"


class LocalNetworkProvider(Provider):
    """Settings: `url` of the network, `timeout` in seconds (default 5); credentials: `token`."""

    network = NETWORK
    capabilities = Capabilities(
        network=NETWORK, label="Local test network", text_limit=5000, length_rule=LengthRule.CHARACTERS
    )

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        return Connection(
            account_id=params["url"],
            display_name="Local",
            handle="local",
            credentials={"token": params.get("token", "")},
            settings={"url": params["url"], "allow_private_network": "1"},
        )

    def _client(self) -> httpx.Client:
        timeout = float(self.settings.get("timeout", "5"))
        return guarded_client(
            allow_private=True,
            base_url=self.settings["url"],
            headers={"Authorization": f"Bearer {self.credentials.get('token') or 'none'}"},
            timeout=httpx.Timeout(timeout, connect=timeout),
        )

    def publish(self, post: OutboundPost) -> Published:
        with self._client() as client, transport_errors(idempotent=False):
            response = check_response(
                client.post("/posts", json={"text": post.text, "key": post.idempotency_key}), idempotent=True
            )
        body = response.json()
        return Published(remote_ids=[str(body["id"])], url=f"{self.settings['url']}/posts/{body['id']}")

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        with self._client() as client, transport_errors(idempotent=True):
            response = check_response(client.get("/posts", params={"limit": limit}))
        return [
            RemotePost(
                remote_id=str(item["id"]),
                text=item["text"],
                created_at=datetime.fromisoformat(item["created_at"]),
                idempotency_key=item["key"],
            )
            for item in response.json()
        ]

    def delete(self, remote_id: str) -> None:
        raise PermanentError("The local network keeps every post.", reason=PermanentReason.UNSUPPORTED)

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        return InboxPage(items=[], cursor=cursor)

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        raise PermanentError("The local network has no replies.", reason=PermanentReason.UNSUPPORTED)
