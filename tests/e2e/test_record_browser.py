"""A member opens the record, checks an act and downloads its inclusion proof."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concord.record import checkpoints

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # the fixtures' password (tests/conftest.py)
SHOTS = Path(__file__).resolve().parents[2] / "test-results"


def test_check_an_act_and_download_its_proof(page, fr, tmp_path):  # type: ignore[no-untyped-def]
    checkpoints.checkpoint_publish(force=True)
    page.goto("/login")
    page.fill("input[name=username]", "fr-delegate")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.get_by_role("link", name="Record", exact=True).click()
    assert page.locator("h1").inner_text() == "The record"
    note = page.locator("#checkpoint").inner_text()
    assert note.startswith(checkpoints.origin())
    assert page.locator("#vkey").inner_text() == checkpoints.depositary_vkey()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "record.png"), full_page=True)
    page.fill("input[name=act]", "3")
    page.click("form.inline button[type=submit]")
    page.wait_for_url("**/record/acts/3")
    assert "Included in the signed checkpoint" in page.locator("#proof-status").inner_text()
    page.screenshot(path=str(SHOTS / "act.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the proof").click()
    path = tmp_path / "proof.json"
    info.value.save_as(path)
    proof = json.loads(path.read_text())
    assert proof["index"] == 3
    assert proof["vkey"] == checkpoints.depositary_vkey()


def test_checking_an_act_that_does_not_exist_says_so(page, fr):  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("input[name=username]", "fr-delegate")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/record/?act=99999")
    assert "There is no act 99999 that you may see." in page.get_by_role("alert").inner_text()
