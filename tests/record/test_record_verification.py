"""The record can be checked by anyone: tiles, checkpoints, proofs, full verification,
exports, and a client that catches a hub rewriting, rolling back or splitting history."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from concord.parties import services as svc
from concord.record import checkpoints, client, tiles, tree, verify
from concord.record.models import Act, Checkpoint, Tile
from concord.record.services import signing_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(fr, de, user):  # type: ignore[no-untyped-def]
    """A record of a little over 256 acts, so that a full tile exists."""
    head = user("fr-head")
    while Act.objects.count() < 300:
        svc.token_create(agent=head, user=head, name="t")
    return checkpoints.checkpoint_publish(force=True)


def leaves() -> list[bytes]:
    return [bytes(h) for h in Act.objects.order_by("seq").values_list("leaf_hash", flat=True)]


def test_tiles_and_proofs_match_the_tree_of_the_entries(record):
    hashes = leaves()
    memory = tree.subtree_from_leaves(hashes)
    assert Tile.objects.filter(level=0, index=0).exists()
    for size in (1, 2, 255, 256, 257, len(hashes)):
        assert tiles.root_at(size) == tree.root(memory, size)
    assert bytes(record.root) == tree.root(memory, record.size)
    for index in (0, 100, 255, 256, record.size - 1):
        proof = tiles.inclusion_proof(index, record.size)
        tree.verify_inclusion(hashes[index], index, record.size, proof, bytes(record.root))
    for first in (1, 200, 256, 257):
        proof = tiles.consistency_proof(first, record.size)
        tree.verify_consistency(
            first, record.size, tree.root(memory, first), bytes(record.root), proof
        )


def test_checkpoint_is_a_signed_note_under_the_verifier_key(record, settings):
    note = record.note
    lines = note.split("\n")
    assert lines[0] == settings.CONCORD_RECORD_ORIGIN
    assert lines[1] == str(record.size)
    assert base64.b64decode(lines[2]) == bytes(record.root)
    assert lines[3] == ""
    assert lines[4].startswith(f"\u2014 {settings.CONCORD_RECORD_ORIGIN} ")
    vkey = checkpoints.depositary_vkey()
    name, hash_hex, key = vkey.split("+", 2)
    assert name == settings.CONCORD_RECORD_ORIGIN
    assert len(hash_hex) == 8
    assert base64.b64decode(key)[0] == 1
    assert (
        checkpoints.checkpoint_verify(note, checkpoints.VerifierKey.parse(vkey)).size == record.size
    )


def test_tlog_tiles_read_api(record, client_as, client):
    c = client_as("de-delegate")
    assert client.get("/record/checkpoint").status_code == 401
    response = c.get("/record/checkpoint")
    assert response.status_code == 200
    assert response.content.decode() == Checkpoint.objects.latest().note
    full = c.get("/record/tile/0/000")
    assert full.status_code == 200
    assert "immutable" in full["Cache-Control"]
    assert full.content == b"".join(leaves()[:256])
    partial = c.get("/record/tile/0/001.p/10")
    assert partial.content == b"".join(leaves()[256:266])
    level1 = c.get("/record/tile/1/000.p/1")
    assert level1.content == bytes(Tile.objects.get(level=0, index=0).root)
    bundle = client_module_split(c.get("/record/tile/entries/000").content)
    assert bundle == [
        bytes(e) for e in Act.objects.order_by("seq").values_list("entry", flat=True)[:256]
    ]
    for bad in (
        "/record/tile/0/1",
        "/record/tile/0/000.p/0",
        "/record/tile/0/000.p/256",
        "/record/tile/0/x1/000",
        "/record/tile/entries/000.p/01",
        "/record/tile/0/999",
    ):
        assert c.get(bad).status_code in (400, 404), bad
    token = svc.token_create(agent=_u("de-head"), user=_u("de-head"), name="r")[1]
    assert client.get("/record/checkpoint", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def _u(name):  # type: ignore[no-untyped-def]
    from concord.parties.models import User

    return User.objects.get(username=name)


def client_module_split(data: bytes) -> list[bytes]:
    return client.split_bundle(data)


def test_tile_index_encoding_round_trips():
    from concord.record.tlog import parse_index

    for n in (0, 7, 999, 1000, 1234067, 10**9):
        assert parse_index(client.tile_path(n)) == n
    assert client.tile_path(1234067) == "x001/x234/067"
    assert parse_index("1234") is None
    assert parse_index("x12/345") is None


def test_json_proofs_api(record, client_as):
    c = client_as("fr-delegate")
    body = c.get(f"/api/v1/record/proof/inclusion?index=5&size={record.size}").json()
    assert body["index"] == 5
    tree.verify_inclusion(
        base64.b64decode(body["leaf_hash"]),
        5,
        record.size,
        [base64.b64decode(h) for h in body["hashes"]],
        bytes(record.root),
    )
    body = c.get(f"/api/v1/record/proof/consistency?first=3&second={record.size}").json()
    assert body["first"] == 3
    for bad in (
        "inclusion?index=5&size=9999999",
        "inclusion?index=-1&size=5",
        "consistency?first=0&second=5",
        "consistency?first=9&second=5",
        "inclusion?index=x&size=5",
    ):
        response = c.get(f"/api/v1/record/proof/{bad}")
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["field"]
    entries = c.get("/api/v1/record/entries?start=0&end=3").json()
    assert entries["count"] == 3
    assert [e["seq"] for e in entries["items"]] == [0, 1, 2]
    assert entries["items"][0]["entry"]["type"] == "key.published"


def test_full_verification_passes_on_an_honest_record(record):
    verdict = verify.verify_local(workers=1)
    assert verdict.startswith(f"OK: {Act.objects.count()} entries")
    assert "every signature valid" in verdict


def test_verification_with_two_processes(record):
    assert verify.verify_local(workers=2).startswith("OK")


@pytest.mark.parametrize(
    ("tamper", "first_bad"),
    [
        ("content", 7),
        ("entry", 7),
        ("delete", 7),
        ("swap", 7),
        ("column", 7),
    ],
)
def test_tampering_is_detected_and_names_the_first_bad_entry(record, tamper, first_bad):
    act = Act.objects.get(seq=7)
    if tamper == "content":
        Act.objects.filter(seq=7).update(content={**act.content, "name": "forged"})
    elif tamper == "entry":
        forged = bytes(act.entry).replace(b'"agent":"', b'"agent":"x', 1)
        Act.objects.filter(seq=7).update(entry=forged, leaf_hash=tree.leaf_hash(forged))
    elif tamper == "delete":
        act.recipients.clear()
        Act.objects.filter(seq=7).delete()
    elif tamper == "swap":
        other = Act.objects.get(seq=8)
        Act.objects.filter(seq=7).update(
            entry=other.entry,
            leaf_hash=other.leaf_hash,
            content=other.content,
            salt=other.salt,
            type=other.type,
            time=other.time,
        )
        Act.objects.filter(seq=8).update(
            entry=act.entry,
            leaf_hash=act.leaf_hash,
            content=act.content,
            salt=act.salt,
            type=act.type,
            time=act.time,
        )
    elif tamper == "column":
        Act.objects.filter(seq=7).update(type="party.registered")
    with pytest.raises(verify.VerificationFailed) as exc:
        verify.verify_local(workers=1)
    assert exc.value.seq == first_bad, str(exc.value)


def test_a_checkpoint_signed_with_another_key_is_refused(record):
    from concord.parties import keys

    public, private = keys.generate_keypair()
    name = checkpoints.origin()
    forged = checkpoints.note_sign(
        checkpoints.checkpoint_body(name, record.size, bytes(record.root)),
        name,
        keys.encrypt_secret(private),
        public,
    )
    Checkpoint.objects.filter(pk=record.pk).update(note=forged)
    with pytest.raises(verify.VerificationFailed, match="signed by no key of the depositary"):
        verify.verify_local(workers=1)
    with pytest.raises(checkpoints.NoteError):
        checkpoints.checkpoint_verify(
            forged, checkpoints.VerifierKey.parse(checkpoints.depositary_vkey())
        )


def test_export_verifies_offline_and_a_changed_export_does_not(record, tmp_path):
    path = tmp_path / "record.jsonl.gz"
    call_command("record", "export", str(path))
    header, items = client.export_read(path)
    vkey = checkpoints.depositary_vkey()
    assert header["vkey"] == vkey
    assert verify.verify_items(items, note=header["checkpoint"], vkey=vkey, workers=1).startswith(
        "OK"
    )
    # A restricted act's content never leaves the hub in an export.
    lines = path.read_bytes()
    import gzip

    docs = [json.loads(line) for line in gzip.decompress(lines).splitlines()[1:]]
    restricted = [d for d in docs if b'"commitment"' in base64.b64decode(d["entry"])]
    assert restricted
    assert all(d["content"] is None for d in restricted)
    # Drop one entry from the export: the verifier names where the gap is.
    broken = tmp_path / "broken.jsonl.gz"
    text = gzip.decompress(lines).splitlines()
    broken.write_bytes(gzip.compress(b"\n".join(text[:11] + text[12:]) + b"\n"))
    _, items = client.export_read(broken)
    with pytest.raises(verify.VerificationFailed) as exc:
        verify.verify_items(items, note=header["checkpoint"], vkey=vkey, workers=1)
    assert exc.value.seq == 10


def test_record_commands(record, capsys, tmp_path):
    call_command("record", "vkey")
    assert capsys.readouterr().out.strip() == checkpoints.depositary_vkey()
    call_command("record", "verify")
    assert capsys.readouterr().out.startswith("OK:")
    Act.objects.filter(seq=3).update(content={"forged": True})
    with pytest.raises(CommandError, match="FAILED: entry 3"):
        call_command("record", "verify")
    bad = tmp_path / "not-an-export"
    bad.write_text("hello")
    with pytest.raises(CommandError, match="not a Concord record export"):
        call_command("record", "verify", str(bad))


# --- a client that keeps the last checkpoint it accepted --------------------------------


@pytest.fixture
def hub(live_server, settings, record, user):  # type: ignore[no-untyped-def]
    settings.CONCORD_CHECKPOINT_INTERVAL = 3600  # the test decides when a checkpoint is signed
    token = svc.token_create(agent=user("de-head"), user=user("de-head"), name="mirror")[1]
    return live_server.url, token


def _sign_forged(size: int, root: bytes) -> None:
    """The hub's own key signs whatever the hub chooses to show (a dishonest hub)."""
    key = signing_key_for(None, at=Checkpoint.objects.latest().created_at)
    name = checkpoints.origin()
    note = checkpoints.note_sign(
        checkpoints.checkpoint_body(name, size, root),
        name,
        bytes(key.private_key_encrypted),
        bytes(key.public_key),
    )
    Checkpoint.objects.all().delete()
    Checkpoint.objects.create(size=size, root=root, note=note, created_at=key.valid_from)


