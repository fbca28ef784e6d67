"""A real HTTP server on 127.0.0.1 that answers with recorded API responses and records what it was sent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(network: str, name: str) -> Any:
    """A documented response body, stored as fixtures/<network>/<name>.json."""
    return json.loads((FIXTURES / network / f"{name}.json").read_text())


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection after reading the request, as a reset after send does


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}

    def param(self, name: str) -> str:
        return self.query[name][0]


class FixtureServer:
    """Routes (method, path) to queued replies; the last reply of a route keeps answering."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.url = ""

    def on(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        fixture: tuple[str, str] | None = None,
        drop: bool = False,
    ) -> None:
        if fixture is not None:
            body = load_fixture(*fixture)
        raw = b"" if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json"} if raw else {}
        all_headers.update(headers or {})
        with self.lock:
            self.routes.setdefault((method, path), []).append(Reply(status, raw, all_headers, drop))

    def sent(self, method: str, path: str) -> list[Recorded]:
        return [request for request in self.requests if request.method == method and request.path == path]

    def reply_for(self, method: str, path: str) -> Reply | None:
        with self.lock:
            queue = self.routes.get((method, path))
            if not queue:
                return None
            return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler(server: FixtureServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            server.requests.append(
                Recorded(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()), body)
            )
            reply = server.reply_for(self.command, parts.path)
            if reply is None:
                reply = Reply(
                    404, json.dumps({"error": f"no fixture for {self.command} {parts.path}"}).encode()
                )
            if reply.drop:
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            """Silence the default stderr access log."""

    return Handler


@contextmanager
def serve() -> Iterator[FixtureServer]:
    """Start a FixtureServer on a free loopback port for the duration of the block."""
    server = FixtureServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
