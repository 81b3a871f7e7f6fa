"""A reader who switches to Russian sees the dashboard's procedures and the calendar's
activities in words — the charter's titles and labels — and no code."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from concord import clock
from concord.notifications import services as notification_services
from concord.parties import services as psvc
from concord.parties.models import Status
from concord.procedures import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_in_russian_the_dashboard_and_the_calendar_show_labels(
    sign_in, page, charters, fr, de, secretariat, user
):  # type: ignore[no-untyped-def]
    helsinki = charters["helsinki"]
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=helsinki, status=Status.PARTY
        )
    services.procedure_open(
        agent=user("fr-head"),
        charter=helsinki,
        mechanism="request-for-explanation",
        subject="Forces near the border",
        respondent=de,
    )
    start = clock.now().date() + timedelta(days=60)
    notification_services.notification_submit(
        agent=user("fr-delegate"),
        charter=helsinki,
        form="prior-notification",
        data={
            "start": start.isoformat(),
            "end": (start + timedelta(days=7)).isoformat(),
            "area": {"name": "Northern training area", "lat": 61.5, "lon": 24.1},
            "kind": "amphibious-landing",
            "troops": 9500,
            "battle_tanks": 40,
            "acv": 120,
            "artillery": 30,
            "units": ["FR-101"],
        },
    )
    sign_in(page, "de-head")
    page.select_option("#language-select", "ru")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "ru"

    procedures = page.locator("#open-procedures").inner_text()
    assert "Запрос разъяснений" in procedures
    assert "Ожидается ответ" in procedures
    assert "Ответ:" in procedures
    for code in ("request-for-explanation", "awaiting-reply", "reply"):
        assert code not in procedures
    received = page.locator("#received").inner_text()
    assert "Предварительное уведомление о военной деятельности" in received
    assert "prior-notification" not in received
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-ru.png"), full_page=True)

    page.goto(f"/notifications/calendar?year={start.year}")
    calendar = page.locator("table").inner_text()
    assert "Высадка морского десанта" in calendar
    assert "amphibious-landing" not in calendar
    page.screenshot(path=str(SHOTS / "calendar-ru.png"), full_page=True)
