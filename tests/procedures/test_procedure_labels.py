"""Procedure pages and reminders speak the reader's language, not the code's: mechanisms
by their charter titles, deadlines, states and decision rules by their labels, the
depositary by name, a refused field by its label. Codes stay in data attributes."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.core import mail
from django.utils.html import strip_tags
from django.utils.translation import override

from concord import clock
from concord.charters.loader import text
from concord.procedures import services
from concord.procedures.models import Deadline, Procedure, State
from concord.procedures.reminders import procedure_reminders_due
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db


def visible(html: str) -> str:
    """What a reader sees of a page: its text, without tags and attributes."""
    return unescape(strip_tags(html))


def title_of(charter, mechanism: str, language: str) -> str:  # type: ignore[no-untyped-def]
    (found,) = [m for m in charter.document["mechanisms"] if m["id"] == mechanism]
    return text(found["title"], language)


def russian(client):  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = "ru"
    return client


def open_in(user, charter, mechanism, **kw):  # type: ignore[no-untyped-def]
    return services.procedure_open(
        agent=user(kw.pop("as_", "fr-head")),
        charter=charter,
        mechanism=mechanism,
        subject=kw.pop("subject", "Forces near the border"),
        **kw,
    )


# --- the labels themselves ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "english", "russian_label"),
    [
        ("reply", "Reply", "Ответ"),
        ("meeting", "Meeting", "Встреча"),
        ("object", "Objections", "Возражения"),
        ("support", "Support for the request", "Поддержка запроса"),
        ("convene", "Convening", "Созыв"),
        ("opens", "Opening of the meeting", "Открытие заседания"),
        ("session", "End of the session", "Окончание заседания"),
        ("respond", "Responses", "Ответы"),
        ("award", "Arbitral award", "Арбитражное решение"),
        ("silence-12", "Silence procedure on draft #12", "Процедура умолчания по проекту #12"),
        ("offer-7", "Answers to proposal #7", "Ответы на предложение #7"),
        ("silence-x", "silence-x", "silence-x"),  # not a step's: shown as it is
        ("later", "later", "later"),  # a name this version does not know
    ],
)
def test_every_deadline_name_has_a_label(name, english, russian_label) -> None:  # type: ignore[no-untyped-def]
    deadline = Deadline(name=name)
    with override("en"):
        assert deadline.label == english
    with override("ru"):
        assert deadline.label == russian_label


def test_the_mechanism_title_comes_from_the_procedures_charter_version(helsinki, user) -> None:  # type: ignore[no-untyped-def]
    procedure = open_in(user, helsinki, "request-for-explanation", respondent=user("de-head").party)
    with override("fr"):
        assert procedure.mechanism_title == title_of(helsinki, "request-for-explanation", "fr")
    with override("ar"):  # the charter has no Arabic title: English
        assert procedure.mechanism_title == title_of(helsinki, "request-for-explanation", "en")
    gone = Procedure(charter_version=procedure.charter_version, mechanism="withdrawn-mechanism")
    assert gone.mechanism_title == "withdrawn-mechanism"


# --- the pages ---------------------------------------------------------------------------


def test_the_list_names_the_mechanism_state_and_next_deadline(helsinki, user, de, client_as):  # type: ignore[no-untyped-def]
    open_in(user, helsinki, "request-for-explanation", respondent=de)
    html = russian(client_as("fr-head")).get("/procedures/").content.decode()
    shown = visible(html)
    assert title_of(helsinki, "request-for-explanation", "ru") in shown
    with override("ru"):
        assert str(State.AWAITING_REPLY.label) in shown
    assert "Ответ:" in shown
    for code in ("request-for-explanation", "awaiting-reply", "reply:"):
        assert code not in shown
    assert 'data-mechanism="request-for-explanation"' in html
    assert 'data-deadline="reply"' in html


@pytest.fixture
def meeting_with_silence(helsinki, user, de, act_as):  # type: ignore[no-untyped-def]
    """A request for explanation left unanswered, the joint meeting that follows it (the
    depositary convenes it) and a draft under the silence procedure after that."""
    rfe = open_in(user, helsinki, "request-for-explanation", respondent=de)
    clock.advance(timedelta(hours=49))
    worker_pass()
    act_as("fr-head", rfe, "request-meeting", "A meeting, please.")
    meeting = open_in(user, helsinki, "joint-meeting", parent=rfe, subject="Joint meeting")
    silence = open_in(user, helsinki, "silence-procedure", parent=meeting, subject="Transparency")
    draft = act_as("fr-delegate", silence, "proposal", "The participating States agree ...")
    return rfe, meeting, silence, draft


def test_the_detail_page_names_deadlines_rules_children_and_the_depositary(
    meeting_with_silence, helsinki, client_as, user, fr
):  # type: ignore[no-untyped-def]
    rfe, meeting, silence, draft = meeting_with_silence
    reader = russian(client_as("fr-head"))

    html = reader.get(f"/procedures/{silence.pk}").content.decode()
    shown = visible(html)
    assert f"Процедура умолчания по проекту #{draft.pk}:" in shown
    assert "Порядок принятия решений: Процедура умолчания" in shown
    assert f"silence-{draft.pk}" not in shown
    assert f'data-deadline="silence-{draft.pk}"' in html
    assert 'data-rule="silence"' in html

    html = reader.get(f"/procedures/{rfe.pk}").content.decode()
    shown = visible(html)
    assert f"#{meeting.pk} {title_of(helsinki, 'joint-meeting', 'ru')}" in shown  # followed by
    assert "joint-meeting" not in shown
    assert "Ответ:" in shown
    assert "Встреча:" in shown
    assert "Срок истёк: Ответ" in shown  # the timeline's passed deadline, by its label
    for code in ("reply", "meeting:", "request-for-explanation"):
        assert code not in shown

    services.procedure_role_assign(
        agent=user("secretariat"), procedure=meeting, party=fr, role="chair"
    )
    html = reader.get(f"/procedures/{meeting.pk}").content.decode()
    shown = visible(html)
    assert "Депозитарий" in shown  # the depositary assigned the chair
    assert "Порядок принятия решений: Консенсус" in shown
    assert "depositary" not in shown
    assert "consensus" not in shown
    assert 'data-rule="consensus"' in html


def test_an_adopted_decision_is_listed_with_its_rule_by_name(
    meeting_with_silence, helsinki, client_as
):  # type: ignore[no-untyped-def]
    clock.advance(timedelta(days=30))
    worker_pass()  # nobody broke silence: adopted at the deadline
    html = russian(client_as("de-head")).get("/procedures/decisions").content.decode()
    shown = visible(html)
    assert "Процедура умолчания" in shown
    assert "silence" not in shown
    assert 'data-rule="silence"' in html


def test_a_refusal_names_the_field_by_its_label(helsinki, user, de, client_as):  # type: ignore[no-untyped-def]
    rfe = open_in(user, helsinki, "request-for-explanation", respondent=de)
    reader = russian(client_as("de-head"))
    refused = reader.post(f"/procedures/{rfe.pk}/acts", {"kind": "reply", "text": ""})
    assert refused.status_code == 400
    shown = visible(refused.content.decode())
    assert "Текст:" in shown
    assert "text:" not in shown
    opened = reader.post("/procedures/open", {"mechanism": "nowhere:nothing", "subject": "x"})
    assert opened.status_code == 400
    assert "Механизм:" in visible(opened.content.decode())


def test_a_disputes_proposal_period_and_the_means_periods_read_as_words(
    helsinki, user, de, client_as
):  # type: ignore[no-untyped-def]
    dispute = open_in(user, helsinki, "dispute-settlement", respondent=de, means="good-offices")
    step = services.settlement_third_party_propose(
        agent=user("fr-head"), procedure=dispute, name="Ms A. Mediator"
    )
    html = russian(client_as("fr-head")).get(f"/procedures/{dispute.pk}").content.decode()
    shown = visible(html)
    assert f"Ответы на предложение #{step.pk}:" in shown
    assert "(30 дней)" in shown  # the charter's P30D
    assert "Депозитарий" not in shown  # the proposal is the party's own
    for code in (f"offer-{step.pk}", "P30D", "P6M", "depositary"):
        assert code not in shown
    assert f'data-deadline="offer-{step.pk}"' in html
    assert 'data-duration="P30D"' in html


def test_a_reminder_names_the_deadline_and_mechanism_in_the_members_language(helsinki, user, de):  # type: ignore[no-untyped-def]
    head = user("de-head")
    head.email, head.language = "de-head@example.org", "ru"
    head.save()
    open_in(user, helsinki, "request-for-explanation", respondent=de, subject="Unusual activity")
    mail.outbox.clear()
    clock.advance(timedelta(hours=37))  # under a quarter of the 48 hours left
    assert procedure_reminders_due() == 1
    (sent,) = [m for m in mail.outbox if m.to == ["de-head@example.org"]]
    assert "Ответ" in sent.subject
    assert title_of(helsinki, "request-for-explanation", "ru") in sent.body
    assert "request-for-explanation" not in sent.body
    assert " reply " not in f" {sent.subject} {sent.body} "
