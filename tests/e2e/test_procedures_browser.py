"""One full path through the page: a request for explanation goes unanswered, the
requester asks for a meeting, a joint meeting follows, and a draft decision under the
silence procedure is adopted when nobody breaks silence."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from concord import clock
from concord.parties import services as psvc
from concord.parties.models import Status
from concord.web.worker import worker_pass

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # the fixtures' password (tests/conftest.py)
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def take_step(page, kind: str, text: str = "", proposal: str = "") -> None:  # type: ignore[no-untyped-def]
    page.select_option("select[name=kind]", kind)
    if proposal:
        page.select_option("select[name=proposal]", proposal)
    if text:
        page.fill("textarea[name=text]", text)
    page.get_by_role("button", name="Record").click()
    page.wait_for_load_state("networkidle")


def test_explanation_overdue_meeting_and_decision_by_silence(page, charters, fr, de, secretariat):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    sign_in(page, "fr-head")
    page.get_by_role("link", name="Procedures").click()
    page.locator("details summary").click()
    page.select_option("select[name=mechanism]", "helsinki:request-for-explanation")
    page.fill("input[name=subject]", "Unusual concentration of forces near the border")
    page.select_option("select[name=respondent]", "de")
    page.fill("textarea[name=text]", "Please explain the objectives, location and units involved.")
    page.get_by_role("button", name="Open").click()
    page.wait_for_url("**/procedures/*")
    rfe_url = page.url
    assert page.locator("#state").get_attribute("data-state") == "awaiting-reply"
    assert "reply:" in page.locator("#deadlines").inner_text()

    clock.advance(timedelta(hours=49))  # no reply within 48 hours
    page.reload()
    assert (
        page.locator("#state").get_attribute("data-state") == "overdue"
    )  # shown before the worker runs
    worker_pass()
    take_step(page, "request-meeting", "A bilateral meeting within 48 hours, please.")
    assert page.locator("#state").get_attribute("data-state") == "meeting-requested"
    rfe_id = rfe_url.rstrip("/").rsplit("/", 1)[1]

    page.get_by_role("link", name="Procedures").click()
    page.locator("details summary").click()
    page.select_option("select[name=mechanism]", "helsinki:joint-meeting")
    page.fill("input[name=subject]", "Joint meeting on the concentration of forces")
    page.fill("input[name=parent]", rfe_id)
    page.get_by_role("button", name="Open").click()
    page.wait_for_url("**/procedures/*")
    meeting_id = page.url.rstrip("/").rsplit("/", 1)[1]
    assert page.locator("#state").get_attribute("data-state") == "convened"

    page.get_by_role("link", name="Procedures").click()
    page.locator("details summary").click()
    page.select_option("select[name=mechanism]", "helsinki:silence-procedure")
    page.fill("input[name=subject]", "Decision on transparency measures")
    page.fill("input[name=parent]", meeting_id)
    page.get_by_role("button", name="Open").click()
    page.wait_for_url("**/procedures/*")
    take_step(
        page, "proposal", "The participating States agree to exchange additional information."
    )
    assert "silence procedure until" in page.locator("#proposals").inner_text()

    sign_in(page, "de-head")
    page.goto(page.url.split("/procedures", 1)[0] + "/procedures/")
    assert "Decision on transparency measures" in page.content()

    clock.advance(timedelta(days=3, minutes=1))
    worker_pass()
    page.get_by_role("link", name="Decisions").click()
    text = page.locator("#decision-1").inner_text()
    assert "Decision 1" in text
    assert "exchange additional information" in text
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "decisions.png"), full_page=True)