@pytest.mark.django_db(transaction=True)
def test_remote_verification_through_the_read_api(hub, tmp_path):
    url, token = hub
    state = tmp_path / "state.json"
    remote = client.RecordClient(url, token, vkey=checkpoints.depositary_vkey(), state=state)
    cp, note = remote.checkpoint()
    assert verify.verify_items(
        remote.entries(cp.size), note=note, vkey=remote.vkey, checkpoint_size=cp.size, workers=1
    ).startswith("OK")
    assert json.loads(state.read_text())["size"] == cp.size


@pytest.mark.django_db(transaction=True)
def test_client_catches_a_rollback(hub, tmp_path):
    url, token = hub
    remote = client.RecordClient(
        url, token, vkey=checkpoints.depositary_vkey(), state=tmp_path / "s"
    )
    cp, _ = remote.checkpoint()
    _sign_forged(cp.size - 5, tiles.root_at(cp.size - 5))
    with pytest.raises(verify.VerificationFailed, match="ROLLBACK"):
        remote.checkpoint()


@pytest.mark.django_db(transaction=True)
def test_client_catches_a_split_view_of_the_same_size(hub, tmp_path):
    url, token = hub
    remote = client.RecordClient(
        url, token, vkey=checkpoints.depositary_vkey(), state=tmp_path / "s"
    )
    cp, _ = remote.checkpoint()
    _sign_forged(cp.size, tree.leaf_hash(b"another history"))
    with pytest.raises(verify.VerificationFailed, match="SPLIT VIEW"):
        remote.checkpoint()


