"""Witness cosignatures: the C2SP tlog-cosignature format against the spec's example,
and the hub's side (registering a party's witness key, checking and keeping the
cosignatures its mirror sends, showing them on the checkpoint and the record page)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest

from concord import clock
from concord.parties import services as psvc
from concord.parties.models import Role
from concord.record import checkpoints, cosign, witnesses
from concord.record.models import Act, ActType, Checkpoint, Cosignature

# c2sp.org/tlog-cosignature: its example checkpoint with a cosignature, and the message
# its Ed25519 section shows as signed. The spec publishes no witness public key, so the
# example checks the framing; signatures are checked with the RFC 8032 key below.
SPEC_NOTE = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
    "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrD"
    "JsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
SPEC_SIGNED_MESSAGE = (
    "cosignature/v1\n"
    "time 1679315147\n"
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
# RFC 8032 §7.1, test 1: the secret key (seed) and its public key.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


# --- the format ------------------------------------------------------------------------


def test_the_spec_example_cosignature_line_decodes_to_key_id_time_and_signature():
    (found,) = cosign.cosignatures_of(SPEC_NOTE)  # the log's own signature is no cosignature
    assert found.name == "witness.example.com/w1"
    assert found.key_id.hex() == "8d66cf3f"
    assert found.timestamp == 1679315147
    assert len(found.signature) == 64
    assert found.line + "\n" == SPEC_NOTE.splitlines(keepends=True)[-1]


def test_the_signed_message_is_the_one_the_spec_shows():
    body = checkpoints.note_parse(SPEC_NOTE).body
    assert cosign.signed_message(body, 1679315147) == SPEC_SIGNED_MESSAGE.encode()


def test_the_key_id_hashes_the_name_and_the_cosignature_type_byte():
    name = "witness.example.com/w1"
    expected = hashlib.sha256(name.encode() + b"\n\x04" + RFC8032_PUBLIC).digest()[:4]
    assert cosign.key_id(name, RFC8032_PUBLIC) == expected
    # Not the checkpoint signature's key hash (type 0x01) for the same name and key.
    assert expected != checkpoints.key_hash(name, RFC8032_PUBLIC)


def test_a_cosignature_made_with_the_rfc8032_key_verifies_and_nothing_else_does():
    signer = cosign.WitnessSigner.from_seed("witness.example.com/w1", RFC8032_SEED)
    assert signer.key.public_key == RFC8032_PUBLIC
    body = checkpoints.note_parse(SPEC_NOTE).body
    made = cosign.cosign(body, signer, timestamp=1679315147)
    # Ed25519 is deterministic: the same key, time and checkpoint give the same line.
    assert cosign.cosign(body, signer, timestamp=1679315147) == made
    note = SPEC_NOTE.replace(SPEC_NOTE.splitlines(keepends=True)[-1], made.line + "\n")
    assert cosign.cosignature_verify(note, signer.key) == made
    redated = cosign.Cosignature(made.name, made.key_id, made.timestamp + 1, made.signature)
    with pytest.raises(cosign.CosignatureError, match="does not verify"):
        cosign.cosignature_verify(note.replace(made.line, redated.line), signer.key)
    other_tree = note.replace("20852163", "20852164")
    with pytest.raises(cosign.CosignatureError, match="does not verify"):
        cosign.cosignature_verify(other_tree, signer.key)
    stranger = cosign.WitnessSigner.generate("witness.example.com/w1").key
    with pytest.raises(cosign.CosignatureError, match="carries no cosignature"):
        cosign.cosignature_verify(note, stranger)


def test_witness_keys_and_key_files_round_trip_and_bad_ones_are_refused():
    signer = cosign.WitnessSigner.from_seed("example.org/witness", RFC8032_SEED)
    vkey = signer.key.vkey
    assert vkey.startswith("example.org/witness+")
    assert cosign.WitnessKey.parse(vkey) == signer.key
    assert signer.text().startswith("PRIVATE+KEY+example.org/witness+")
    assert cosign.WitnessSigner.parse(signer.text()).key == signer.key
    checkpoint_style = checkpoints.vkey("example.org/witness", RFC8032_PUBLIC)
    for bad in (
        checkpoint_style,  # type 0x01 is a checkpoint key, not a witness key
        vkey.replace("+", "+0", 1),
        "example.org/witness+00000000+" + vkey.rsplit("+", 1)[1],
        "two words+" + vkey.split("+", 1)[1],
        "no-plus-signs-at-all",
    ):
        with pytest.raises(cosign.CosignatureError):
            cosign.WitnessKey.parse(bad)
    with pytest.raises(cosign.CosignatureError):
        cosign.WitnessSigner.parse(vkey)


# --- the hub ---------------------------------------------------------------------------


@pytest.fixture
def checkpoint(fr, de, user):  # type: ignore[no-untyped-def]
    head = user("fr-head")
    psvc.token_create(agent=head, user=head, name="a few acts")
    return checkpoints.checkpoint_publish(force=True)


def _register(client, vkey: str, **extra):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/record/witnesses",
        data=json.dumps({"vkey": vkey, **extra}),
        content_type="application/json",
    )


def _send(client, size: int, line: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/record/cosignatures",
        data=json.dumps({"size": size, "cosignature": line}),
        content_type="application/json",
    )


def _line(checkpoint: Checkpoint, signer: cosign.WitnessSigner, **kwargs: int) -> str:
    body = checkpoints.note_parse(checkpoint.note).body
    at = kwargs.get("timestamp", int(clock.now().timestamp()))
    return cosign.cosign(body, signer, timestamp=at).line


def test_a_party_registers_its_witness_key_by_a_public_act(checkpoint, client_as):
    signer = cosign.WitnessSigner.generate("hub.example/witness/fr")
    head = client_as("fr-head")
    response = _register(head, signer.key.vkey)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["party"] == "fr"
    assert body["vkey"] == signer.key.vkey
    act = Act.objects.get(seq=body["act"])
    assert act.type == ActType.WITNESS_KEY_REGISTERED
    assert act.actor is not None
    assert act.actor.code == "fr"
    assert not act.restricted
    assert act.content["vkey"] == signer.key.vkey
    # The same key again changes nothing; every member sees the key in force.
    before = Act.objects.count()
    assert _register(head, signer.key.vkey).status_code == 200
    # Any member may confirm the key in force, as a mirror does each time it starts.
    assert _register(client_as("fr-delegate"), signer.key.vkey).status_code == 200
    assert Act.objects.count() == before
    listed = client_as("de-delegate").get("/api/v1/record/witnesses").json()
    assert [(w["party"], w["vkey"]) for w in listed] == [("fr", signer.key.vkey)]


def test_a_new_key_under_a_name_in_use_needs_replace(checkpoint, client_as):
    old = cosign.WitnessSigner.generate("hub.example/witness/fr")
    new = cosign.WitnessSigner.generate("hub.example/witness/fr")
    head = client_as("fr-head")
    assert _register(head, old.key.vkey).status_code == 201
    refused = _register(head, new.key.vkey)
    assert refused.status_code == 400
    assert refused.json()["detail"] == witnesses.ERR_NAME_TAKEN % {"name": old.name}
    replaced = _register(head, new.key.vkey, replace=True)
    assert replaced.status_code == 201
    act = Act.objects.get(seq=replaced.json()["act"])
    assert act.content["replaces"] == old.key.vkey
    assert witnesses.witness_current(act.actor, old.name).key == new.key  # type: ignore[arg-type,union-attr]


def test_only_a_head_or_verification_officer_of_a_party_registers_a_witness(
    checkpoint, client_as, secretariat, fr
):
    vkey = cosign.WitnessSigner.generate("hub.example/witness/fr").key.vkey
    delegate = _register(client_as("fr-delegate"), vkey)
    assert delegate.status_code == 403
    assert delegate.json()["detail"] == witnesses.ERR_ROLE
    assert _register(client_as("secretariat"), vkey).json()["detail"] == witnesses.ERR_NO_PARTY
    psvc.user_create(
        agent=secretariat,
        username="fr-verifier",
        party=fr,
        roles=[Role.VERIFICATION_OFFICER],
        password="correct horse battery staple",
    )
    assert _register(client_as("fr-verifier"), vkey).status_code == 201
    bad = _register(client_as("fr-head"), "not a key")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "vkey"


def test_the_hub_keeps_a_cosignature_by_the_registered_key_and_shows_it(checkpoint, client_as):
    signer = cosign.WitnessSigner.generate("hub.example/witness/fr")
    head = client_as("fr-head")
    _register(head, signer.key.vkey)
    line = _line(checkpoint, signer)
    # Any member of the party may send it: the witness key is what speaks.
    response = _send(client_as("fr-delegate"), checkpoint.size, line)
    assert response.status_code == 201, response.content
    assert response.json()["party"] == "fr"
    assert response.json()["cosignature"] == line
    assert _send(head, checkpoint.size, line).status_code == 200  # kept once
    assert Cosignature.objects.count() == 1
    note = client_as("de-delegate").get("/record/checkpoint").content.decode()
    assert note == checkpoint.note + line + "\n"
    assert cosign.cosignature_verify(note, signer.key).line == line
    checkpoints.checkpoint_verify(
        note, checkpoints.VerifierKey.parse(checkpoints.depositary_vkey())
    )
    listed = client_as("de-delegate").get("/api/v1/record/cosignatures").json()
    assert [(c["party"], c["size"]) for c in listed] == [("fr", checkpoint.size)]
    page = client_as("de-delegate").get("/record/").content.decode()
    assert "Witnesses" in page
    assert "France" in page
    assert signer.key.vkey in page


def test_the_hub_refuses_cosignatures_it_cannot_check_and_says_why(checkpoint, client_as):
    signer = cosign.WitnessSigner.generate("hub.example/witness/fr")
    head = client_as("fr-head")
    _register(head, signer.key.vkey)
    size = checkpoint.size

    def refused(line: str, at_size: int = size) -> str:
        response = _send(head, at_size, line)
        assert response.status_code == 400, response.content
        return str(response.json()["detail"])

    other = cosign.WitnessSigner.generate("hub.example/witness/fr")
    assert refused(_line(checkpoint, other)) == witnesses.ERR_WRONG_KEY % {
        "name": signer.name,
        "expected": signer.key.key_id.hex(),
        "given": other.key.key_id.hex(),
    }
    stranger = cosign.WitnessSigner.generate("hub.example/witness/elsewhere")
    assert refused(_line(checkpoint, stranger)) == witnesses.ERR_NOT_REGISTERED % {
        "name": stranger.name
    }
    body = checkpoints.checkpoint_body(checkpoints.origin(), size, b"\0" * 32)
    wrong_tree = cosign.cosign(body, signer, timestamp=int(clock.now().timestamp())).line
    assert refused(wrong_tree) == witnesses.ERR_BAD_SIGNATURE % {
        "size": size,
        "name": signer.name,
    }
    assert refused(_line(checkpoint, signer), size + 1) == witnesses.ERR_NO_CHECKPOINT % {
        "size": size + 1
    }
    assert refused("— hub.example/witness/fr not-base64!") == witnesses.ERR_MALFORMED
    assert refused("hello") == witnesses.ERR_MALFORMED
    future = int((clock.now() + timedelta(hours=1)).timestamp())
    assert refused(_line(checkpoint, signer, timestamp=future)).startswith(
        witnesses.ERR_FUTURE.split("(")[0]
    )
    # Another party cannot cosign as France's witness.
    as_de = _send(client_as("de-head"), size, _line(checkpoint, signer))
    assert as_de.json()["detail"] == witnesses.ERR_NOT_REGISTERED % {"name": signer.name}
    assert not Cosignature.objects.exists()


def test_the_served_checkpoint_carries_at_most_fifteen_cosignatures(checkpoint, fr):
    key_act = Act.objects.filter(type=ActType.KEY_PUBLISHED).first()
    assert key_act is not None
    for i in range(20):
        Cosignature.objects.create(
            checkpoint=checkpoint,
            party=fr,
            key_act=key_act,
            name=f"w{i}",
            signed_at=clock.now(),
            line=f"— w{i} AAAA",
            received_at=clock.now(),
        )
    note = witnesses.note_witnessed(checkpoint)
    assert note.count("\n— ") == 1 + witnesses.NOTE_COSIGNATURES_MAX
    assert "— w0 AAAA" in note
    assert "— w19 AAAA" not in note
