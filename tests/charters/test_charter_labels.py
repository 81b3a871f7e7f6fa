"""A charter's codes as people read them: decision rules, quorums, durations and form
deadlines in words, articles by number, form fields and values by their labels — on the
charter's page, in the reader's language, the codes kept in data attributes only."""

from __future__ import annotations

from html import unescape

import pytest
from django.utils.html import strip_tags
from django.utils.translation import override

from concord.charters.labels import (
    DECISION_RULES,
    decision_rule_label,
    duration_words,
    form_deadline_label,
    quorum_label,
)
from concord.charters.loader import charter_schema


def visible(html: str) -> str:
    """What a reader sees of a page: its text, without tags and attributes."""
    return unescape(strip_tags(html))


@pytest.mark.parametrize(
    ("code", "english", "russian"),
    [
        ("P10D", "10 days", "10 дней"),
        ("PT48H", "48 hours", "48 часов"),
        ("P3M", "3 months", "3 месяца"),
        ("P1Y", "1 year", "1 год"),
        ("P1W", "1 week", "1 неделя"),
        ("P1DT12H", "1 day 12 hours", "1 день 12 часов"),
        ("PT90M", "90 minutes", "90 минут"),
        ("ten days", "ten days", "ten days"),  # not a duration: left as it is
        ("P", "P", "P"),
    ],
)
def test_a_duration_reads_as_words(code: str, english: str, russian: str) -> None:
    with override("en"):
        assert duration_words(code) == english
    with override("ru"):
        assert duration_words(code) == russian


def test_every_decision_rule_the_schema_allows_has_a_label() -> None:
    mechanism = charter_schema()["$defs"]["Mechanism"]["properties"]
    assert set(mechanism["decision_rule"]["enum"]) == set(DECISION_RULES)
    with override("fr"):
        assert decision_rule_label("consensus-minus-one") == "Consensus moins un"
        assert decision_rule_label("majority") == "majority"  # a newer rule: as it is


def test_a_quorum_says_what_it_is_a_fraction_of() -> None:
    with override("ru"):
        assert quorum_label({"fraction": "2/3", "of": "all-parties"}) == (
            "2/3 от числа всех участников"
        )
    with override("en"):
        assert quorum_label({"fraction": "1/2", "of": "parties-present"}) == (
            "1/2 of the parties present"
        )
        assert quorum_label({"fraction": "1/2", "of": "participants"}) == "1/2 of the participants"
        assert quorum_label({"fraction": "1/2"}) == "1/2"


def test_a_form_deadline_without_a_summary_reads_as_its_rule() -> None:
    with override("en"):
        assert form_deadline_label({"rule": "before-start", "period": "P42D"}) == (
            "Before the activity starts: 42 days"
        )
        assert form_deadline_label({"rule": "annual", "month": 12, "day": 15}) == (
            "Every year: 15.12"
        )
        assert form_deadline_label({"rule": "none"}) == "No deadline"


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["helsinki", "est-2009", "eurasia-2024"])
def test_the_charter_page_shows_no_code_in_russian(charters, fr, client_as, code: str) -> None:  # type: ignore[no-untyped-def]
    reader = client_as("fr-head")
    reader.cookies["django_language"] = "ru"
    html = reader.get(f"/charters/{code}").content.decode()
    shown = visible(html)
    doc = charters[code].document
    for m in doc["mechanisms"]:
        rule = m.get("decision_rule")
        if rule:
            assert f'data-rule="{rule}"' in html
            with override("ru"):
                assert f"порядок принятия решений: {decision_rule_label(rule)}" in shown
            assert f": {rule}" not in shown
        if m.get("quorum"):
            assert f'data-of="{m["quorum"]["of"]}"' in html
            assert m["quorum"]["of"] not in shown
        for name, deadline in (m.get("deadlines") or {}).items():
            assert f'data-deadline="{name}"' in html
            assert deadline["duration"] not in shown
    numbers = {a["id"]: a["number"] for a in doc["articles"]}
    for m in doc["mechanisms"]:
        assert f"Ст. {numbers[m['article']]} ·" in shown  # by its number, not its id
        assert f"Ст. {m['article']} ·" not in shown or m["article"] == numbers[m["article"]]
    for form in doc.get("forms", []):
        assert f'data-rule="{form["deadline"]["rule"]}"' in html
    for threshold in doc.get("thresholds", []):
        for field in threshold["any_of"]:
            assert f'data-field="{field}"' in html
        for kind in threshold.get("kinds", []):
            assert kind not in shown


@pytest.mark.django_db
def test_the_helsinki_page_names_fields_kinds_and_next_steps(charters, fr, client_as) -> None:  # type: ignore[no-untyped-def]
    reader = client_as("fr-head")
    reader.cookies["django_language"] = "fr"
    shown = visible(reader.get("/charters/helsinki").content.decode())
    assert "Chars de bataille ≥ 250" in shown
    assert "battle_tanks" not in shown
    assert "Débarquement amphibie" in shown  # a threshold's kinds of activity
    assert "48 heures" in shown
    assert "PT48H" not in shown
    assert "Art. V" in shown
    assert "vd-v" not in shown
    assert "Étapes suivantes si la question n'est pas réglée" in shown
