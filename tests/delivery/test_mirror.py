"""A party's mirror following a real hub served on 127.0.0.1: it catches up, keeps a
tlog-tiles copy, cosigns and the hub shows the witness; a hub that rolls back, splits
its view or changes an entry is caught and the mirror refuses to go on; a hub that
goes away is caught up with when it comes back."""

from __future__ import annotations

import io
import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler, _StaticFilesHandler

from concord import clock
from concord.delivery import mirror, mirror_copy
from concord.parties import services as psvc
from concord.parties.models import User
from concord.record import checkpoints, cosign, tree, verify, witnesses
from concord.record.models import Act, Checkpoint, Cosignature, Tile
from concord.record.services import signing_key_for
from concord.record.tiles import tiles_on_append
from concord.record.witnesses import ERR_NAME_TAKEN, ERR_WRONG_KEY

pytestmark = pytest.mark.django_db(transaction=True)


class _ReusableThread(LiveServerThread):
    """Django's live server, binding a port it may just have let go of."""

    def _create_server(self, connections_override: Any = None) -> Any:
        return self.server_class(
            (self.host, self.port),
            QuietWSGIRequestHandler,
            allow_reuse_address=True,
            connections_override=connections_override,
        )


class ServedHub:
    """The hub's application served on 127.0.0.1; stops and starts on the same port."""

    def __init__(self) -> None:
        self.port = 0
        self.thread: _ReusableThread | None = None
        # An in-memory SQLite database is reached through the test's own connection.
        self.shared = {
            c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        thread = _ReusableThread(
            "127.0.0.1", _StaticFilesHandler, connections_override=self.shared, port=self.port
        )
        thread.daemon = True
        for conn in self.shared.values():
            conn.inc_thread_sharing()
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        self.thread, self.port = thread, thread.port

    def stop(self) -> None:
        assert self.thread is not None
        self.thread.terminate()
        for conn in self.shared.values():
            conn.dec_thread_sharing()
        self.thread = None


def _acts(n: int, username: str = "fr-head") -> None:
    head = User.objects.get(username=username)
    for _ in range(n):
        psvc.token_create(agent=head, user=head, name="another act")


@pytest.fixture
def hub(fr, de, user, settings) -> Iterator[ServedHub]:  # type: ignore[no-untyped-def]
    """A hub with a little over a full tile of acts and a checkpoint of them."""
    settings.CONCORD_CHECKPOINT_INTERVAL = 3600  # the test decides when a checkpoint is signed
    _acts(300 - Act.objects.count())
    checkpoints.checkpoint_publish(force=True)
    served = ServedHub()
    served.start()
    yield served
    if served.thread is not None:
        served.stop()


@pytest.fixture
def token(hub: ServedHub) -> str:
    head = User.objects.get(username="fr-head")
    return psvc.token_create(agent=head, user=head, name="mirror")[1]


@pytest.fixture
def signer() -> cosign.WitnessSigner:
    return cosign.WitnessSigner.generate("concord.localhost/record/witness/fr")


class Said:
    """What the mirror told its operator."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.err: list[str] = []

    def errors(self) -> str:
        return "\n".join(self.err)


@pytest.fixture
def said() -> Said:
    return Said()


@pytest.fixture
def make(hub: ServedHub, token: str, tmp_path: Path, said: Said) -> Any:
    def make_mirror(**kwargs: Any) -> mirror.Mirror:
        directory = kwargs.pop("directory", tmp_path / "copy")
        options: dict[str, Any] = {
            "url": hub.url,
            "token": token,
            "vkey": checkpoints.depositary_vkey(),
            "backoff": (0.05, 0.2),
            "say": said.out.append,
            "warn": said.err.append,
            **kwargs,
        }
        return mirror.Mirror(directory, **options)

    return make_mirror


def _hub_signs(size: int, root: bytes) -> str:
    """A dishonest hub: its own key signs whatever tree it chooses to show."""
    key = signing_key_for(None, at=clock.now())
    name = checkpoints.origin()
    note = checkpoints.note_sign(
        checkpoints.checkpoint_body(name, size, root),
        name,
        bytes(key.private_key_encrypted),
        bytes(key.public_key),
    )
    Cosignature.objects.all().delete()
    Checkpoint.objects.all().delete()
    Checkpoint.objects.create(size=size, root=root, note=note, created_at=clock.now())
    return note


def _hub_honest_again() -> None:
    Cosignature.objects.all().delete()
    Checkpoint.objects.all().delete()
    checkpoints.checkpoint_publish(force=True)


def _alarm_of(node: mirror.Mirror) -> dict[str, Any]:
    alarm = node.alarm_current()
    assert alarm is not None
    return alarm


# --- following an honest hub -------------------------------------------------------------


def test_mirror_catches_up_keeps_a_tlog_tiles_copy_and_cosigns(hub, make, signer, client_as):
    node = make(signer=signer)
    result = node.run(once=True)
    cp = Checkpoint.objects.latest()
    assert result is not None
    assert (result.size, result.new_entries, result.cosigned) == (cp.size, cp.size, True)
    copy = node.copy.root
    # The copy is the hub's record as tlog-tiles files, byte for byte.
    c = client_as("de-delegate")
    for rel in (
        "tile/0/000",
        f"tile/0/001.p/{cp.size - 256}",
        "tile/1/000.p/1",
        "tile/entries/000",
        f"tile/entries/001.p/{cp.size - 256}",
    ):
        assert (copy / rel).read_bytes() == c.get(f"/record/{rel}").content, rel
    assert (copy / f"checkpoints/{cp.size}").read_text() == cp.note
    assert (copy / "content/0.json").exists()  # the depositary's key, act 0
    assert mirror_copy.copy_verify(copy, workers=1).startswith(f"OK: {cp.size} entries")
    # The hub checked and kept the cosignature, serves it and shows who witnessed.
    kept = Cosignature.objects.get()
    assert (kept.checkpoint.size, kept.party.code, kept.name) == (cp.size, "fr", signer.name)
    note = c.get("/record/checkpoint").content.decode()
    assert cosign.cosignature_verify(note, signer.key).line == kept.line
    served_copy = (copy / "checkpoint").read_text()
    assert cosign.cosignature_verify(served_copy, signer.key).line == kept.line
    checkpoints.checkpoint_verify(served_copy, checkpoints.VerifierKey.parse(node.state.vkey))
    page = c.get("/record/").content.decode()
    assert "Witnessed by" in page
    assert 'class="witness"' in page
    assert "France" in page
    # Nothing new: the next round changes nothing and sends nothing again.
    again = node.run(once=True)
    assert again is not None
    assert again.new_entries == 0
    assert Cosignature.objects.count() == 1


def test_mirror_extends_its_copy_across_tile_boundaries(hub, make, signer):
    node = make(signer=signer)
    node.run(once=True)
    _acts(520 - Act.objects.count())
    checkpoints.checkpoint_publish(force=True)
    result = node.run(once=True)
    assert result is not None
    assert (result.size, result.new_entries) == (520, 520 - 300)
    copy = node.copy.root
    assert (copy / "tile/0/001").stat().st_size == 256 * 32
    assert not (copy / "tile/0/001.p").exists()  # partial tiles go once the full one is there
    assert not (copy / "tile/entries/001.p").exists()
    assert (copy / "tile/0/002.p/8").exists()
    assert (copy / "tile/1/000.p/2").read_bytes() == b"".join(
        bytes(h)
        for h in Tile.objects.filter(level=0).order_by("index").values_list("root", flat=True)
    )
    assert sorted(p.name for p in (copy / "checkpoints").iterdir()) == ["300", "520"]
    assert mirror_copy.copy_verify(copy, workers=1).startswith("OK: 520 entries")
    assert Cosignature.objects.filter(checkpoint__size=520, party__code="fr").exists()


def test_a_damaged_copy_is_found_by_verify_copy(hub, make):
    node = make()
    node.run(once=True)
    bundle = node.copy.root / "tile/entries/000"
    data = bytearray(bundle.read_bytes())
    data[40] ^= 1
    bundle.write_bytes(bytes(data))
    with pytest.raises(verify.VerificationFailed):
        mirror_copy.copy_verify(node.copy.root, workers=1)


# --- a dishonest hub -----------------------------------------------------------------------


def test_a_rollback_raises_an_alarm_and_the_mirror_refuses_to_go_on(hub, make):
    node = make()
    node.run(once=True)
    accepted = node.state.size
    forged = _hub_signs(accepted - 5, tree.root(_subtree(), accepted - 5))
    with pytest.raises(mirror.MirrorAlarm) as raised:
        node.run(once=True)
    assert raised.value.kind == mirror.AlarmKind.ROLLBACK
    alarm = _alarm_of(node)
    assert alarm["kind"] == "rollback"
    assert alarm["accepted"]["size"] == accepted
    evidence = [node.copy.root / rel for rel in alarm["evidence"]]
    assert [p.read_text() for p in evidence] == [forged]
    # Even an honest hub again does not move it: an operator must look first.
    _hub_honest_again()
    with pytest.raises(mirror.MirrorAlarm, match="will not go on until"):
        node.run(once=True)
    assert node.state.size == accepted


def _subtree() -> Any:
    leaves = [bytes(h) for h in Act.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    return tree.subtree_from_leaves(leaves)


def test_another_tree_of_the_same_size_is_a_split_view(hub, make):
    node = make()
    node.run(once=True)
    _hub_signs(node.state.size, tree.leaf_hash(b"another history"))
    with pytest.raises(mirror.MirrorAlarm) as raised:
        node.run(once=True)
    assert raised.value.kind == mirror.AlarmKind.SPLIT_VIEW
    assert _alarm_of(node)["kind"] == "split-view"


def test_a_larger_tree_that_rewrites_an_old_entry_is_a_split_view(hub, make):
    node = make()
    node.run(once=True)
    act = Act.objects.get(seq=7)
    forged = bytes(act.entry).replace(b'"agent":"', b'"agent":"x', 1)
    Act.objects.filter(seq=7).update(entry=forged, leaf_hash=tree.leaf_hash(forged))
    Tile.objects.all().delete()
    for seq in range(Act.objects.count()):
        tiles_on_append(seq)
    _acts(3)
    _hub_honest_again()  # a checkpoint of the rewritten tree, properly signed
    with pytest.raises(mirror.MirrorAlarm) as raised:
        node.run(once=True)
    assert raised.value.kind == mirror.AlarmKind.SPLIT_VIEW
    assert "does not extend" in raised.value.message


def test_a_changed_new_entry_is_a_bad_entry_and_nothing_of_it_is_kept(hub, make):
    node = make()
    node.run(once=True)
    accepted = node.state.size
    _acts(5)
    checkpoints.checkpoint_publish(force=True)
    bad = accepted + 2
    act = Act.objects.get(seq=bad)
    forged = bytes(act.entry).replace(b'"agent":"', b'"agent":"x', 1)
    Act.objects.filter(seq=bad).update(entry=forged)  # the tree still holds the old leaf
    with pytest.raises(mirror.MirrorAlarm) as raised:
        node.run(once=True)
    assert raised.value.kind == mirror.AlarmKind.BAD_ENTRY
    assert f"entry {bad}" in raised.value.message
    assert node.state.size == accepted
    kept = json.loads((node.copy.root / mirror_copy.STATE_FILE).read_text())
    assert kept["size"] == accepted
    assert not (node.copy.root / f"checkpoints/{accepted + 5}").exists()
    assert not (node.copy.root / mirror_copy.STAGING_DIR).exists()
    evidence = [node.copy.root / rel for rel in _alarm_of(node)["evidence"]]
    assert any(forged in p.read_bytes() for p in evidence)


def test_a_checkpoint_not_signed_by_the_pinned_key_raises_an_alarm(hub, make):
    from concord.parties import keys

    node = make()
    node.run(once=True)
    public, private = keys.generate_keypair()
    name = checkpoints.origin()
    cp = Checkpoint.objects.latest()
    Checkpoint.objects.filter(pk=cp.pk).update(
        note=checkpoints.note_sign(
            checkpoints.checkpoint_body(name, cp.size, bytes(cp.root)),
            name,
            keys.encrypt_secret(private),
            public,
        )
    )
    with pytest.raises(mirror.MirrorAlarm) as raised:
        node.run(once=True)
    assert raised.value.kind == mirror.AlarmKind.BAD_SIGNATURE


# --- a hub that goes away ------------------------------------------------------------------


def test_a_hub_that_goes_away_is_caught_up_with_when_it_comes_back(hub, make, signer, said):
    node = make(signer=signer)
    node.run(once=True)
    hub.stop()
    _acts(40)
    checkpoints.checkpoint_publish(force=True)
    back = threading.Timer(0.6, hub.start)
    back.start()
    try:
        result = node.run(once=True, retries=50)
    finally:
        back.join()
    assert result is not None
    assert result.size == Act.objects.count()
    assert "cannot reach the hub" in said.errors()
    assert "trying again in" in said.errors()
    assert mirror_copy.copy_verify(node.copy.root, workers=1).startswith(f"OK: {result.size}")
    assert Cosignature.objects.filter(checkpoint__size=result.size).exists()


def test_a_refused_cosignature_is_sent_again_once_the_key_is_registered(
    hub, make, signer, said, user
):
    delegate = user("fr-delegate")
    node = make(signer=signer, token=psvc.token_create(agent=delegate, user=delegate, name="m")[1])
    node.run(once=True)
    assert "refuses this mirror's witness key" in said.errors()
    assert node.state.cosignature is not None
    assert not node.state.cosignature["sent"]
    assert not Cosignature.objects.exists()
    # The head of delegation registers the key; the next round delivers what waited.
    witnesses.witness_key_register(agent=user("fr-head"), vkey=signer.key.vkey)
    node.run(once=True)
    assert node.state.cosignature["sent"]
    assert Cosignature.objects.get().line == node.state.cosignature["line"]


# --- keys ----------------------------------------------------------------------------------


def test_first_run_pins_the_hubs_key_with_a_notice_and_holds_to_it(hub, make, said, tmp_path):
    node = make(vkey=None, directory=tmp_path / "tofu")
    node.run(once=True)
    assert node.state.vkey == checkpoints.depositary_vkey()
    assert "trusts the key the hub sends, on first use" in said.errors()
    other = checkpoints.vkey(checkpoints.origin(), bytes(32))
    with pytest.raises(mirror_copy.MirrorError, match="--repin"):
        make(vkey=other, directory=tmp_path / "tofu").run(once=True)


def test_the_hub_refuses_a_witness_key_other_than_the_one_registered(
    hub, make, signer, said, tmp_path
):
    first = make(signer=signer)
    first.run(once=True)
    impostor = cosign.WitnessSigner.generate(signer.name)
    node = make(signer=impostor, directory=tmp_path / "second")
    node.run(once=True)
    assert ERR_NAME_TAKEN % {"name": signer.name} in said.errors()
    assert (
        ERR_WRONG_KEY
        % {
            "name": signer.name,
            "expected": signer.key.key_id.hex(),
            "given": impostor.key.key_id.hex(),
        }
        in said.errors()
    )
    assert node.state.cosignature is not None
    assert not node.state.cosignature["sent"]
    assert first.state.cosignature is not None
    assert [c.line for c in Cosignature.objects.all()] == [first.state.cosignature["line"]]
    # The party's head may replace the key deliberately.
    replaced = make(signer=impostor, directory=tmp_path / "second", replace_key=True)
    _acts(1)
    checkpoints.checkpoint_publish(force=True)
    replaced.run(once=True)
    assert Cosignature.objects.filter(name=signer.name).count() == 2


# --- the command ----------------------------------------------------------------------------


def _command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("mirror", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_makes_a_key_mirrors_cosigns_and_exits_2_on_an_alarm(hub, token, tmp_path):
    key = tmp_path / "witness.key"
    out, _ = _command(hub.url, "--token", token, "--init-key", str(key))
    vkey = out.strip()
    assert vkey.startswith("concord.localhost/record/witness/fr+")
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert cosign.WitnessSigner.parse(key.read_text()).key.vkey == vkey
    with pytest.raises(CommandError, match="never overwritten"):
        _command("--init-key", str(key), "--name", "x.example/w")
    copy = tmp_path / "copy"
    base = [hub.url, "--token", token, "--dir", str(copy), "--once", "--backoff", "0.05"]
    out, _ = _command(*base, "--cosign-key", str(key), "--vkey", checkpoints.depositary_vkey())
    assert "accepted the checkpoint of 300 entries (+300), cosigned" in out
    assert "registered witness key" in out
    assert Cosignature.objects.filter(name=vkey.split("+")[0]).exists()
    out, _ = _command("--dir", str(copy), "--verify-copy")
    assert out.startswith("OK: 300 entries")
    _hub_signs(290, tree.root(_subtree(), 290))
    err_stream = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("mirror", *base, stdout=io.StringIO(), stderr=err_stream)
    assert raised.value.returncode == 2
    assert "ALARM (rollback)" in err_stream.getvalue()
    assert "refuses to go on" in err_stream.getvalue()


def test_the_command_gives_up_on_a_hub_that_stays_away(hub, token, tmp_path):
    hub.stop()
    with pytest.raises(CommandError, match="gave up after 2 attempts") as raised:
        _command(
            hub.url,
            "--token",
            token,
            "--dir",
            str(tmp_path / "copy"),
            "--once",
            "--retries",
            "1",
            "--backoff",
            "0.05",
        )
    assert raised.value.returncode == 1
