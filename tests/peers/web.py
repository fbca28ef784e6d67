"""Real-server pytest fixture for web: a threaded HTTP server on 127.0.0.1 serving files a test writes."""

from __future__ import annotations

import hashlib
import http.server
import mimetypes
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest


@dataclass
class WebPeer:
    """Files written under `root` are served at `url(name)`, with ETag and Last-Modified validators."""

    root: Path
    base_url: str
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    statuses: list[tuple[str, int]] = field(default_factory=list)

    def write(self, name: str, content: str | bytes) -> str:
        data = content.encode() if isinstance(content, str) else content
        (self.root / name).write_bytes(data)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"{self.base_url}/{name}"

    def redirect(self, name: str, location: str) -> str:
        self.redirects[f"/{name}"] = location
        return self.url(name)

    def requests_for(self, name: str) -> list[dict[str, str]]:
        return [headers for path, headers in self.requests if path == f"/{name}"]

    def statuses_for(self, name: str) -> list[int]:
        return [status for path, status in self.statuses if path == f"/{name}"]


def _handler_for(peer: WebPeer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def send_response(self, code: int, message: str | None = None) -> None:
            peer.statuses.append((self.path, code))
            super().send_response(code, message)

        def do_GET(self) -> None:
            peer.requests.append((self.path, dict(self.headers.items())))
            if self.path in peer.redirects:
                self.send_response(302)
                self.send_header("Location", peer.redirects[self.path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path = peer.root / self.path.lstrip("/").split("?", 1)[0]
            if not path.is_file() or peer.root not in path.resolve().parents:
                self.send_error(404)
                return
            body = path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            modified = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
            if self._not_modified(etag, modified):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", mimetypes.guess_type(path.name)[0] or "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", format_datetime(modified, usegmt=True))
            self.end_headers()
            self.wfile.write(body)

        def _not_modified(self, etag: str, modified: datetime) -> bool:
            # RFC 9110: If-None-Match wins over If-Modified-Since, whose one-second granularity is coarse.
            if "If-None-Match" in self.headers:
                return etag in [tag.strip() for tag in self.headers["If-None-Match"].split(",")]
            since = self.headers.get("If-Modified-Since")
            if not since:
                return False
            try:
                return modified <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(scope="session")
def web_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebPeer]:
    root = tmp_path_factory.mktemp("web").resolve()
    peer = WebPeer(root=root, base_url="")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(peer))
    peer.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="web-peer", daemon=True)
    thread.start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
