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


def take_step(page, kind: str, text: str = "", proposal: str = "") -> None:  # type: ignore[no-untyped-def]
    page.select_option("select[name=kind]", kind)
    if proposal:
        page.select_option("select[name=proposal]", proposal)
    if text:
        page.fill("textarea[name=text]", text)
    page.get_by_role("button", name="Record").click()
    page.wait_for_load_state("networkidle")


def test_explanation_overdue_meeting_and_decision_by_silence(
    sign_in, page, charters, fr, de, secretariat
):  # type: ignore[no-untyped-def]
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
    assert "Reply:" in page.locator("#deadlines").inner_text()

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


def procedure_open_on_page(page, mechanism: str, subject: str, respondent: str = "") -> str:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Procedures").click()
    page.locator("details summary").click()
    page.select_option("select[name=mechanism]", mechanism)
    page.fill("input[name=subject]", subject)
    if respondent:
        page.select_option("select[name=respondent]", respondent)
    page.get_by_role("button", name="Open").click()
    page.wait_for_url("**/procedures/*")
    return page.url


def test_the_secretariat_assigns_the_chair_and_an_objection_breaks_silence(
    sign_in,  # type: ignore[no-untyped-def]
    page,
    charters,
    fr,
    de,
    secretariat,
):
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    sign_in(page, "fr-head")
    url = procedure_open_on_page(page, "helsinki:silence-procedure", "Draft under silence")
    take_step(page, "proposal", "The participating States agree to a new exchange.")
    draft = page.locator("#proposals article").first.get_attribute("id").removeprefix("draft-")

    sign_in(page, "secretariat")
    page.goto(url)
    page.select_option("#assign select[name=role]", "chair")
    page.select_option("#assign select[name=party]", "de")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_load_state("networkidle")
    assert "Chair: Germany" in page.locator("#roles").inner_text()
    assert "Chair assigned" in page.locator("#timeline").inner_text()

    sign_in(page, "de-head")
    page.goto(url)
    assert page.locator("#assign").count() == 0
    take_step(page, "objection", "We cannot join this draft.", proposal=draft)
    assert page.locator(f"#draft-{draft}").get_attribute("data-status") == "silence-broken"
    assert "silence broken by de" in page.locator("#proposals").inner_text()

    clock.advance(timedelta(days=3, minutes=1))
    worker_pass()
    page.reload()
    assert page.locator(f"#draft-{draft}").get_attribute("data-status") == "silence-broken"
    page.goto("/procedures/decisions")
    assert "No decisions yet." in page.content()


def test_a_conciliation_report_is_submitted_and_answered_on_the_page(
    sign_in,  # type: ignore[no-untyped-def]
    page,
    charters,
    fr,
    de,
    secretariat,
):
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    sign_in(page, "fr-head")
    url = procedure_open_on_page(
        page, "helsinki:dispute-settlement", "Interpretation of a commitment", respondent="de"
    )

    sign_in(page, "secretariat")
    page.goto(url)
    page.fill("#report textarea[name=text]", "The commission proposes a joint notification.")
    page.get_by_role("button", name="Submit the commission's report").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#state").get_attribute("data-state") == "report-submitted"
    assert page.locator("#conciliation").get_attribute("data-outcome") == "pending"

    sign_in(page, "de-head")
    page.goto(url)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "conciliation-answer.png"), full_page=True)
    page.fill("#answer textarea[name=text]", "We accept the proposals.")
    page.get_by_role("button", name="Accept the report").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#answer").count() == 0
    assert "Accepted" in page.locator("#conciliation tr[data-party=de]").inner_text()

    sign_in(page, "fr-head")
    page.goto(url)
    page.get_by_role("button", name="Reject the report").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#conciliation").get_attribute("data-outcome") == "rejected"
    assert page.locator("#state").get_attribute("data-state") == "closed"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "conciliation.png"), full_page=True)


def test_the_emergency_meeting_window_on_the_page(
    sign_in, page, charters, fr, de, secretariat, user
):  # type: ignore[no-untyped-def]
    from concord.parties.models import PartyKind, Role
    from concord.procedures import services

    helsinki = charters["helsinki"]
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=helsinki, status=Status.PARTY
        )
    supporters = ["it", "es", "pl", "nl", "be", "at", "pt", "se", "fi", "dk"]
    for code in supporters:
        party = psvc.party_register(agent=secretariat, code=code, kind=PartyKind.STATE)
        psvc.user_create(
            agent=secretariat,
            username=f"{code}-head",
            party=party,
            roles=[Role.HEAD],
            password=PASSWORD,
        )
        psvc.participation_set(
            agent=secretariat, party=party, charter=helsinki, status=Status.PARTY
        )
    meeting = services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="emergency-meeting",
        subject="Incidents along a common border",
    )
    for username in ["de-head"] + [f"{code}-head" for code in supporters]:
        services.procedure_step(agent=user(username), procedure=meeting, kind="support")

    sign_in(page, "secretariat")
    page.goto(f"/procedures/{meeting.pk}")
    window = page.locator("#window")
    assert window.get_attribute("data-status") == "not-open"
    assert "not yet open" in window.inner_text()
    for role, code in (("chair", "it"), ("rapporteur", "es")):
        page.select_option("#assign select[name=role]", role)
        page.select_option("#assign select[name=party]", code)
        page.get_by_role("button", name="Assign").click()
        page.wait_for_load_state("networkidle")
    assert "Chair: Italy" in page.locator("#roles").inner_text()
    assert "Rapporteur: Spain" in page.locator("#roles").inner_text()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "emergency-meeting-secretariat.png"), full_page=True)

    sign_in(page, "fr-head")
    page.goto(f"/procedures/{meeting.pk}")
    take_step(page, "attend")
    assert "opens on" in page.locator("[role=alert]").inner_text()

    clock.advance(timedelta(hours=48, minutes=1))
    page.goto(f"/procedures/{meeting.pk}")
    assert page.locator("#state").get_attribute("data-state") == "in-session"
    take_step(page, "proposal", "The participating States call for restraint.")
    assert page.locator("#window").get_attribute("data-status") == "in-session"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "emergency-meeting.png"), full_page=True)

    clock.advance(timedelta(days=2))
    page.reload()
    assert page.locator("#window").get_attribute("data-status") == "over"
    assert page.locator("#state").get_attribute("data-state") == "closed"
