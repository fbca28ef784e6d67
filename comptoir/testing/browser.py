"""Chromium for the browser tests: Debian's build, headless, with nothing that phones home."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

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
