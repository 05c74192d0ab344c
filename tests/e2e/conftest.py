"""Browser tests in real Chromium (Debian's package), driven by Playwright.

The app is served by a real WSGI server on a loopback port, against the same migrated
databases as the rest of the suite. Without Chromium the tests skip, except under CI
where a missing browser fails the run.
"""

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from tests.conftest import unavailable
from tests.delivery.factory import UNIT, Setup, blueprint, make_items, make_sitting

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_server(migrated_app: Flask) -> Iterator[str]:
    """The app served on 127.0.0.1 by a threaded server; yields its base URL."""
    server = make_server("127.0.0.1", 0, migrated_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def new_page(app: Flask, browser: Browser, live_server: str) -> Iterator[Callable[[], Page]]:
    """Opens pages in fresh browser contexts (no shared cookies: one per person at the
    session) on the live app; every context is closed after the test."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """A fresh browser context (no cookies) on the live app, emptied after the test."""
    return new_page()


@pytest.fixture
def runner_bank(app: Flask) -> Iterator[Callable[[str, int], None]]:
    """Live items for the unit of `tests.delivery.factory` and a runner page that polls every
    second; the test chooses the blueprint by calling it with the mode and number of items."""
    app.config["RUNNER_POLL_SECONDS"] = 1
    make_items()

    def choose(mode: str, items: int) -> None:
        app.config["DELIVERY_BLUEPRINTS"] = {UNIT: blueprint(mode, items)}

    yield choose
    app.config["DELIVERY_BLUEPRINTS"] = {}
    app.config["RUNNER_POLL_SECONDS"] = 15


@pytest.fixture
def sitting_for(runner_bank: Callable[[str, int], None], make_user: Callable[..., Any]) -> Callable[..., Setup]:
    """A present candidate (`make_sitting`'s keyword arguments) for a test of the mode and length asked."""

    def build(mode: str, items: int = 4, **kwargs: Any) -> Setup:
        runner_bank(mode, items)
        return make_sitting(make_user, **kwargs)

    return build
