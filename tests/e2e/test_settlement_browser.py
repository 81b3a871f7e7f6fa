"""A dispute settled on the page, in a real browser: opened in negotiation, moved to
mediation by agreement, a mediator accepted by both parties, and the mediator's proposal
rejected by one of them — which ends that proposal, not the dispute."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.parties import services as psvc
from concord.parties.models import Status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def submit(page, form: str, button: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(form).get_by_role("button", name=button).click()
    page.wait_for_load_state("networkidle")


def test_a_dispute_goes_to_mediation_and_the_mediators_proposal_is_answered(
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
    italy = psvc.party_register(agent=secretariat, code="it", kind="state")
    psvc.user_create(
        agent=secretariat,
        username="it-head",
        party=italy,
        roles=["head"],
        password="correct horse battery staple",
    )
    psvc.participation_set(
        agent=secretariat, party=italy, charter=charters["helsinki"], status=Status.PARTY
    )

    sign_in(page, "fr-head")
    page.get_by_role("link", name="Procedures").click()
    page.locator("details summary").click()
    page.select_option("select[name=mechanism]", "helsinki:dispute-settlement")
    page.fill("input[name=subject]", "Fishing rights in a shared lake")
    page.select_option("select[name=respondent]", "de")
    page.select_option("select[name=means]", "negotiation")
    page.get_by_role("button", name="Open").click()
    page.wait_for_url("**/procedures/*")
    url = page.url
    assert page.locator("#means").get_attribute("data-means") == "negotiation"
    page.select_option("#propose-means select[name=means]", "mediation")
    page.fill("#propose-means textarea[name=text]", "Direct talks have stalled.")
    submit(page, "#propose-means", "Propose this means")
    assert page.locator("#settlement article[data-kind=means]").get_attribute("data-status") == (
        "pending"
    )

    sign_in(page, "de-head")
    page.goto(url)
    submit(page, "#settlement article[data-kind=means] form", "Accept")
    assert page.locator("#means").get_attribute("data-means") == "mediation"
    page.select_option("#propose-third-party select[name=party]", "it")
    submit(page, "#propose-third-party", "Propose the third party")

    sign_in(page, "fr-head")
    page.goto(url)
    submit(page, "#settlement article[data-kind=third-party] form", "Accept")
    assert "Italy" in page.locator("#third-party").inner_text()

    sign_in(page, "it-head")
    page.goto(url)
    page.fill("#contact textarea[name=text]", "Both delegations met in Rome.")
    submit(page, "#contact", "Record the contact")
    page.fill("#mediation-proposal textarea[name=text]", "Shared quotas, reviewed yearly.")
    submit(page, "#mediation-proposal", "Submit the mediator's proposal")
    assert "Both delegations met in Rome." in page.locator("#contacts").inner_text()

    sign_in(page, "de-head")
    page.goto(url)
    proposal = page.locator("#settlement article[data-kind=mediation-proposal]")
    assert proposal.get_attribute("data-status") == "pending"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "settlement-mediation.png"), full_page=True)
    proposal.locator("textarea[name=text]").fill("Quotas must reflect the catch history.")
    submit(page, "#settlement article[data-kind=mediation-proposal] form", "Reject")
    proposal = page.locator("#settlement article[data-kind=mediation-proposal]")
    assert proposal.get_attribute("data-status") == "rejected"
    assert page.locator("#state").get_attribute("data-state") == "open"
    assert page.locator("#means").get_attribute("data-means") == "mediation"
    page.screenshot(path=str(SHOTS / "settlement.png"), full_page=True)
