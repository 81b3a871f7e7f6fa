"""The act log: one write path, gapless, signed, hashed as RFC 9162 leaves."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import transaction

from concord.charters import loader
from concord.charters.services import charter_load
from concord.parties import keys
from concord.record import entry as entry_format
from concord.record.models import Act, ActType
from concord.record.services import RecordError, act_append

pytestmark = pytest.mark.django_db


def test_every_act_is_signed_gapless_and_hashed(fr, de):
    acts = list(Act.objects.order_by("seq"))
    assert [a.seq for a in acts] == list(range(len(acts)))
    for act in acts:
        raw = bytes(act.entry)
        assert bytes(act.leaf_hash) == hashlib.sha256(b"\x00" + raw).digest()
        body, key_id, signature = entry_format.split_entry(raw)
        assert key_id == act.key.key_id
        assert keys.verify(bytes(act.key.public_key), signature, entry_format.canonical(body))
        assert body["seq"] == act.seq
        assert body["time"].endswith("Z")
        assert entry_format.canonical(entry_format.split_entry(raw)[0]) == entry_format.canonical(
            body
        )


def test_public_content_digest_and_restricted_commitment(fr, user):
    from concord.parties import services as svc

    svc.token_create(agent=user("fr-head"), user=user("fr-head"), name="t")
    act = Act.objects.latest("seq")
    assert act.restricted
    body, _, _ = entry_format.split_entry(bytes(act.entry))
    assert "digest" not in body["content"]
    assert body["content"]["commitment"] == entry_format.content_commitment(
        act.content, bytes(act.salt)
    )
    assert act.content["token"] not in bytes(act.entry).decode()
    public = Act.objects.filter(restricted=False).latest("seq")
    body, _, _ = entry_format.split_entry(bytes(public.entry))
    assert body["content"]["digest"] == entry_format.content_digest(public.content)


@pytest.mark.django_db(transaction=True)
def test_append_outside_a_transaction_is_refused(db):
    with pytest.raises(RecordError):
        act_append(type=ActType.USER_CHANGED, actor=None, agent=None, content={})


def test_a_failed_change_leaves_no_act(fr):
    before = Act.objects.count()

    def change_that_fails() -> None:
        with transaction.atomic():
            act_append(type=ActType.USER_CHANGED, actor=None, agent=None, content={"x": 1})
            raise RuntimeError("the change failed after the act was appended")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert Act.objects.count() == before


def test_a_new_charter_version_keeps_earlier_acts_tied_to_theirs(fr, charters):
    est = charters["est-2009"]
    old_version = est.current
    tied = Act.objects.filter(charter_version=old_version).count()
    assert tied > 0
    doc = loader.load_file(loader.BUILTIN_DIR / "est-2009.yaml")
    doc["version"] = doc["version"] + ".1"
    new_version, created = charter_load(document=doc)
    assert created
    est.refresh_from_db()
    assert est.current == new_version
    assert Act.objects.filter(charter_version=old_version).count() == tied
    again, created = charter_load(document=doc)
    assert (again, created) == (new_version, False)
    doc["title"] = "changed without a new version"
    with pytest.raises(loader.CharterInvalid) as exc:
        charter_load(document=doc)
    assert exc.value.problems[0].path == "version"


def test_one_batch_signs_each_act_with_its_actors_key_valid_at_that_time(fr, de, secretariat):
    """The keys of every signer of a batch are read in one query; each act is signed by
    its own actor's current key, a rotated key is no longer used, and an actor with no
    valid key stops the whole batch."""
    from concord import clock
    from concord.parties import services as svc
    from concord.parties.models import SigningKey
    from concord.record.services import Draft, acts_append, signing_keys_for

    old = SigningKey.objects.get(party=de, valid_until__isnull=True)
    clock.advance(timedelta(seconds=1))
    new = svc.key_rotate(agent=None, party=de)
    drafts = [
        Draft(type=ActType.USER_CHANGED, actor=actor, agent=None, content={"n": i})
        for i, actor in enumerate([fr, de, None, de])
    ]
    with transaction.atomic():
        acts = acts_append(drafts)
    depositary = SigningKey.objects.get(party=None, valid_until__isnull=True)
    fr_key = SigningKey.objects.get(party=fr, valid_until__isnull=True)
    assert [a.key_id for a in acts] == [fr_key.pk, new.pk, depositary.pk, new.pk]
    assert old.pk not in {a.key_id for a in acts}
    keys_now = signing_keys_for([fr, de, None, fr], at=clock.now())
    assert {owner: key.pk for owner, key in keys_now.items()} == {
        fr.pk: fr_key.pk,
        de.pk: new.pk,
        None: depositary.pk,
    }
    SigningKey.objects.filter(party=fr).update(valid_until=clock.now())
    before = Act.objects.count()
    with pytest.raises(RecordError, match="fr has no signing key"), transaction.atomic():
        acts_append(drafts)
    assert Act.objects.count() == before
