"""Browser fixtures: Debian's chromium driven through Playwright's sync API.

No browser is ever downloaded: Playwright launches ``/usr/bin/chromium``. One browser serves a
whole test module and every test gets fresh contexts (cookies, cache and storage of its own).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
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
# Screenshots for a person to look at; the folder is not part of the project.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Short enough that a broken page fails the test quickly, long enough for a busy CI box.
TIMEOUT_MS = 8_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM} (apt install chromium)."
        )
    # Playwright's sync API keeps an asyncio loop running in this thread, and Django refuses ORM
    # calls from a thread with a running loop. The tests only touch the database between browser
    # steps, never concurrently with them, so lift the guard while this module's browser lives.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            yield launched
            launched.close()


@pytest.fixture
def open_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """``open_page(**context_options)`` → a page in a new context aimed at the live server.

    Uncaught JavaScript errors on any page fail the test at teardown.
    """
    contexts: list[BrowserContext] = []
    js_errors: list[str] = []

    def open_(**options: Any) -> Page:
        options.setdefault("base_url", live_server.url)
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(f"{page.url}: {error}"))
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not js_errors, f"JavaScript errors in the browser: {js_errors}"


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
