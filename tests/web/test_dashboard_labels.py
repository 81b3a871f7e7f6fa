"""The dashboard shows people words, not codes: an open procedure's mechanism by its
title, its state and next deadline by their labels, a received notification by its
form's title — in the reader's language; the codes stay in data attributes."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.utils.html import strip_tags
from django.utils.translation import override

from concord import clock
from concord.charters.loader import text
from concord.notifications import services as notification_services
from concord.parties import services as psvc
from concord.parties.models import Status
from concord.procedures import services
from concord.procedures.models import State

pytestmark = pytest.mark.django_db


def visible(html: str) -> str:
    """What a reader sees of a page: its text, without tags and attributes."""
    return unescape(strip_tags(html))


def mechanism_title(charter, mechanism: str, language: str) -> str:  # type: ignore[no-untyped-def]
    (found,) = [m for m in charter.document["mechanisms"] if m["id"] == mechanism]
    return text(found["title"], language)


@pytest.fixture
def helsinki(charters, secretariat, fr, de, user):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    services.procedure_open(
        agent=user("fr-head"),
        charter=charters["helsinki"],
        mechanism="request-for-explanation",
        subject="Forces near the border",
        respondent=de,
    )
    start = clock.now().date() + timedelta(days=60)
    notification_services.notification_submit(
        agent=user("de-head"),
        charter=charters["helsinki"],
        form="prior-notification",
        data={
            "start": start.isoformat(),
            "end": (start + timedelta(days=7)).isoformat(),
            "area": {"name": "Northern training area", "lat": 61.5, "lon": 24.1},
            "kind": "field-training",
            "troops": 9500,
            "battle_tanks": 40,
            "acv": 120,
            "artillery": 30,
            "units": ["DE-101"],
        },
    )
    return charters["helsinki"]


@pytest.mark.parametrize("language", ["ru", "fr"])
def test_the_dashboard_names_procedures_and_notifications_in_the_readers_language(
    helsinki, client_as, language
):  # type: ignore[no-untyped-def]
    reader = client_as("fr-head")
    reader.cookies["django_language"] = language
    html = reader.get("/").content.decode()
    shown = visible(html)
    with override(language):
        state = str(State.AWAITING_REPLY.label)
        reply = {"ru": "Ответ", "fr": "Réponse"}[language]
    assert mechanism_title(helsinki, "request-for-explanation", language) in shown
    assert state in shown
    assert f"{reply}:" in shown
    form = next(f for f in helsinki.document["forms"] if f["id"] == "prior-notification")
    assert text(form["title"], language) in shown
    for code in ("request-for-explanation", "awaiting-reply", "reply:", "prior-notification"):
        assert code not in shown
    # The codes stay where machines read them.
    assert 'data-mechanism="request-for-explanation"' in html
    assert 'data-state="awaiting-reply"' in html
    assert 'data-deadline="reply"' in html
    assert 'data-form="prior-notification"' in html


def test_in_english_the_dashboard_uses_the_charters_english_titles(helsinki, client_as):  # type: ignore[no-untyped-def]
    shown = visible(client_as("fr-head").get("/").content.decode())
    assert mechanism_title(helsinki, "request-for-explanation", "en") in shown
    assert "Awaiting reply" in shown
    assert "Reply:" in shown
    assert "request-for-explanation" not in shown


def test_the_depositary_is_named_in_the_pages_language(client_as, fr):  # type: ignore[no-untyped-def]
    from concord.record.models import Act

    client = client_as("fr-head")
    client.cookies["django_language"] = "ru"
    page = visible(client.get("/record/").content.decode())
    assert "Депозитарий" in page
    assert "depositary" not in page
    act = Act.objects.filter(actor=None).first()
    assert act is not None
    client.cookies["django_language"] = "fr"
    detail = visible(client.get(f"/record/acts/{act.seq}").content.decode())
    assert "Dépositaire" in detail
