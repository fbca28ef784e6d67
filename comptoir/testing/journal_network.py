"""The publisher benchmark's "local fast provider": a network that answers at once, in the worker's process.

Each accepted post is one JSON line appended to a journal file shared by every worker (`settings["journal"]`).
An O_APPEND write of one short line is atomic on a local file system, so concurrent workers never interleave,
and the journal keeps every post it is given: a publisher that sent a target twice leaves two lines. The
network costs a few microseconds per post, so the benchmark measures the publisher, not an HTTP server sharing
its two cores. Registered only by the benchmark and its tests, never in production.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from django.utils import timezone

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
from comptoir.providers.registry import PROVIDER_CLASSES

NETWORK = "journal"


def register() -> None:
    PROVIDER_CLASSES[NETWORK] = f"{__name__}:JournalNetworkProvider"


def read_journal(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


class JournalNetworkProvider(Provider):
    """Settings: `journal`, the file's path. The channel's account id names it in the journal."""

    network = NETWORK
    capabilities = Capabilities(
        network=NETWORK, label="Journal test network", text_limit=5000, length_rule=LengthRule.CHARACTERS
    )

    @classmethod
    def connect(cls, params: Mapping[str, str]) -> Connection:
        return Connection(
            account_id=params["account"],
            display_name=params["account"],
            handle=params["account"],
            credentials={},
            settings={"journal": params["journal"], "account": params["account"]},
        )

    def publish(self, post: OutboundPost) -> Published:
        remote_id = uuid.uuid4().hex
        now = timezone.now()
        line = json.dumps(
            {
                "id": remote_id,
                "account": self.settings["account"],
                "key": post.idempotency_key,
                "text": post.text,
                "created_at": now.isoformat(),
            },
            ensure_ascii=False,
        )
        descriptor = os.open(self.settings["journal"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, (line + "\n").encode())
        finally:
            os.close(descriptor)
        return Published(remote_ids=[remote_id], published_at=now)

    def recent_posts(self, limit: int = 20) -> Sequence[RemotePost]:
        mine = [
            entry
            for entry in read_journal(Path(self.settings["journal"]))
            if entry["account"] == self.settings["account"]
        ]
        return [
            RemotePost(
                remote_id=entry["id"],
                text=entry["text"],
                created_at=datetime.fromisoformat(entry["created_at"]),
                idempotency_key=entry["key"],
            )
            for entry in reversed(mine[-limit:])
        ]

    def delete(self, remote_id: str) -> None:
        raise PermanentError("The journal network keeps every post.", reason=PermanentReason.UNSUPPORTED)

    def fetch_inbox(self, cursor: str = "") -> InboxPage:
        return InboxPage(items=[], cursor=cursor)

    def reply(self, item: InboxItem, post: OutboundPost) -> Published:
        raise PermanentError("The journal network has no replies.", reason=PermanentReason.UNSUPPORTED)