@pytest.mark.django_db(transaction=True)
def test_client_catches_a_larger_tree_that_does_not_extend_the_old(hub, tmp_path, user):
    url, token = hub
    remote = client.RecordClient(
        url, token, vkey=checkpoints.depositary_vkey(), state=tmp_path / "s"
    )
    remote.checkpoint()
    head = user("fr-head")
    for _ in range(5):
        svc.token_create(agent=head, user=head, name="later")
    size = Act.objects.count()
    _sign_forged(size, tree.leaf_hash(b"a rewritten tree"))
    with pytest.raises(verify.VerificationFailed, match="SPLIT VIEW or rewritten history"):
        remote.checkpoint()


def test_act_page_shows_the_proof_status_and_offers_the_proof(record, client_as):
    c = client_as("fr-head")
    page = c.get("/record/acts/5").content.decode()
    assert "Included in the signed checkpoint" in page
    proof = c.get("/record/acts/5/proof").json()
    tree.verify_inclusion(
        base64.b64decode(proof["leaf_hash"]),
        5,
        proof["size"],
        [base64.b64decode(h) for h in proof["hashes"]],
        checkpoints.note_parse(proof["checkpoint"]).root,
    )
    overview = c.get("/record/").content.decode()
    assert checkpoints.depositary_vkey() in overview
    assert c.get("/record/?act=5").status_code == 302
    assert c.get("/record/?act=abc").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_client_catches_an_entry_rewritten_with_its_tiles(hub, tmp_path, user, settings):
    """A hub that changes an old entry and rebuilds its tree and checkpoint to match
    cannot prove the new tree extends the one a party already holds."""
    from concord.record.tiles import tiles_on_append

    url, token = hub
    remote = client.RecordClient(
        url, token, vkey=checkpoints.depositary_vkey(), state=tmp_path / "s"
    )
    remote.checkpoint()
    act = Act.objects.get(seq=7)
    forged = bytes(act.entry).replace(b'"agent":"', b'"agent":"x', 1)
    Act.objects.filter(seq=7).update(entry=forged, leaf_hash=tree.leaf_hash(forged))
    Tile.objects.all().delete()
    for seq in range(Act.objects.count()):
        tiles_on_append(seq)
    head = user("fr-head")
    svc.token_create(agent=head, user=head, name="after the rewrite")
    settings.CONCORD_CHECKPOINT_INTERVAL = 0
    checkpoints.checkpoint_publish(force=True)
    with pytest.raises(verify.VerificationFailed, match="SPLIT VIEW or rewritten history"):
        remote.checkpoint()
