"""A member signs in, switches the interface to Russian and sees the dashboard."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # the fixtures' password (tests/conftest.py)
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_sign_in_switch_to_russian_and_see_the_dashboard(page, fr):  # type: ignore[no-untyped-def]
    page.goto("/")
    assert "/login" in page.url
    page.fill("input[name=username]", "fr-head")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator("h1").inner_text() == "France"
    page.select_option("#language-select", "ru")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h1").inner_text() == "Франция"
    assert "Последние акты" in page.content()
    assert page.get_by_role("link", name="Участники").is_visible()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard-ru.png"), full_page=True)


def test_arabic_dashboard_reads_right_to_left(page, fr):  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=username]", "fr-delegate")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.select_option("#language-select", "ar")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("dir") == "rtl"
    direction = page.evaluate("getComputedStyle(document.body).direction")
    assert direction == "rtl"
    page.screenshot(path=str(SHOTS / "dashboard-ar.png"), full_page=True)


def test_bad_password_shows_a_clear_message(page, fr):  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=username]", "fr-head")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert page.get_by_role("alert").inner_text().count("The user name or password is wrong.") == 1
