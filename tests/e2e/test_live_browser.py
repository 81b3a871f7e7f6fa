"""Live updates in a real browser: with the dashboard or the inbox open, a notification
another party submits appears without a reload, with a notice that says so.

The pages are served by uvicorn (ASGI) in a thread of the test process: server-sent
events need the ASGI server the hub runs on, not the test suite's WSGI live server.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from concord.notifications.services import notification_submit
from concord.parties import services as psvc
from concord.parties.models import Status, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture
def asgi_url(transactional_db: None, settings: Any) -> Iterator[str]:
    """The hub's ASGI application served by uvicorn on an ephemeral port."""
    import uvicorn
    from django.core.asgi import get_asgi_application

    settings.REDIS_URL = ""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        get_asgi_application(), lifespan="off", log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    # A daemon thread: the server goes with the test process whatever happens.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def live_page(browser: Any, asgi_url: str) -> Iterator[Any]:
    context = browser.new_context(base_url=asgi_url, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def nil_return(username: str, charter: Any, year: int) -> str:
    """A notification for every party, submitted through the service; its number."""
    n = notification_submit(
        agent=User.objects.get(username=username),
        charter=charter,
        form="nil-return",
        data={"year": year, "statement": "No combat units to report."},
    )
    return n.number


@pytest.fixture
def helsinki(charters: Any, fr: Any, de: Any, secretariat: User) -> Any:
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    return charters["helsinki"]


def test_dashboard_shows_new_notification_without_reload(
    sign_in, live_page: Any, helsinki: Any
) -> None:
    page = live_page
    sign_in(page, "fr-delegate")
    page.wait_for_selector("#live[data-state=open]", state="attached")
    page.evaluate("window.sameDocument = true")
    assert "None yet." in page.locator("#received").inner_text()

    number = nil_return("de-delegate", helsinki, 2027)

    received = page.locator("#received")
    received.get_by_text(number).wait_for()
    toast = page.locator("#live-toast")
    toast.wait_for(state="visible")
    # Two acts: de's submission, then the depositary's delivery, shown last, with "+1".
    page.wait_for_function("document.querySelector('[data-live-more]').textContent === '+1'")
    assert "Notification delivered · depositary" in toast.inner_text()
    assert page.locator("#live-status").inner_text() == "Notification delivered · depositary"
    assert page.locator("#latest-acts").get_by_text("Notification delivered").count() >= 1
    assert page.evaluate("window.sameDocument") is True  # no reload happened
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "live-dashboard.png"), full_page=True)

    page.get_by_role("button", name="Dismiss").click()
    assert toast.is_hidden()


def test_inbox_in_arabic_updates_and_notice_sits_at_the_start_side(
    sign_in, live_page: Any, helsinki: Any
) -> None:
    page = live_page
    sign_in(page, "fr-delegate")
    page.context.add_cookies([{"name": "django_language", "value": "ar", "url": page.url}])
    page.goto("/notifications/?box=received")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.wait_for_selector("#live[data-state=open]", state="attached")
    page.evaluate("window.sameDocument = true")

    number = nil_return("de-delegate", helsinki, 2028)

    page.locator("#inbox").get_by_text(number).wait_for()
    toast = page.locator("#live-toast")
    toast.wait_for(state="visible")
    assert page.evaluate("window.sameDocument") is True
    box = toast.bounding_box()
    width = page.viewport_size["width"]
    # In a right-to-left page the notice sits at the left, the end of its lines.
    assert box is not None
    assert box["x"] < width / 2
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "live-inbox-rtl.png"), full_page=False)
