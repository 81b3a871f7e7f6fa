"""Notification pages show a form's values by the labels the charter gives them
(``x-enum-titles``), forms by their titles and compliance findings by their kind in words,
in the reader's language; the stored codes stay in data and class attributes."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.utils.html import strip_tags

from concord import clock
from concord.charters.loader import text
from concord.notifications import services
from concord.notifications.schema_form import (
    choice_label,
    field_choice_label,
    fields_for,
    validate,
)
from concord.parties import services as psvc
from concord.parties.models import Status

pytestmark = pytest.mark.django_db


def visible(html: str) -> str:
    """What a reader sees of a page: its text, without tags and attributes."""
    return unescape(strip_tags(html))


def in_language(client, language: str):  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = language
    return client


def activity(start: date, **overrides):  # type: ignore[no-untyped-def]
    return {
        "start": start.isoformat(),
        "end": (start + timedelta(days=7)).isoformat(),
        "area": {"name": "Northern training area", "lat": 61.5, "lon": 24.1},
        "kind": "field-training",
        "troops": 9500,
        "battle_tanks": 40,
        "acv": 120,
        "artillery": 30,
        "units": ["FR-101"],
        **overrides,
    }


@pytest.fixture
def helsinki(charters, fr, de, secretariat):  # type: ignore[no-untyped-def]
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    return charters["helsinki"]


def form_of(charter, form: str):  # type: ignore[no-untyped-def]
    return next(f for f in charter.document["forms"] if f["id"] == form)


@pytest.fixture
def notified(helsinki, user):  # type: ignore[no-untyped-def]
    """A prior notification of a field training exercise and an annual calendar with a
    concentration of forces, both starting in 60 days."""
    start = clock.now().date() + timedelta(days=60)
    prior = services.notification_submit(
        agent=user("fr-delegate"),
        charter=helsinki,
        form="prior-notification",
        data=activity(start),
    )
    calendar = services.notification_submit(
        agent=user("fr-delegate"),
        charter=helsinki,
        form="annual-calendar",
        data={
            "year": start.year,
            "activities": [
                {
                    "start": (start + timedelta(days=10)).isoformat(),
                    "end": (start + timedelta(days=12)).isoformat(),
                    "area": "Southern district",
                    "kind": "concentration",
                    "troops": 4000,
                }
            ],
        },
    )
    return start, prior, calendar


def test_the_calendar_shows_the_kind_of_activity_by_its_label(notified, client_as):  # type: ignore[no-untyped-def]
    start, _prior, _calendar = notified
    page = in_language(client_as("de-head"), "ru").get(f"/notifications/calendar?year={start.year}")
    html = page.content.decode()
    shown = visible(html)
    assert "Полевое учение" in shown
    assert "Сосредоточение войск" in shown  # from the annual calendar's rows
    assert "field-training" not in shown
    assert "concentration" not in shown
    assert 'data-kind="field-training"' in html
    assert 'data-kind="concentration"' in html


def test_the_notification_page_shows_the_chosen_value_by_its_label(notified, client_as):  # type: ignore[no-untyped-def]
    _start, prior, _calendar = notified
    html = (
        in_language(client_as("de-head"), "fr").get(f"/notifications/{prior.pk}").content.decode()
    )
    assert re.search(r'<option value="field-training" selected>\s*Exercice sur le terrain', html)
    assert "Field training" not in visible(html)


def test_the_inbox_and_the_dashboard_show_forms_by_their_titles(notified, helsinki, client_as):  # type: ignore[no-untyped-def]
    reader = in_language(client_as("de-head"), "ru")
    html = reader.get("/notifications/").content.decode()
    shown = visible(html)
    assert text(form_of(helsinki, "prior-notification")["title"], "ru") in shown
    assert text(form_of(helsinki, "annual-calendar")["title"], "ru") in shown
    assert "prior-notification" not in shown
    assert "annual-calendar" not in shown
    assert 'data-form="prior-notification"' in html
    assert '<option value="prior-notification">' in html  # the filter, by title


def test_choosing_a_form_shows_when_it_is_due_in_words(helsinki, client_as):  # type: ignore[no-untyped-def]
    html = in_language(client_as("fr-delegate"), "fr").get("/notifications/new").content.decode()
    shown = visible(html)
    assert text(form_of(helsinki, "prior-notification")["deadline"]["summary"], "fr") in shown
    for code in ("before-start", "after-event", "annual", "P42D"):
        assert code not in shown
    assert 'data-rule="before-start"' in html


def test_a_compliance_finding_shows_its_kind_in_words(helsinki, user, client_as):  # type: ignore[no-untyped-def]
    clock.advance(timedelta(days=60))
    soon = clock.now().date() + timedelta(days=10)  # under the 42 days: late
    services.notification_submit(
        agent=user("fr-delegate"), charter=helsinki, form="prior-notification", data=activity(soon)
    )
    page = in_language(client_as("de-head"), "ru").get(
        f"/notifications/compliance?charter=helsinki&year={soon.year}&party=fr"
    )
    html = page.content.decode()
    assert '<mark class="kind-late">Представлено с опозданием</mark>' in html
    assert ">late<" not in html
    shown = visible(html)
    assert "представлено с опозданием на" in shown
    assert f"Полевое учение с {soon.isoformat()}" in shown
    assert "9\xa0500 военнослужащих" in shown or "9 500 военнослужащих" in shown
    assert "submitted" not in shown


def test_the_form_offers_and_refuses_values_by_their_labels(helsinki) -> None:  # type: ignore[no-untyped-def]
    schema = form_of(helsinki, "prior-notification")["schema"]
    (kind,) = [n for n in fields_for(schema, {}, [], "ru") if n.name == "kind"]
    assert [o.label for o in kind.options][:2] == ["Полевое учение", "Высадка морского десанта"]
    assert [o.value for o in kind.options][:2] == ["field-training", "amphibious-landing"]
    problems = validate(schema, activity(date(2031, 5, 1), kind="war"), "ru")
    (message,) = [p.message for p in problems if p.path == "kind"]
    assert "Полевое учение" in message
    assert "Переброска войск" in message
    assert "field-training" not in message


def test_every_value_of_the_builtin_forms_has_a_label(charters) -> None:  # type: ignore[no-untyped-def]
    for charter in charters.values():
        for form in charter.document.get("forms", []):
            for key, value in _enum_values(form["schema"]):
                for language in ("en", "ru", "fr"):
                    label = field_choice_label(form["schema"], key, value, language)
                    titles = _titles_of(form["schema"], key)
                    assert label == titles[value][language], (form["id"], key, value, language)


def _enum_values(schema):  # type: ignore[no-untyped-def]
    """(property name, value) of every enum in a form schema."""
    found = []
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, prop in (node.get("properties") or {}).items():
                found.extend((key, v) for v in prop.get("enum", []))
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _titles_of(schema, key):  # type: ignore[no-untyped-def]
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            prop = (node.get("properties") or {}).get(key)
            if prop and "x-enum-titles" in prop:
                return prop["x-enum-titles"]
            stack.extend(v for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend(node)
    raise AssertionError(f"no x-enum-titles for {key}")


# --- the labels without a page -------------------------------------------------------------

TITLED = {
    "type": "object",
    "properties": {
        "colour": {
            "enum": ["red", "amber", "green-light"],
            "x-enum-titles": {"red": {"en": "Red", "ru": "Красный"}, "amber": "Amber"},
        },
        "level": {"oneOf": [{"const": 1, "title": "Low"}, {"const": 2, "x-title": {"fr": "Haut"}}]},
        "rows": {
            "type": "array",
            "items": {"type": "object", "properties": {"colour": {"enum": ["blue"]}}},
        },
    },
}


@pytest.mark.parametrize(
    ("key", "value", "language", "expected"),
    [
        ("colour", "red", "ru", "Красный"),
        ("colour", "red", "fr", "Red"),  # no French: the English title
        ("colour", "amber", "ru", "Amber"),  # a plain string serves every language
        ("colour", "green-light", "ru", "Green light"),  # no title: the value in words
        ("level", 1, "en", "Low"),  # a oneOf of consts titles its values itself
        ("level", 2, "fr", "Haut"),
        ("colour", "blue", "en", "Blue"),  # in a row of an array
        ("colour", "purple", "en", "purple"),  # not a value the form allows: as given
        ("nowhere", "red", "en", "red"),
    ],
)
def test_a_value_reads_as_its_label(key, value, language, expected) -> None:  # type: ignore[no-untyped-def]
    assert field_choice_label(TITLED, key, value, language) == expected


def test_a_label_is_read_from_the_field_itself() -> None:
    colour = TITLED["properties"]["colour"]
    assert choice_label(colour, "red", "ru") == "Красный"
    assert choice_label(colour, "green-light", "en") == "Green light"


def test_a_calendared_activity_awaiting_notification_is_named_by_its_label(notified, client_as):  # type: ignore[no-untyped-def]
    """The sender's dashboard lists the prior notification each calendared activity
    still needs, naming the activity's kind in the reader's language."""
    start, _prior, _calendar = notified
    shown = visible(in_language(client_as("fr-delegate"), "ru").get("/").content.decode())
    assert f"Сосредоточение войск {(start + timedelta(days=10)).isoformat()}" in shown
    assert "concentration" not in shown
