"""Compliance findings rebuilt in the reader's language from their parameters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.utils import translation

from concord.notifications.compliance_text import finding_message

pytestmark = pytest.mark.django_db

ACTIVITY = {
    "kind": "field-training",
    "start": "2027-03-01",
    "end": "2027-03-07",
    "area": "Northern training area",
    "troops": 14000,
    "battle_tanks": 0,
    "acv": 0,
    "artillery": 0,
}
DUE = datetime(2027, 1, 18, tzinfo=UTC)


def said(charters: Any, finding: dict[str, Any], language: str) -> str:
    with translation.override(language):
        return finding_message(finding, charters["helsinki"].document, language)


def test_every_kind_of_finding_reads_in_french(charters: Any) -> None:
    late = {
        "kind": "late",
        "due": DUE,
        "params": {
            "form": "prior-notification",
            "number": "HELSINKI-7",
            "late_seconds": 3 * 86400,
            **ACTIVITY,
        },
    }
    text = said(charters, late, "fr")
    assert text.startswith("Notification préalable")
    assert "HELSINKI-7 (Exercice sur le terrain à partir du 2027-03-01" in text
    assert "zone : Northern training area" in text
    assert "militaires" in text
    assert "3\xa0jours de retard ; échéance : 2027-01-18 00:00 UTC" in text
    missing = {
        "kind": "missing",
        "due": DUE,
        "params": {
            "form": "annual-exchange",
            "for_year": 2027,
            "accepted": ["annual-exchange", "nil-return"],
        },
    }
    text = said(charters, missing, "fr")
    assert "pour 2027 non soumis (ni " in text
    assert "échéance : 2027-01-18 00:00 UTC" in text
    unnotified = {
        "kind": "not-notified",
        "due": DUE,
        "params": {"thresholds": ["notification"], "sources": ["HELSINKI-3"], **ACTIVITY},
    }
    text = said(charters, unnotified, "fr")
    assert "seuils de notification" in text
    assert text.endswith("mentionnée dans : HELSINKI-3")
    observers = {
        "kind": "observers-not-invited",
        "due": DUE,
        "params": {
            "form": "observation-invitation",
            "number": "HELSINKI-9",
            "thresholds": ["observation"],
            **ACTIVITY,
        },
    }
    assert "HELSINKI-9" in said(charters, observers, "fr")
    limit = {
        "kind": "limit-exceeded",
        "due": None,
        "params": {
            "count": 4,
            "max": 3,
            "from": "2027-01-01",
            "to": "2027-12-31",
            "numbers": ["A", "B", "C", "D"],
        },
    }
    assert said(charters, limit, "fr") == (
        "4 activités du 2027-01-01 au 2027-12-31, au plus 3 autorisées (A, B, C, D)"
    )
    assert said(charters, limit, "ru").startswith("4 мероприятия с 2027-01-01")


def test_an_unknown_kind_keeps_the_english_sentence(charters: Any) -> None:
    finding = {"kind": "something-new", "message": "As evaluated", "params": {}}
    assert said(charters, finding, "ru") == "As evaluated"
