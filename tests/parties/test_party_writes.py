"""Writes to parties, delegations and keys: each is an act, and bad input is refused
with a message naming the field while nothing stored changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from concord import clock
from concord.parties import services as svc
from concord.parties.models import Participation, Party, Status, User
from concord.record.models import Act, ActType
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db


def test_registering_a_party_publishes_its_key_signed_by_that_key(secretariat, charters):
    before = Act.objects.count()
    party = svc.party_register(agent=secretariat, code="IT", kind="state")
    assert party.code == "it"
    assert party.name == "Italy"
    registered, published = Act.objects.filter(seq__gte=before).order_by("seq")
    assert registered.type == ActType.PARTY_REGISTERED
    assert registered.actor is None
    assert published.type == ActType.KEY_PUBLISHED
    assert published.actor == party
    assert published.key.party == party


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"code": "xx", "kind": "state"}, "code"),
        ({"code": "", "kind": "state"}, "code"),
        ({"code": "fra", "kind": "state"}, "code"),
        ({"code": "a", "kind": "organisation", "name": "A"}, "code"),
        ({"code": "bad code!", "kind": "organisation", "name": "B"}, "code"),
        ({"code": "unx", "kind": "organisation", "name": ""}, "name"),
        ({"code": "unx", "kind": "organisation", "name": "N" * 201}, "name"),
        ({"code": "unx", "kind": "planet", "name": "N"}, "kind"),
        ({"code": "fr", "kind": "state"}, "code"),  # exists already
    ],
)
def test_party_register_refuses_bad_input(secretariat, fr, data, field):
    before = (Party.objects.count(), Act.objects.count())
    with pytest.raises(svc.ServiceError) as exc:
        svc.party_register(agent=secretariat, **data)
    assert exc.value.field == field
    assert (Party.objects.count(), Act.objects.count()) == before


def test_only_the_secretariat_registers(fr, user):
    with pytest.raises(svc.NotPermitted):
        svc.party_register(agent=user("fr-head"), code="it", kind="state")


def test_status_change_keeps_history_and_names_the_charter_version(fr, secretariat, charters):
    svc.participation_set(
        agent=secretariat, party=fr, charter=charters["helsinki"], status=Status.PARTY
    )
    svc.participation_set(
        agent=secretariat,
        party=fr,
        charter=charters["helsinki"],
        status=Status.SUSPENDED,
        reason="decision 1",
    )
    p = Participation.objects.get(party=fr, charter=charters["helsinki"])
    assert [c.status for c in p.changes.all()] == [Status.PARTY, Status.SUSPENDED]
    act = p.changes.last().act
    assert act.charter_version == charters["helsinki"].current
    assert act.content["previous"] == Status.PARTY


def test_status_change_refuses_ineligible_and_repeated(fr, secretariat, charters):
    with pytest.raises(svc.ServiceError) as exc:
        svc.participation_set(
            agent=secretariat, party=fr, charter=charters["est-2009"], status=Status.PARTY
        )
    assert exc.value.field == "status"
    cn = svc.party_register(agent=secretariat, code="cn", kind="state")
    with pytest.raises(svc.ServiceError) as exc:
        svc.participation_set(
            agent=secretariat, party=cn, charter=charters["helsinki"], status=Status.PARTY
        )
    assert exc.value.field == "party"
    with pytest.raises(svc.ServiceError):
        svc.participation_set(
            agent=secretariat, party=fr, charter=charters["est-2009"], status="boss"
        )


def test_accession_needs_the_consent_of_every_party(fr, de, secretariat, charters, user):
    it = svc.party_register(agent=secretariat, code="it", kind="state")
    svc.user_create(
        agent=secretariat, username="it-head", party=it, roles=["head"], password="x" * 20
    )
    est = charters["est-2009"]
    applicant = svc.accession_request(agent=user("it-head"), party=it, charter=est)
    assert applicant.status == Status.APPLICANT
    svc.accession_consent(agent=user("fr-head"), party=fr, applicant=applicant)
    applicant.refresh_from_db()
    assert applicant.status == Status.APPLICANT
    with pytest.raises(svc.ServiceError):
        svc.accession_consent(agent=user("fr-head"), party=fr, applicant=applicant)
    svc.accession_consent(agent=user("de-head"), party=de, applicant=applicant)
    applicant.refresh_from_db()
    assert applicant.status == Status.PARTY
    assert [c.status for c in applicant.changes.all()] == [Status.APPLICANT, Status.PARTY]


def test_a_party_acts_for_itself_only(fr, de, user, charters):
    with pytest.raises(svc.NotPermitted):
        svc.withdrawal_notify(agent=user("de-head"), party=fr, charter=charters["est-2009"])
    with pytest.raises(svc.NotPermitted):
        svc.withdrawal_notify(agent=user("fr-delegate"), party=fr, charter=charters["est-2009"])


def test_withdrawal_takes_effect_after_the_notice_period(fr, user, charters):
    est = charters["est-2009"]
    p = svc.withdrawal_notify(agent=user("fr-head"), party=fr, charter=est)
    assert p.withdrawal_effective_at > clock.now()
    assert p.effective_status() == Status.PARTY
    with pytest.raises(svc.ServiceError):
        svc.withdrawal_notify(agent=user("fr-head"), party=fr, charter=est)
    assert "withdrawals" not in worker_pass()
    clock.advance(p.withdrawal_effective_at - clock.now() + timedelta(seconds=1))
    # Shown right on read even before the worker runs ...
    assert Participation.objects.get(pk=p.pk).effective_status() == Status.WITHDRAWN
    # ... and recorded as an act once it does, exactly once.
    assert worker_pass()["withdrawals"] == 1
    assert "withdrawals" not in worker_pass()
    p.refresh_from_db()
    assert p.status == Status.WITHDRAWN
    assert (
        Act.objects.filter(type=ActType.PARTY_STATUS_CHANGED, content__status="withdrawn").count()
        == 1
    )


def test_key_rotation_is_signed_with_the_old_key(fr, user):
    old = fr.keys.get()
    new = svc.key_rotate(agent=user("fr-head"), party=fr)
    old.refresh_from_db()
    assert old.valid_until == new.valid_from
    act = Act.objects.filter(type=ActType.KEY_ROTATED).latest("seq")
    assert act.key == old
    assert act.content["new"]["key"] == new.key_id
    # Acts after the rotation are signed with the new key.
    svc.token_create(agent=user("fr-head"), user=user("fr-head"), name="after")
    assert Act.objects.latest("seq").key == new


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"username": "", "roles": ["delegate"]}, "username"),
        ({"username": "a b", "roles": ["delegate"]}, "username"),
        ({"username": "x" * 151, "roles": ["delegate"]}, "username"),
        ({"username": "fr-head", "roles": ["delegate"]}, "username"),
        ({"username": "FR-HEAD", "roles": ["delegate"]}, "username"),
        ({"username": "n1", "roles": []}, "roles"),
        ({"username": "n1", "roles": ["king"]}, "roles"),
        ({"username": "n1", "roles": ["secretariat"]}, "roles"),
        ({"username": "n1", "roles": ["delegate"], "password": "short"}, "password"),
        ({"username": "n1", "roles": ["delegate"], "email": "not-an-address"}, "email"),
        ({"username": "n1", "roles": ["delegate"], "language": "xx"}, "language"),
    ],
)
def test_user_create_refuses_bad_input(secretariat, fr, data, field):
    data = {"password": "a long enough passphrase", **data}
    before = (User.objects.count(), Act.objects.count())
    with pytest.raises(svc.ServiceError) as exc:
        svc.user_create(agent=secretariat, party=fr, **data)
    assert exc.value.field == field
    assert (User.objects.count(), Act.objects.count()) == before


def test_password_reset_forces_a_new_password(secretariat, fr, user, client):
    temporary = svc.password_reset(agent=secretariat, user=user("fr-delegate"))
    assert (
        client.post("/login", {"username": "fr-delegate", "password": temporary}).status_code == 302
    )
    assert client.get("/").url == "/account/password"
    response = client.post(
        "/account/password", {"old_password": temporary, "new_password": "short"}
    )
    assert response.status_code == 400
    assert "New password" in response.content.decode()
    response = client.post(
        "/account/password",
        {"old_password": temporary, "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_token_is_hashed_at_rest_and_shown_once(fr, user, client_as):
    response = client_as("fr-head").post("/account", {"name": "laptop"})
    page = response.content.decode()
    token = page.split('<code id="new-token">')[1].split("<")[0]
    assert token.startswith("cnc_")
    stored = user("fr-head").api_tokens.get()
    assert token not in (stored.digest, stored.prefix)
    assert stored.digest == svc.token_digest(token)
    assert token not in client_as("fr-head").get("/account").content.decode()


@pytest.mark.parametrize("name", ["", " ", "n" * 101])
def test_token_name_is_required_and_bounded(fr, client_as, name):
    before = Act.objects.count()
    response = client_as("fr-head").post("/account", {"name": name})
    assert response.status_code == 400
    assert "Token name" in response.content.decode()
    assert Act.objects.count() == before
