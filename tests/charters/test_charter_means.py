"""The means of peaceful settlement in the charters: each built-in dispute-settlement
mechanism states which means it allows and their periods, marking Concord defaults
unconfirmed; a charter whose means are wrong is refused, naming the path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from concord.charters.loader import CharterInvalid, builtin_paths, load_file, parse

ALL_MEANS = ["negotiation", "good-offices", "mediation", "conciliation", "arbitration"]


def _builtin(stem: str) -> dict[str, Any]:
    return load_file(next(p for p in builtin_paths() if p.stem == stem))


def _dispute(doc: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in doc["mechanisms"] if m["kind"] == "dispute-settlement")


def test_helsinki_allows_all_five_means_and_keeps_30_days_for_conciliation() -> None:
    dispute = _dispute(_builtin("helsinki"))
    assert list(dispute["means"]) == ALL_MEANS
    assert dispute["default_means"] == "conciliation"
    respond = dispute["means"]["conciliation"]["deadlines"]["respond"]
    assert (respond["duration"], respond["confirmed"]) == ("P30D", True)  # Stockholm 1992
    assert dispute["means"]["arbitration"]["deadlines"]["award"]["confirmed"] is False
    for means in ("good-offices", "mediation"):
        assert dispute["means"][means]["deadlines"]["appoint"]["confirmed"] is False


def test_est_2009_keeps_its_three_tiers_and_negotiation_alone() -> None:
    dispute = _dispute(_builtin("est-2009"))
    assert dispute["steps"] == ["consultations", "conference", "extraordinary-conference"]
    assert list(dispute["means"]) == ["negotiation"]


def test_eurasia_2024_settles_by_dialogue_only_with_every_period_unconfirmed() -> None:
    dispute = _dispute(_builtin("eurasia-2024"))
    assert list(dispute["means"]) == ["negotiation", "good-offices", "mediation"]
    assert dispute["confirmed"] is False
    for means in dispute["means"].values():
        assert means["confirmed"] is False
        for period in (means.get("deadlines") or {}).values():
            assert period["confirmed"] is False


@pytest.mark.parametrize("path", builtin_paths(), ids=lambda p: p.stem)
def test_every_means_is_summarised_in_the_charters_languages(path: Path) -> None:
    dispute = _dispute(load_file(path))
    for name, means in dispute["means"].items():
        assert {"en", "ru", "fr"} <= set(means["summary"]), name


def _refused(change: Any) -> list[str]:
    doc = copy.deepcopy(_builtin("helsinki"))
    change(doc)
    with pytest.raises(CharterInvalid) as refused:
        parse(yaml.safe_dump(doc, allow_unicode=True), file="bad.yaml")
    return [f"{p.path}: {p.message}" for p in refused.value.problems]


def test_a_means_the_schema_does_not_know_is_refused() -> None:
    problems = _refused(lambda doc: _dispute(doc)["means"].update(litigation={}))
    assert any("'litigation' was unexpected" in p for p in problems), problems


def test_a_period_that_does_not_belong_to_the_means_is_refused() -> None:
    def award_in_mediation(doc: dict[str, Any]) -> None:
        deadlines = _dispute(doc)["means"]["mediation"]["deadlines"]
        deadlines["award"] = deadlines["respond"]

    problems = _refused(award_in_mediation)
    assert any(p.startswith("mechanisms[") and "'award' is not one of" in p for p in problems)


def test_a_period_in_words_is_refused() -> None:
    def in_words(doc: dict[str, Any]) -> None:
        _dispute(doc)["means"]["arbitration"]["deadlines"]["award"]["duration"] = "six months"

    problems = _refused(in_words)
    assert any("means.arbitration.deadlines.award.duration" in p for p in problems), problems


def test_the_default_means_must_be_allowed_and_never_arbitration() -> None:
    def default_missing(doc: dict[str, Any]) -> None:
        del _dispute(doc)["means"]["conciliation"]

    assert any("'conciliation' is a required property" in p for p in _refused(default_missing))
    problems = _refused(lambda doc: _dispute(doc).update(default_means="arbitration"))
    assert any("default_means" in p for p in problems), problems


def test_means_belong_to_a_dispute_settlement_mechanism() -> None:
    def on_a_conference(doc: dict[str, Any]) -> None:
        conference = next(m for m in doc["mechanisms"] if m["id"] == "conference")
        conference["means"] = {"negotiation": {"summary": "Talk.", "confirmed": False}}

    problems = _refused(on_a_conference)
    assert any("'dispute-settlement' was expected" in p for p in problems), problems


def test_a_means_names_a_body_the_charter_defines() -> None:
    problems = _refused(
        lambda doc: _dispute(doc)["means"]["arbitration"].update(body="world-court")
    )
    assert any("names body 'world-court'" in p for p in problems), problems
