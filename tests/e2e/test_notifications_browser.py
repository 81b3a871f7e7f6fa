"""A delegate submits a prior notification through the generated form; another party
acknowledges receipt; the sender sees who acknowledged; compliance lists a late one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from concord import clock
from concord.parties import services as psvc
from concord.parties.models import Status

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_notify_acknowledge_and_see_the_receipt(sign_in, page, charters, fr, de, secretariat):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    clock.advance(timedelta(days=60))  # parties long before the deadline falls
    sign_in(page, "fr-delegate")
    page.get_by_role("link", name="Notifications", exact=True).click()
    page.get_by_role("button", name="New notification").click()
    page.get_by_role("link", name="Prior notification of a military activity").click()
    start = clock.now().date() + timedelta(days=20)  # less than 42 days ahead: late
    page.fill("input[name=start]", start.isoformat())
    page.fill("input[name=end]", (start + timedelta(days=5)).isoformat())
    page.fill("[name='area.name']", "Northern training area")
    page.fill("input[name='area.lat']", "61.5")
    page.fill("input[name='area.lon']", "24.1")
    page.select_option("select[name=kind]", "field-training")
    page.fill("input[name=troops]", "9500")
    page.fill("input[name=battle_tanks]", "-5")
    page.fill("input[name=acv]", "120")
    page.fill("input[name=artillery]", "30")
    page.fill("input[name='units.0']", "FR-101")
    page.click("button[name=submit]")
    alert = page.get_by_role("alert").inner_text()
    assert "Nothing was submitted" in alert
    assert "Battle tanks" in alert
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "notification-errors.png"), full_page=True)
    page.fill("input[name=battle_tanks]", "40")
    page.click("button[name=submit]")
    page.wait_for_url("**/notifications/*")
    heading = page.locator("h1").inner_text()
    assert heading.startswith("HELSINKI-")
    number = heading.split(":")[0]
    assert "late" in page.content()
    page.screenshot(path=str(SHOTS / "notification.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, "de-head")
    page.get_by_role("link", name="Notifications", exact=True).click()
    page.get_by_role("link", name=number).click()
    page.get_by_role("button", name="Acknowledge receipt").click()
    assert "Your party acknowledged receipt (de-head" in page.locator("#my-receipt").inner_text()

    page.context.clear_cookies()
    sign_in(page, "fr-head")
    page.goto(page.url.rsplit("/", 1)[0] + "/notifications/")
    page.get_by_role("link", name="Sent").click()
    page.get_by_role("link", name=number).click()
    receipts = page.locator("#receipts").inner_text()
    assert "1 of 1 parties have acknowledged receipt." in receipts
    assert "de-head" in receipts
    page.get_by_role("link", name="Compliance").click()
    page.select_option("select[name=charter]", "helsinki")
    page.select_option("select[name=year]", str(start.year))
    page.get_by_role("button", name="Show").click()
    findings = page.locator("#findings").inner_text()
    assert "Submitted late" in findings
    assert number in findings
    page.screenshot(path=str(SHOTS / "compliance.png"), full_page=True)
