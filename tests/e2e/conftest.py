"""Browser tests: Playwright driving Debian's Chromium against a live test server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make chromium`")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server, settings):  # type: ignore[no-untyped-def]
    settings.STATICFILES_DIRS = settings.STATICFILES_DIRS  # assets come from build/vendor
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


PASSWORD = "correct horse battery staple"  # the fixtures' password (tests/conftest.py)


@pytest.fixture
def sign_in():  # type: ignore[no-untyped-def]
    """Sign a page in as the named member (signing out whoever was signed in)."""

    def sign(page, username: str) -> None:  # type: ignore[no-untyped-def]
        page.context.clear_cookies()
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/")

    return sign
