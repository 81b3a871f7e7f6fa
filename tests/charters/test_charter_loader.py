"""The charter loader: the built-in charters load, and a bad charter is refused with
problems that name the file, the path inside the document and what is wrong."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from concord.charters.loader import (
    MAX_CHARTER_BYTES,
    CharterInvalid,
    CharterProblem,
    builtin_paths,
    duration,
    load_file,
    parse,
    text,
)

BAD_FILE = "bad-charter.yaml"

MINIMAL: dict[str, Any] = {
    "id": "test-charter",
    "version": "1.0",
    "title": {"en": "Test charter", "ru": "Тестовая хартия", "fr": "Charte d'essai"},
    "languages": ["en", "ru", "fr"],
    "articles": [
        {
            "id": "art-1",
            "number": "1",
            "title": "Consultations",
            "summary": "A party may request consultations.",
            "source": "test, Art. 1",
            "confirmed": True,
        }
    ],
    "eligibility": {"states": ["FR", "RU"], "organisations": []},
    "bodies": [{"id": "depositary", "title": "Depositary"}],
    "mechanisms": [
        {
            "id": "consultations",
            "kind": "consultations",
            "title": "Consultations",
            "article": "art-1",
            "summary": "Parties consult.",
            "deadlines": {
                "reply": {"duration": "P10D", "summary": "Reply in 10 days.", "confirmed": False}
            },
            "decision_rule": "none",
            "confirmed": True,
        }
    ],
    "forms": [
        {
            "id": "notice",
            "title": "Notice",
            "article": "art-1",
            "summary": "A notice.",
            "deadline": {"rule": "before-start", "period": "P42D", "confirmed": False},
            "distribution": "all-parties",
            "confirmed": True,
            "schema": {
                "type": "object",
                "required": ["troops"],
                "properties": {"troops": {"type": "integer", "minimum": 0, "title": "Troops"}},
            },
        }
    ],
}


def charter_text(change: Any = None) -> str:
    doc = copy.deepcopy(MINIMAL)
    if change is not None:
        change(doc)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def refusal(source: str | bytes) -> list[CharterProblem]:
    with pytest.raises(CharterInvalid) as caught:
        parse(source, file=BAD_FILE)
    assert caught.value.problems, "a refusal lists at least one problem"
    return caught.value.problems


def assert_refused(problems: list[CharterProblem], path: str, fragment: str) -> None:
    """One of the problems names the file, exactly this path, and contains the fragment."""
    shown = "\n".join(str(p) for p in problems)
    assert any(p.file == BAD_FILE and p.path == path and fragment in p.message for p in problems), (
        f"expected {BAD_FILE}: {path}: ...{fragment}... in:\n{shown}"
    )
    assert f"{BAD_FILE}: {path or '(top)'}: " in shown


# --- the built-in charters ---------------------------------------------------------


def test_there_are_three_builtin_charters() -> None:
    assert sorted(p.stem for p in builtin_paths()) == ["est-2009", "eurasia-2024", "helsinki"]


@pytest.mark.parametrize("path", builtin_paths(), ids=lambda p: p.stem)
def test_builtin_charter_loads_and_is_named_after_its_file(path: Path) -> None:
    doc = load_file(path)
    assert doc["id"] == path.stem
    assert isinstance(doc["version"], str)
    for article in doc["articles"]:
        assert {"en", "ru", "fr"} <= set(article["title"]), article["id"]
    for mechanism in doc["mechanisms"]:
        assert {"en", "ru", "fr"} <= set(mechanism["summary"]), mechanism["id"]


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in items}


def test_est_2009_carries_the_confirmed_quorums_and_the_unconfirmed_decision_rule() -> None:
    doc = load_file(next(p for p in builtin_paths() if p.stem == "est-2009"))
    mechanisms = _by_id(doc["mechanisms"])
    assert mechanisms["conference"]["quorum"] == {
        "fraction": "2/3",
        "of": "all-parties",
        "confirmed": True,
    }
    assert mechanisms["conference"]["decision_rule"] == "consensus"
    extraordinary = mechanisms["extraordinary-conference"]
    assert extraordinary["quorum"]["fraction"] == "4/5"
    assert extraordinary["quorum"]["confirmed"] is True
    assert extraordinary["decision_rule"] == "unanimity-minus-party-concerned"
    assert extraordinary["confirmed"] is False
    assert doc["entry_into_force"] == {"ratifications": 25, "confirmed": False}
    assert len(doc["articles"]) == 14
    assert len(doc["eligibility"]["states"]) == 57
    assert "NO" in doc["eligibility"]["states"]  # not read by YAML as false
    assert {o["id"] for o in doc["eligibility"]["organisations"]} == {
        "nato",
        "eu",
        "osce",
        "cis",
        "csto",
    }


def test_helsinki_thresholds_and_deadlines_match_the_facts() -> None:
    doc = load_file(next(p for p in builtin_paths() if p.stem == "helsinki"))
    thresholds = _by_id(doc["thresholds"])
    assert thresholds["notification"]["any_of"] == {
        "troops": 9000,
        "battle_tanks": 250,
        "acv": 500,
        "artillery": 250,
    }
    assert thresholds["observation"]["any_of"]["troops"] == 13000
    assert thresholds["notification-amphibious-airborne"]["any_of"] == {"troops": 3000}
    assert thresholds["observation-amphibious-airborne"]["any_of"] == {"troops": 3500}

    forms = _by_id(doc["forms"])
    assert forms["annual-exchange"]["deadline"]["month"] == 12
    assert forms["annual-exchange"]["deadline"]["day"] == 15
    assert forms["annual-exchange"]["deadline"]["confirmed"] is True
    assert forms["prior-notification"]["deadline"]["period"] == "P42D"
    assert forms["prior-notification"]["deadline"]["confirmed"] is False
    assert forms["nil-return"]["nil_return_for"] == "annual-exchange"

    berlin = _by_id(doc["mechanisms"])["emergency-meeting"]
    assert berlin["support"] == {"parties": 12, "within": "PT48H", "confirmed": True}
    assert berlin["deadlines"]["meeting"]["min"] == "PT48H"
    assert berlin["deadlines"]["meeting"]["duration"] == "P3D"
    assert berlin["deadlines"]["length"]["duration"] == "P2D"
    assert [p["number"] for p in doc["principles"]] == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
        "X",
    ]


def test_eurasia_2024_marks_every_deadline_and_quorum_unconfirmed() -> None:
    doc = load_file(next(p for p in builtin_paths() if p.stem == "eurasia-2024"))
    for mechanism in doc["mechanisms"]:
        for deadline in mechanism.get("deadlines", {}).values():
            assert deadline["confirmed"] is False, mechanism["id"]
        if "quorum" in mechanism:
            assert mechanism["quorum"]["confirmed"] is False, mechanism["id"]


# --- refusals ----------------------------------------------------------------------


def test_minimal_charter_is_accepted() -> None:
    doc = parse(charter_text(), file="good.yaml")
    assert doc["id"] == "test-charter"


def test_unknown_key_is_refused() -> None:
    def typo(doc: dict[str, Any]) -> None:
        doc["mechanisms"][0]["deadline"] = doc["mechanisms"][0].pop("deadlines")

    assert_refused(refusal(charter_text(typo)), "mechanisms[0]", "'deadline' was unexpected")


def test_unknown_top_level_key_is_refused() -> None:
    problems = refusal(charter_text(lambda doc: doc.update(titel="Typo")))
    assert_refused(problems, "", "'titel' was unexpected")


def test_duration_in_words_is_refused() -> None:
    def in_words(doc: dict[str, Any]) -> None:
        doc["mechanisms"][0]["deadlines"]["reply"]["duration"] = "48 hours"

    assert_refused(
        refusal(charter_text(in_words)), "mechanisms[0].deadlines.reply.duration", "48 hours"
    )


def test_duration_in_constraint_period_is_checked_too() -> None:
    def bad_per(doc: dict[str, Any]) -> None:
        doc["constraints"] = [
            {
                "id": "big",
                "title": "Big activities",
                "article": "art-1",
                "summary": "At most one.",
                "max_activities": 1,
                "per": "3 years",
                "above": {"troops": 40000},
                "confirmed": False,
            }
        ]

    assert_refused(refusal(charter_text(bad_per)), "constraints[0].per", "3 years")


def test_reference_to_unknown_article_is_refused() -> None:
    problems = refusal(charter_text(lambda doc: doc["mechanisms"][0].update(article="art-99")))
    assert_refused(problems, "mechanisms[0].article", "names article 'art-99'")


def test_reference_to_unknown_form_is_refused() -> None:
    problems = refusal(
        charter_text(lambda doc: doc["forms"][0].update(nil_return_for="annual-exchange"))
    )
    assert_refused(problems, "forms[0].nil_return_for", "names form 'annual-exchange'")


def test_unknown_country_code_is_refused() -> None:
    problems = refusal(charter_text(lambda doc: doc["eligibility"]["states"].append("XX")))
    assert_refused(problems, "eligibility.states[2]", "'XX' is not an ISO 3166-1 alpha-2 code")


def test_lower_case_country_code_is_refused() -> None:
    problems = refusal(charter_text(lambda doc: doc["eligibility"].update(states=["fr"])))
    assert_refused(problems, "eligibility.states[0]", "'fr' does not match")


def test_invalid_form_schema_is_refused() -> None:
    def misspelt_type(doc: dict[str, Any]) -> None:
        doc["forms"][0]["schema"]["properties"]["troops"]["type"] = "integr"

    assert_refused(
        refusal(charter_text(misspelt_type)),
        "forms[0].schema.properties.troops.type",
        "not a valid JSON Schema",
    )


def test_text_without_english_is_refused() -> None:
    problems = refusal(charter_text(lambda doc: doc.update(title={"ru": "Тест"})))
    assert_refused(problems, "title", "'en' is a required property")


def test_duplicate_id_is_refused() -> None:
    problems = refusal(
        charter_text(lambda doc: doc["articles"].append(copy.deepcopy(doc["articles"][0])))
    )
    assert_refused(problems, "articles[1].id", "duplicate id 'art-1'")


def test_every_problem_is_listed_at_once() -> None:
    def two_mistakes(doc: dict[str, Any]) -> None:
        doc["mechanisms"][0]["article"] = "art-98"
        doc["forms"][0]["article"] = "art-99"

    problems = refusal(charter_text(two_mistakes))
    assert_refused(problems, "mechanisms[0].article", "'art-98'")
    assert_refused(problems, "forms[0].article", "'art-99'")


def test_text_that_is_not_yaml_is_refused_with_its_line() -> None:
    problems = refusal("id: test-charter\ntitle: [unclosed\n")
    assert len(problems) == 1
    assert problems[0].file == BAD_FILE
    assert problems[0].path.startswith("line ")
    assert "not valid YAML" in problems[0].message


def test_yaml_that_is_not_a_mapping_is_refused() -> None:
    assert_refused(refusal("- a\n- b\n"), "", "a charter is a mapping of keys")


def test_too_big_charter_is_refused_before_parsing() -> None:
    assert_refused(refusal(b"#" * (MAX_CHARTER_BYTES + 1)), "", "larger than")


def test_load_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        charter_text(lambda doc: doc["eligibility"]["states"].append("XX")), encoding="utf-8"
    )
    with pytest.raises(CharterInvalid) as caught:
        load_file(path)
    assert caught.value.problems[0].file == str(path)
    assert str(caught.value).startswith(f"{path}: eligibility.states[2]: ")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CharterInvalid) as caught:
        load_file(tmp_path / "absent.yaml")
    assert "cannot read" in caught.value.problems[0].message


# --- durations and texts -----------------------------------------------------------


def test_a_month_is_counted_on_the_calendar_from_the_start() -> None:
    assert duration("P1M", start=datetime(2024, 2, 1, tzinfo=UTC)) == timedelta(days=29)
    assert duration("P1M", start=datetime(2023, 2, 1, tzinfo=UTC)) == timedelta(days=28)
    assert duration("P1M", start=datetime(2024, 3, 1, tzinfo=UTC)) == timedelta(days=31)


def test_a_year_and_hours_are_durations() -> None:
    assert duration("P1Y", start=datetime(2024, 1, 1, tzinfo=UTC)) == timedelta(days=366)
    assert duration("PT48H") == timedelta(hours=48)
    assert duration("P10D") == timedelta(days=10)


def test_text_falls_back_to_english() -> None:
    value = {"en": "Consultations", "ru": "Консультации"}
    assert text(value, "ru") == "Консультации"
    assert text(value, "fr") == "Consultations"
    assert text("Plain", "ru") == "Plain"
