"""A contact point composes a message, adds a person in Cyrillic, checks for hits (a
party holding the same person in Latin script is named, nothing more), sends it; the
recipient reads it, with the check against the record; the secretariat sees only that it
exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from concord.exchange import services
from concord.parties import services as psvc
from concord.parties.models import Role, Status, User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_compose_check_hits_send_and_read(sign_in, page, charters, secretariat):  # type: ignore[no-untyped-def]
    charter = charters["eurasia-2024"]
    for code in ("kz", "ru", "cn"):
        party = psvc.party_register(agent=secretariat, code=code, kind="state")
        psvc.participation_set(agent=secretariat, party=party, charter=charter, status=Status.PARTY)
        psvc.user_create(
            agent=secretariat,
            username=f"{code}-contact",
            party=party,
            roles=[Role.CONTACT_POINT],
            password=PASSWORD,
        )
    services.message_send(
        agent=User.objects.get(username="cn-contact"),
        message=services.MessageInput(
            charter=charter,
            channel="drug-trafficking",
            subject="Courier seen at Khorgos",
            recipients=("ru",),
            entities=[{"kind": "person", "names": ["Rustam Karimov"], "birth_date": "1981-04-12"}],
        ),
    )

    sign_in(page, "kz-contact")
    page.get_by_role("link", name="Exchange", exact=True).click()
    page.get_by_role("link", name="New message").click()
    page.select_option("select[name=channel]", "drug-trafficking")
    page.fill("input[name=subject]", "Heroin consignment routed through Aktau")
    page.fill("textarea[name=body]", "Two couriers expected this week.")
    page.select_option("select[name=recipients]", ["ru"])
    page.get_by_role("button", name="Add an entity").click()
    page.locator("textarea[name='e-0-names']").fill("Рустам Каримов")
    page.fill("input[name='e-0-birth_date']", "1981-04-12")
    page.get_by_role("button", name="Check for hits").click()
    results = page.locator("#hit-results")
    results.get_by_text("cn", exact=True).wait_for()
    assert "Courier" not in results.inner_text()  # the holder is named, never the content
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "exchange-compose.png"), full_page=True)
    page.get_by_role("button", name="Send").click()
    page.get_by_text("matches the record").wait_for()
    assert page.get_by_role("heading", name="Heroin consignment routed through Aktau").is_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "ru-contact")
    page.goto("/exchange/?box=received")
    page.get_by_role("link", name="Drug trafficking").first.click()
    page.locator("table.exchange-inbox a", has_text="MSG-").first.click()
    page.get_by_text("Рустам Каримов").first.wait_for()
    assert page.get_by_text("matches the record").is_visible()
    page.screenshot(path=str(SHOTS / "exchange-message.png"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "secretariat")
    page.goto("/exchange/")
    text = page.locator("main").inner_text()
    assert "MSG-" in text
    assert "Heroin" not in text
    page.screenshot(path=str(SHOTS / "exchange-secretariat.png"), full_page=True)
