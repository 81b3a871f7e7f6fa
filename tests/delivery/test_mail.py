"""E-mail to delegation members: at once or as a daily digest at the member's hour, in
their language and time zone; only acts that concern their party, never content, never
their own acts, never twice; a member who wants none gets none; a mail server that is
away loses nothing; and the choice is made on the account page or through the API."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime

import pytest
from django.utils.html import escape

from concord import clock
from concord.delivery import services
from concord.delivery.mail import mail_due
from concord.delivery.models import MailMode, MailPreference
from concord.delivery.selectors import mail_preference_of
from concord.parties.models import PartyKind, Role
from concord.parties.services import party_register, token_create, user_create
from concord.record.models import Act, ActType

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
# Act times are after the signing keys' creation: the clock moves forward only.
WINTER_NOON = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _hub_address(settings):  # type: ignore[no-untyped-def]
    settings.CONCORD_BASE_URL = "https://hub.example"
    settings.CONCORD_MAIL_DIGEST_HOUR = 7
    settings.CONCORD_MAIL_IMMEDIATE_MAX = 10


def member(secretariat, username, party, role, *, language="en", zone="UTC", mode=None):  # type: ignore[no-untyped-def]
    user = user_create(
        agent=secretariat,
        username=username,
        party=party,
        roles=[role],
        password=PASSWORD,
        email=f"{username}@example.org",
        language=language,
    )
    if mode is not None or zone != "UTC":
        services.mail_preference_set(user=user, mode=mode or MailMode.IMMEDIATE, time_zone=zone)
        user.refresh_from_db()
    return user


def new_party(secretariat, code: str = "it"):  # type: ignore[no-untyped-def]
    return party_register(agent=secretariat, code=code, kind=PartyKind.STATE)


def to(outbox, user):  # type: ignore[no-untyped-def]
    return [m for m in outbox if m.to == [user.email]]


def test_heads_and_contact_points_are_mailed_at_once_others_daily_by_default(fr, secretariat, user):
    contact = member(secretariat, "fr-contact", fr, Role.CONTACT_POINT)
    assert mail_preference_of(user("fr-head")).mode == MailMode.IMMEDIATE
    assert mail_preference_of(contact).mode == MailMode.IMMEDIATE
    assert mail_preference_of(user("fr-delegate")).mode == MailMode.DAILY
    assert mail_preference_of(secretariat).mode == MailMode.DAILY


def test_an_act_is_mailed_at_once_in_the_members_language_and_time_zone(
    fr, secretariat, mailoutbox
):
    clock.travel(WINTER_NOON)
    contact = member(
        secretariat, "fr-contact", fr, Role.CONTACT_POINT, language="fr", zone="Europe/Paris"
    )
    new_party(secretariat)
    assert mail_due() == 2
    registered, key = to(mailoutbox, contact)
    act = Act.objects.get(type=ActType.PARTY_REGISTERED, content__party="it")
    assert "Partie enregistrée" in registered.subject
    assert "13:00 CET" in registered.subject  # noon UTC in Paris, in winter
    assert f"https://hub.example/record/acts/{act.seq}" in registered.body
    assert "Clé de signature publiée" in key.subject
    assert "https://hub.example/account" in registered.body
    assert mail_due() == 0  # nothing twice
    assert MailPreference.objects.get(user=contact).last_seq == Act.objects.last().seq


def test_a_member_is_not_mailed_of_their_own_acts(fr, secretariat, mailoutbox):
    head = member(secretariat, "fr-head2", fr, Role.HEAD)
    token_create(agent=head, user=head, name="mine")
    assert mail_due() == 0
    assert to(mailoutbox, head) == []
    assert MailPreference.objects.get(user=head).last_seq == Act.objects.last().seq


def test_restricted_acts_reach_only_their_parties_and_never_their_content(
    fr, de, secretariat, user, mailoutbox
):
    officer = member(secretariat, "officer", None, Role.SECRETARIAT, mode=MailMode.IMMEDIATE)
    contact = member(secretariat, "fr-contact", fr, Role.CONTACT_POINT)
    token_create(agent=user("de-head"), user=user("de-head"), name="secret-name-de")
    token_create(agent=user("fr-delegate"), user=user("fr-delegate"), name="secret-name-fr")
    de_act, fr_act = Act.objects.filter(type=ActType.TOKEN_CREATED).order_by("seq")
    mail_due()
    (mail,) = to(mailoutbox, contact)
    assert "API token created" in mail.subject
    assert "France" in mail.subject
    assert f"/record/acts/{fr_act.seq}" in mail.body
    assert "restricted" in mail.body
    # The secretariat is told that both happened; nobody is told what they say.
    officer_mails = to(mailoutbox, officer)
    assert len([m for m in officer_mails if "API token created" in m.subject]) == 2
    for m in mailoutbox:
        assert "secret-name" not in m.subject + m.body
        assert f"/record/acts/{de_act.seq}" not in m.body or m.to == [officer.email]


def test_a_burst_of_acts_is_mailed_as_one_list(fr, secretariat, mailoutbox, settings):
    settings.CONCORD_MAIL_IMMEDIATE_MAX = 3
    contact = member(secretariat, "fr-contact", fr, Role.CONTACT_POINT)
    for code in ("it", "es", "pt"):
        new_party(secretariat, code)
    assert mail_due() == 1
    (mail,) = to(mailoutbox, contact)
    assert "6 new acts" in mail.subject
    assert mail.body.count("https://hub.example/record/acts/") == 6
    assert mail_due() == 0


def test_a_long_list_shows_the_latest_acts_and_counts_the_earlier(fr, secretariat, mailoutbox):
    from django.db import transaction

    from concord.delivery.mail import DIGEST_LIST_MAX
    from concord.record.services import Draft, acts_append

    contact = member(secretariat, "fr-contact", fr, Role.CONTACT_POINT)
    with transaction.atomic():
        acts = acts_append(
            [
                Draft(type=ActType.USER_CHANGED, actor=None, agent=None, content={"n": i})
                for i in range(DIGEST_LIST_MAX + 30)
            ]
        )
    assert mail_due() == 1
    (mail,) = to(mailoutbox, contact)
    assert "30 earlier acts are not listed" in mail.body
    assert mail.body.count("https://hub.example/record/acts/") == DIGEST_LIST_MAX
    assert f"/record/acts/{acts[-1].seq}\n" in mail.body
    assert f"/record/acts/{acts[29].seq}\n" not in mail.body


def test_the_daily_digest_goes_out_once_a_day_at_the_members_hour(fr, secretariat, mailoutbox):
    clock.travel(datetime(2027, 3, 10, 12, 0, tzinfo=UTC))  # 21:00 in Tokyo
    delegate = member(
        secretariat, "fr-analyst", fr, Role.DELEGATE, zone="Asia/Tokyo", mode=MailMode.DAILY
    )
    preference = MailPreference.objects.get(user=delegate)
    assert preference.digest_due_at == datetime(2027, 3, 10, 22, 0, tzinfo=UTC)  # 07:00 JST
    new_party(secretariat, "it")
    clock.travel(datetime(2027, 3, 10, 18, 0, tzinfo=UTC))
    new_party(secretariat, "es")
    assert mail_due() == 0  # not yet seven in Tokyo
    assert to(mailoutbox, delegate) == []

    clock.travel(datetime(2027, 3, 10, 22, 1, tzinfo=UTC))
    assert mail_due() == 1
    (digest,) = to(mailoutbox, delegate)
    assert "daily digest of 2027-03-11, 4 acts" in digest.subject
    assert "2027-03-10 21:00 JST" in digest.body
    assert "2027-03-11 03:00 JST" in digest.body
    assert digest.body.count("https://hub.example/record/acts/") == 4
    assert mail_due() == 0

    clock.travel(datetime(2027, 3, 11, 22, 1, tzinfo=UTC))
    assert mail_due() == 0  # a quiet day: no digest
    assert MailPreference.objects.get(user=delegate).digest_due_at == datetime(
        2027, 3, 12, 22, 0, tzinfo=UTC
    )


def test_a_member_who_wants_no_mail_gets_none_and_is_not_flooded_on_switching_on(
    fr, secretariat, mailoutbox
):
    contact = member(secretariat, "fr-contact", fr, Role.CONTACT_POINT, mode=MailMode.NONE)
    new_party(secretariat, "it")
    assert mail_due() == 0
    services.mail_preference_set(user=contact, mode=MailMode.IMMEDIATE)
    assert mail_due() == 0
    new_party(secretariat, "es")
    assert mail_due() == 2
    assert len(to(mailoutbox, contact)) == 2


def test_a_member_who_joins_hears_of_everything_since_joining(fr, secretariat, mailoutbox):
    contact = member(secretariat, "fr-contact", fr, Role.CONTACT_POINT)
    new_party(secretariat, "it")
    # The worker sees the member for the first time only now.
    assert not MailPreference.objects.filter(user=contact).exists()
    assert mail_due() == 2
    assert len(to(mailoutbox, contact)) == 2


def test_a_mail_server_that_is_away_loses_nothing(fr, secretariat, mailoutbox, settings):
    contact = member(secretariat, "fr-contact", fr, Role.CONTACT_POINT)
    mail_due()
    new_party(secretariat, "it")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    cursor = MailPreference.objects.get(user=contact).last_seq
    assert mail_due() == 0
    assert MailPreference.objects.get(user=contact).last_seq == cursor
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mail_due() == 2
    assert len(to(mailoutbox, contact)) == 2


def test_the_account_page_sets_how_often_and_the_time_zone(fr, client_as, user):
    c = client_as("fr-delegate")
    page = c.get("/account").content.decode()
    assert re.search(r'value="daily"[^>]*checked', page)  # the default for a delegate
    response = c.post("/account", {"form": "mail", "mode": "immediate", "time_zone": "Asia/Dubai"})
    assert response.status_code == 302
    delegate = user("fr-delegate")
    assert delegate.time_zone == "Asia/Dubai"
    assert MailPreference.objects.get(user=delegate).mode == MailMode.IMMEDIATE
    assert "Your e-mail choice was saved." in c.get("/account").content.decode()

    bad = c.post("/account", {"form": "mail", "mode": "daily", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    assert escape(services.ERR_TIME_ZONE) in bad.content.decode()
    assert MailPreference.objects.get(user=delegate).mode == MailMode.IMMEDIATE


def test_the_api_reads_and_sets_the_mail_choice(fr, client_as):
    c = client_as("fr-delegate")
    assert c.get("/api/v1/me/mail").json() == {"mode": "daily", "time_zone": "UTC"}
    response = c.put(
        "/api/v1/me/mail",
        {"mode": "none", "time_zone": "Europe/Berlin"},
        content_type="application/json",
    )
    assert response.json() == {"mode": "none", "time_zone": "Europe/Berlin"}
    bad = c.put("/api/v1/me/mail", {"mode": "hourly"}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "mode"
    bad = c.put(
        "/api/v1/me/mail",
        {"mode": "daily", "time_zone": "Nowhere"},
        content_type="application/json",
    )
    assert bad.json()["errors"] == [{"field": "time_zone", "message": services.ERR_TIME_ZONE}]


def test_digest_hours_follow_daylight_saving(fr, secretariat):
    from concord.delivery.mail import digest_due_after

    summer = digest_due_after("Europe/Paris", datetime(2026, 7, 1, 12, 0, tzinfo=UTC))
    winter = digest_due_after("Europe/Paris", datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    assert summer == datetime(2026, 7, 2, 5, 0, tzinfo=UTC)
    assert winter == datetime(2026, 1, 2, 6, 0, tzinfo=UTC)
