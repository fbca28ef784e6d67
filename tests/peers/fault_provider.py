"""A loopback HTTP server that injects publishing faults: either a small social network of its own (for the
`local` provider of comptoir/testing/local_network.py), or a proxy in front of a real peer (Synapse, the Bluesky
PDS) that lets everything through except the publish calls it was told to break.

Each publish request takes the next fault of the script (none left: it goes through normally). The server
records every publish request and, in network mode, every post it stored, so a test counts remote posts.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOP_HEADERS = {"host", "connection", "content-length", "transfer-encoding", "keep-alive", "accept-encoding"}


@dataclass(frozen=True)
class Fault:
    """`status`: answer this HTTP status without passing the request on; `hang`: let the request through
    (the post is stored), then never answer — the caller times out or is killed while waiting; `delay`:
    wait that many seconds, then go through normally (a slow network)."""

    status: int = 0
    retry_after: int | None = None
    body: dict[str, object] = field(default_factory=dict)
    hang: bool = False
    delay: float = 0.0


def refuse(status: int, retry_after: int | None = None, **body: object) -> Fault:
    return Fault(status=status, retry_after=retry_after, body=body)


ACCEPT_THEN_HANG = Fault(hang=True)


@dataclass
class PublishRequest:
    at: float
    fault: Fault | None


class FaultServer:
    """Network mode when `upstream` is empty, proxy mode otherwise; `is_publish(method, path)` picks the
    requests the fault script applies to (network mode: POST /posts)."""

    def __init__(self, upstream: str = "", is_publish: Callable[[str, str], bool] | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.is_publish = is_publish or (lambda method, path: method == "POST" and path == "/posts")
        self.faults: list[Fault] = []
        # Set by revoke(): every request is refused this way from then on, as with a revoked token.
        self.refuse_all: Fault | None = None
        self.requests: list[PublishRequest] = []
        self.posts: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FaultServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def script(self, *faults: Fault) -> None:
        with self.lock:
            self.faults = list(faults)

    def revoke(self, fault: Fault) -> None:
        self.refuse_all = fault

    def posts_with_key(self, key: str) -> list[dict[str, str]]:
        with self.lock:
            return [post for post in self.posts if post["key"] == key]

    def _next_fault(self) -> Fault | None:
        with self.lock:
            fault = self.faults.pop(0) if self.faults else None
            self.requests.append(PublishRequest(at=time.monotonic(), fault=fault))
            return fault

    def _store(self, text: str, key: str) -> dict[str, str]:
        with self.lock:
            post = {
                "id": str(len(self.posts) + 1),
                "text": text,
                "key": key,
                "created_at": datetime.now(UTC).isoformat(),
            }
            self.posts.append(post)
            return post

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(self.upstream)
        upstream = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
        try:
            upstream.request(method, path, body=body or None, headers=headers)
            response = upstream.getresponse()
            answer = response.read()
            kept = {name: value for name, value in response.getheaders() if name.lower() not in HOP_HEADERS}
            return response.status, kept, answer
        finally:
            upstream.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
                self._send(
                    status,
                    {"Content-Type": "application/json", **(headers or {})},
                    json.dumps(payload).encode(),
                )

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urlsplit(self.path).path
                fault = server._next_fault() if server.is_publish(self.command, path) else None
                fault = server.refuse_all or fault
                if fault is not None and fault.delay:
                    time.sleep(fault.delay)
                if fault is not None and fault.status:
                    extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                    self._json(fault.status, fault.body or {"error": "injected"}, extra)
                    return
                if server.upstream:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
                    answer = server._forward(self.command, self.path, headers, body)
                else:
                    answer = self._local(path, body)
                if fault is not None and fault.hang:
                    server.release.wait(600)
                    return
                self._send(*answer)

            def _local(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
                json_type = {"Content-Type": "application/json"}
                if self.command == "POST" and path == "/posts":
                    payload = json.loads(body)
                    post = server._store(str(payload["text"]), str(payload.get("key", "")))
                    return 201, json_type, json.dumps({"id": post["id"]}).encode()
                if self.command == "GET" and path == "/posts":
                    limit = int(parse_qs(urlsplit(self.path).query).get("limit", ["20"])[0])
                    with server.lock:
                        newest = list(reversed(server.posts))[:limit]
                    return 200, json_type, json.dumps(newest).encode()
                return 404, json_type, b'{"error": "not found"}'

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        return Handler
