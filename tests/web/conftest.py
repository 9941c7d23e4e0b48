"""The web client for real: the app under uvicorn on a free port (PostgreSQL, in-process tasks, the
offline analyser), Debian's Chromium driven headless by Playwright. Screenshots of every step go to
`tests/artifacts/web/` (ignored by git), named after the test and the viewport.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from api.context import AppContext
from api.settings import Settings
from tests.conftest import clear_tables
from tests.support import services
from tests.support.cli import free_port

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 860}}
# As on this machine kind's probe: no background traffic that the closed network would refuse.
EXPECTED_HTTP_ERROR = "Failed to load resource: the server responded with a status of 4"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    path = (
        os.environ.get("WASTE_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    if not path:
        services.unavailable("Chromium", "PATH", "not installed (apt-get install chromium; .ci/run does)")
    assert path is not None
    return path


@dataclass
class LiveServer:
    url: str
    context: AppContext


def _serve(app: Any, port: int) -> tuple[Any, threading.Thread]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    return server, thread


@pytest.fixture
def make_live_server(
    make_settings: Callable[..., Settings], migrated_postgres_url: str
) -> Iterator[Callable[..., LiveServer]]:
    """`make_live_server(port=None, **settings)` -> the real app on 127.0.0.1 (seeded like `wastectl dev`)."""
    from api.main import create_app
    from api.seed import seed_development_data

    running: list[tuple[Any, threading.Thread, AppContext]] = []

    def start(port: int | None = None, **overrides: Any) -> LiveServer:
        values: dict[str, Any] = {"database_url": migrated_postgres_url}
        values.update(overrides)
        context = AppContext.from_settings(make_settings(**values))
        seed_development_data(context)
        port = port or free_port()
        server, thread = _serve(create_app(context=context), port)
        running.append((server, thread, context))
        return LiveServer(url=f"http://127.0.0.1:{port}", context=context)

    yield start
    for server, thread, context in running:
        server.should_exit = True
        thread.join(timeout=10)
        context.close_dispatcher()
        clear_tables(context)
        context.close()


@pytest.fixture
def live_server(make_live_server: Callable[..., LiveServer]) -> LiveServer:
    return make_live_server()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module: Playwright's sync API keeps an asyncio loop running in this
    thread while it is open, which would break `asyncio.run` in every later test of the session."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


class Shots:
    """Numbered screenshots of one test in one viewport: `shots("login")` -> 01-login.png."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.count = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.png"):
            old.unlink()

    def __call__(self, step: str, *, full_page: bool = True) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path


@dataclass
class BrowserPage:
    page: Any
    shots: Shots
    errors: list[str]


@pytest.fixture
def open_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., BrowserPage]]:
    """`open_page(url, viewport="phone", locale="ko-KR")` -> a fresh browser context on that page.

    Console errors, CSP violations and uncaught exceptions are collected in `errors`.
    """
    contexts: list[Any] = []

    def open_(url: str, *, viewport: str = "phone", locale: str = "ko-KR", **options: Any) -> BrowserPage:
        context = browser.new_context(viewport=VIEWPORTS[viewport], locale=locale, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        # An HTTP error status the page handles (401 before login, 415 for a fake JPEG) is logged
        # by Chromium as "Failed to load resource"; anything else (CSP refusals, exceptions) counts.
        page.on(
            "console",
            lambda msg: (
                errors.append(f"console: {msg.text}")
                if msg.type == "error" and not msg.text.startswith(EXPECTED_HTTP_ERROR)
                else None
            ),
        )
        name = request.node.name.replace("[", "-").replace("]", "")
        shots = Shots(page, ARTIFACTS / name)
        page.goto(url)
        page.wait_for_selector("body[data-ready='true']")
        return BrowserPage(page=page, shots=shots, errors=errors)

    yield open_
    for context in contexts:
        context.close()
