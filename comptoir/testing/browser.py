"""Chromium for the browser tests: Debian's build, headless, with nothing that phones home."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.servers.basehttp import ThreadedWSGIServer
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page(width: int = 1440, height: int = 1000) -> Iterator[Page]:
    """A fresh English-speaking page in its own browser, closed on exit."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls happen between its steps.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = browser.new_context(locale="en-GB", viewport={"width": width, "height": height})
        yield context.new_page()
        browser.close()


class SerialWSGIServer(ThreadedWSGIServer):
    """The live server, answering one request at a time.

    On in-memory SQLite the server threads share the test's one connection; two requests at once (a page and its
    thumbnail, each saving the session) then collide in "cannot start a transaction within a transaction". The
    sockets stay threaded, so a browser's idle pre-connection cannot hold the others up; only the application runs
    one call at a time.
    """

    def set_app(self, application: Any) -> None:
        lock = threading.Lock()

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
            with lock:
                return application(environ, start_response)  # type: ignore[no-any-return]

        super().set_app(one_at_a_time)
