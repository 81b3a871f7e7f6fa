"""A party's mirror of the hub's record (``concord mirror URL --token T --dir DIR``).

The mirror reads the hub only through its C2SP tlog-tiles API (and the JSON proofs and
key-act content the record's client uses), checks everything it reads, keeps a full
copy and cosigns each checkpoint it accepts (C2SP tlog-cosignature). The copy is a
plain directory laid out as tlog-tiles (delivery.mirror_copy), so a party can serve it
or archive it as is:

    checkpoint                  the latest checkpoint accepted, with this mirror's cosignature
    checkpoints/<size>          every checkpoint accepted, as the hub served it
    tile/<L>/<N>[.p/<W>]        hash tiles, computed here from the entries
    tile/entries/<N>[.p/<W>]    entry bundles
    content/<seq>.json          the content of key acts (signature checks need it)
    mirror.json                 state: hub, pinned verifier key, size and root accepted, keys
    ALARM.json                  only after a fault; the mirror refuses to go on while it exists
    evidence/                   what the hub served that shows the fault

A round: fetch the checkpoint and check its signature under the pinned key; if the tree
grew, check the hub's consistency proof from the size accepted before, reproduce the
old root from the copy, fetch the new entries, check each one (well-formed, numbered in
order, signed with a key its party held at the time), compute the new tiles and compare
them with the hub's (so each leaf hash is checked), and check that the copy's tree now
has the checkpoint's root. Only then are the new files moved into place, the state
written and the checkpoint cosigned. A smaller tree (rollback), another tree of the same
size or one that does not extend the old (split view), a bad signature or a bad entry
raise an alarm: written to ALARM.json with the evidence, and the mirror stops.

Every file is written whole or not at all (a temporary file, synced, then renamed); a
round's new files wait under ``.staging`` until every check has passed, and
``mirror.json`` is written last, so a mirror killed at any point starts again from the
last state it accepted.
"""

from __future__ import annotations

import base64
import copy as copying
import json
import os
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn

from concord.delivery.mirror_copy import (
    HASH_SIZE,
    STAGING_DIR,
    STATE_FILE,
    TILE_WIDTH,
    Copy,
    CopyAccumulator,
    CopyDamaged,
    MirrorError,
    MirrorState,
    Staging,
    TileBuilder,
    TileMade,
    bundle_encode,
    bundle_rel,
)
from concord.record import checkpoints, client, cosign, entry, tree, verify

ALARM_FILE = "ALARM.json"
# Above this many new entries, signatures are checked on every core.
CATCH_UP_PARALLEL = 20_000


class AlarmKind(StrEnum):
    """What a mirror alarms on."""

    ROLLBACK = "rollback"
    """The hub shows a smaller tree than one it signed and the mirror accepted."""
    SPLIT_VIEW = "split-view"
    """Another tree of the same size, or a larger tree that does not extend the one
    accepted: the hub shows different histories to different readers."""
    BAD_SIGNATURE = "bad-signature"
    """The checkpoint does not verify under the pinned verifier key."""
    BAD_ENTRY = "bad-entry"
    """An entry is malformed, out of order, wrongly signed, or not the one the tree holds."""
    BAD_TILE = "bad-tile"
    """The hub serves hash tiles that do not match its entries."""
    COPY_DAMAGED = "copy-damaged"
    """The mirror's own copy no longer makes the tree it accepted."""


class MirrorAlarm(Exception):
    """The hub did something an honest hub never does (or the copy was damaged)."""

    def __init__(self, kind: AlarmKind | str, message: str, evidence: list[str] | None = None):
        self.kind = AlarmKind(kind)
        self.message = message
        self.evidence = evidence or []
        super().__init__(f"{self.kind}: {message}")


class RoundFailed(Exception):
    """A round could not finish (the hub away or refusing a request); try again later."""


def _now() -> datetime:
    return datetime.now(tz=UTC)


def hub_request(
    url: str, token: str, path: str, payload: dict[str, Any] | None = None
) -> tuple[int, Any]:
    """GET (or, with ``payload``, POST as JSON) a path of the hub's API: the status and
    the decoded answer. Server errors and network faults raise ``HubUnreachable``."""
    request = urllib.request.Request(  # noqa: S310 (the operator's URL)
        url.rstrip("/") + path,
        data=json.dumps(payload).encode() if payload is not None else None,
        method="POST" if payload is not None else "GET",
    )
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise client.HubUnreachable(f"{path}: the hub answered {exc.code}") from None
        try:
            body = json.loads(exc.read() or b"{}")
        except ValueError:
            body = {}
        return exc.code, body
    except ValueError:
        raise RoundFailed(f"{path}: the hub's answer is not JSON") from None
    except OSError as exc:
        raise client.HubUnreachable(f"{path}: cannot reach the hub ({exc})") from None


def hub_json(url: str, token: str, path: str) -> Any:
    """The hub's JSON answer to a GET; a refusal is the operator's to fix."""
    status, body = hub_request(url, token, path)
    if status in (401, 403):
        raise MirrorError(f"{path}: the hub refuses the token ({status})")
    if status != 200:
        raise MirrorError(f"{path}: the hub answered {status}: {_detail(body)}")
    return body


@dataclass(frozen=True)
class RoundResult:
    """What one round did."""

    size: int
    new_entries: int = 0
    cosigned: bool = False
    empty: bool = False

    def summary(self) -> str:
        if self.empty:
            return "the hub's record is empty; nothing to mirror yet"
        if not self.new_entries:
            return f"up to date at {self.size} entries"
        cosigned = ", cosigned" if self.cosigned else ""
        return f"accepted the checkpoint of {self.size} entries (+{self.new_entries}){cosigned}"


# --- the mirror -----------------------------------------------------------------------------


def _stderr(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Mirror:
    """One party's mirror of one hub, kept in ``directory``."""

    def __init__(
        self,
        directory: Path,
        *,
        url: str,
        token: str = "",
        vkey: str | None = None,
        repin: bool = False,
        signer: cosign.WitnessSigner | None = None,
        replace_key: bool = False,
        backoff: tuple[float, float] = (1.0, 300.0),
        say: Callable[[str], None] = print,
        warn: Callable[[str], None] = _stderr,
    ):
        self.copy = Copy(directory)
        self.url = url.rstrip("/")
        self.token = token
        self.signer = signer
        self.replace_key = replace_key
        self.backoff = backoff
        self.say, self.warn = say, warn
        data = self.copy.read(STATE_FILE)
        self.state = MirrorState.load(data) if data is not None else MirrorState()
        self._vkey_given, self._repin = vkey, repin
        self._hub: client.RecordClient | None = None
        self._pinned = False
        self._registered = signer is None

    # --- HTTP -------------------------------------------------------------------------------

    @property
    def hub(self) -> client.RecordClient:
        if self._hub is None:
            self._hub = client.RecordClient(self.url, self.token, vkey=self.state.vkey)
        return self._hub

    def _json(self, path: str) -> Any:
        return hub_json(self.url, self.token, path)

    def _post(self, path: str, payload: dict[str, Any]) -> tuple[int, Any]:
        return hub_request(self.url, self.token, path, payload)

    # --- the pinned key and the witness --------------------------------------------------

    def _pin(self) -> None:
        """Pin the hub's verifier key: the one given, or on first use the hub's own."""
        given, pinned, hub = self._vkey_given, self.state.vkey, self.state.hub
        if given:
            try:
                checkpoints.VerifierKey.parse(given)
            except checkpoints.NoteError as exc:
                raise MirrorError(f"--vkey: {exc}") from None
            if pinned and given.strip() != pinned and not self._repin:
                raise MirrorError(
                    f"--vkey differs from the key pinned in {self.copy.path(STATE_FILE)} "
                    f"({pinned}); pass --repin to pin the new one"
                )
            if given.strip() != pinned:
                if pinned:
                    self.warn(f"NOTICE: re-pinning the hub's verifier key: {given.strip()}")
                self.state.vkey = given.strip()
        elif not pinned:
            fetched = str(self._json("/api/v1/record/vkey")["vkey"])
            try:
                checkpoints.VerifierKey.parse(fetched)
            except checkpoints.NoteError as exc:
                raise MirrorError(f"the hub's verifier key: {exc}") from None
            self.warn(
                "NOTICE: no --vkey given, so this mirror trusts the key the hub sends, on "
                f"first use:\n    {fetched}\nCompare it with the key the depositary publishes "
                "(`concord record vkey` on the hub, the record page) before relying on "
                f"this copy. It is now pinned in {self.copy.path(STATE_FILE)}."
            )
            self.state.vkey = fetched
        if hub != self.url:
            if hub:
                self.say(f"following the hub at {self.url} (was {hub})")
            self.state.hub = self.url
        if (self.state.vkey, self.state.hub) != (pinned, hub):
            self._hub = None
            self.copy.write(STATE_FILE, self.state.dump())
        self._pinned = True

    def _witness_register(self) -> None:
        """Tell the hub the key this mirror cosigns with (once per run)."""
        assert self.signer is not None
        status, body = self._post(
            "/api/v1/record/witnesses",
            {"vkey": self.signer.key.vkey, "replace": self.replace_key},
        )
        self._registered = True
        if status == 201:
            self.say(f"registered witness key {self.signer.key.vkey} (act #{body['act']})")
        elif status != 200:
            self.warn(
                f"WARNING: the hub refuses this mirror's witness key: {_detail(body)}\n"
                "The mirror goes on keeping and checking its copy; its cosignatures will "
                "be refused until the key is registered."
            )

    # --- alarms ---------------------------------------------------------------------------

    def alarm_current(self) -> dict[str, Any] | None:
        data = self.copy.read(ALARM_FILE)
        return json.loads(data) if data is not None else None

    def _alarm(
        self,
        kind: AlarmKind,
        message: str,
        *,
        notes: tuple[str, ...] = (),
        files: tuple[tuple[str, bytes | None], ...] = (),
    ) -> NoReturn:
        """Record the fault with its evidence, and stop."""
        stamp = _now().strftime("%Y%m%dT%H%M%SZ")
        evidence = []
        for i, note in enumerate(notes):
            rel = f"evidence/{stamp}-{kind}-checkpoint-{i}"
            self.copy.write(rel, note.encode())
            evidence.append(rel)
        for name, data in files:
            if data is not None:
                rel = f"evidence/{stamp}-{kind}-{name.replace('/', '_')}"
                self.copy.write(rel, data)
                evidence.append(rel)
        doc = {
            "kind": str(kind),
            "message": message,
            "at": _now().isoformat(),
            "hub": self.url,
            "accepted": {
                "size": self.state.size,
                "root": base64.b64encode(self.state.root).decode(),
                "checkpoint": f"checkpoints/{self.state.size}" if self.state.size else None,
            },
            "evidence": evidence,
        }
        self.copy.write(ALARM_FILE, json.dumps(doc, indent=1).encode() + b"\n")
        # Whatever the round had fetched stays out of the copy; the evidence has what counts.
        shutil.rmtree(self.copy.path(STAGING_DIR), ignore_errors=True)
        raise MirrorAlarm(kind, message, evidence)

    # --- a round --------------------------------------------------------------------------

    def round(self) -> RoundResult:
        """Fetch, check, keep and cosign the hub's checkpoint once."""
        alarm = self.alarm_current()
        if alarm is not None:
            raise MirrorAlarm(
                alarm["kind"],
                f"{alarm['message']} (raised {alarm['at']}; this mirror will not go on until "
                f"{self.copy.path(ALARM_FILE)} is removed)",
                alarm.get("evidence", []),
            )
        try:
            return self._round()
        except (client.HubUnreachable, client.HubRefused) as exc:
            raise RoundFailed(str(exc)) from None

    def _round(self) -> RoundResult:
        if not self._pinned:
            self._pin()
        if not self._registered:
            self._witness_register()
        try:
            note = self.hub.get("/record/checkpoint").decode()
        except client.HubRefused as exc:
            if exc.status == 404:
                return RoundResult(size=0, empty=True)
            if exc.status in (401, 403):
                raise MirrorError(f"the hub refuses the token ({exc.status})") from None
            raise
        except UnicodeDecodeError:
            note = ""
        try:
            cp = checkpoints.checkpoint_verify(note, self.hub.verifier)
        except checkpoints.NoteError as exc:
            self._alarm(
                AlarmKind.BAD_SIGNATURE,
                f"the hub's checkpoint does not verify under the pinned key: {exc}",
                notes=(note,),
            )
        old = self.state
        if cp.size < old.size:
            self._alarm(
                AlarmKind.ROLLBACK,
                f"the hub now shows {cp.size} entries after it had signed {old.size}",
                notes=(note,),
            )
        if cp.size == old.size:
            if cp.root != old.root:
                self._alarm(
                    AlarmKind.SPLIT_VIEW,
                    f"the hub shows another tree of {cp.size} entries than the one it "
                    "signed before",
                    notes=(note,),
                )
            cosigned = self._cosign(cp, note) if self._cosign_due(cp) else False
            self._cosignature_send()
            return RoundResult(size=cp.size, cosigned=cosigned)
        if old.size:
            try:
                self.hub.check_extends(client.Trusted(old.size, old.root, old.note), cp)
            except (client.HubUnreachable, client.HubRefused):
                raise
            except verify.VerificationFailed as exc:
                self._alarm(
                    AlarmKind.SPLIT_VIEW,
                    f"the tree of {cp.size} entries does not extend the tree of {old.size} "
                    f"the hub signed before: {exc}",
                    notes=(note,),
                )
        accepted_before = old.size
        self._sync(cp, note)
        cosigned = self._cosign(cp, note)
        self._cosignature_send()
        return RoundResult(size=cp.size, new_entries=cp.size - accepted_before, cosigned=cosigned)

    def _sync(self, cp: checkpoints.SignedCheckpoint, note: str) -> None:
        """Fetch and check the entries from the size accepted to ``cp.size``; keep them."""
        old = self.state
        staging = Staging(self.copy)
        made: list[TileMade] = []
        full_bundles: list[int] = []

        def tile_made(tile: TileMade) -> None:
            staging.write(tile.rel, b"".join(tile.hashes))
            made.append(tile)

        try:
            accumulator = CopyAccumulator(old.size, self.copy.subtree_at(old.size))
            builder = TileBuilder(old.size, tile_made, self.copy)
            index, width = divmod(old.size, TILE_WIDTH)
            bundle = self.copy.bundle_entries(index, width) if width else []
        except CopyDamaged as exc:
            self._alarm(AlarmKind.COPY_DAMAGED, str(exc), notes=(note,))
        if accumulator.root() != old.root:
            self._alarm(
                AlarmKind.COPY_DAMAGED,
                f"the copy no longer makes the tree of {old.size} entries it accepted",
                notes=(note,),
            )
        workers = 1 if cp.size - old.size < CATCH_UP_PARALLEL else (os.cpu_count() or 1)
        verifier = verify.Verifier(
            workers=workers, keys=copying.deepcopy(old.keys), accumulator=accumulator
        )
        feeding: verify.Item | None = None
        try:
            with verifier:
                for item in self.hub.entries(cp.size, start=old.size):
                    feeding = item
                    verifier.feed(item)
                    builder.push(tree.leaf_hash(item.raw))
                    bundle.append(item.raw)
                    feeding = None
                    if item.content is not None:
                        staging.write(f"content/{item.seq}.json", entry.canonical(item.content))
                    if len(bundle) == TILE_WIDTH:
                        staging.write(bundle_rel(index, TILE_WIDTH), bundle_encode(bundle))
                        full_bundles.append(index)
                        index, bundle = index + 1, []
                if bundle:
                    staging.write(bundle_rel(index, len(bundle)), bundle_encode(bundle))
                builder.finish()
                self._tiles_compare(made, staging, note)
                verifier.finish(note, old.vkey)
        except (client.HubUnreachable, client.HubRefused):
            staging.discard()
            raise
        except verify.VerificationFailed as exc:
            bad = exc.seq if exc.seq is not None else cp.size
            served = staging.read(bundle_rel(bad // TILE_WIDTH, TILE_WIDTH))
            if served is None and bundle:
                served = bundle_encode(bundle)
            # The entry being checked when the fault showed, if it was not yet bundled.
            single = ("entry", feeding.raw) if feeding is not None else ("entry", None)
            self._alarm(
                AlarmKind.BAD_ENTRY,
                f"the hub serves entries that do not check: {exc}",
                notes=(note,),
                files=(("entries", served), single),
            )
        except (ValueError, KeyError, TypeError) as exc:
            staging.discard()
            raise RoundFailed(
                f"the hub served something that is not what was asked: {exc!r}"
            ) from None
        staging.write(f"checkpoints/{cp.size}", note.encode())
        staging.commit()
        self.state.size, self.state.root, self.state.note = cp.size, cp.root, note
        self.state.keys = verifier.keys
        self.copy.write(STATE_FILE, self.state.dump())
        self.copy.write("checkpoint", note.encode())
        # Partial tiles may go once the full tile is there (C2SP tlog-tiles).
        for tile in made:
            if tile.width == TILE_WIDTH:
                shutil.rmtree(self.copy.path(tile.rel + ".p"), ignore_errors=True)
        for n in full_bundles:
            shutil.rmtree(self.copy.path(bundle_rel(n, TILE_WIDTH) + ".p"), ignore_errors=True)

    def _tiles_compare(self, made: list[TileMade], staging: Staging, note: str) -> None:
        """The hub's tiles must be the ones computed here from its entries."""
        for tile in made:
            served = self.hub.get(f"/record/{tile.rel}")
            ours = b"".join(tile.hashes)
            if served == ours:
                continue
            if tile.level == 0:
                theirs = [served[i : i + HASH_SIZE] for i in range(0, len(served), HASH_SIZE)]
                first = next(
                    (i for i, h in enumerate(tile.hashes) if i >= len(theirs) or theirs[i] != h),
                    len(tile.hashes),
                )
                seq = tile.index * TILE_WIDTH + first
                self._alarm(
                    AlarmKind.BAD_ENTRY,
                    f"entry {seq} does not hash to the leaf hash the hub serves in tile {tile.rel}",
                    notes=(note,),
                    files=(
                        ("entries", staging.read(bundle_rel(tile.index, tile.width))),
                        (tile.rel, served),
                    ),
                )
            self._alarm(
                AlarmKind.BAD_TILE,
                f"the hub's tile {tile.rel} does not match the entries it serves",
                notes=(note,),
                files=((tile.rel, served),),
            )

    # --- cosignatures -----------------------------------------------------------------------

    def _cosign_due(self, cp: checkpoints.SignedCheckpoint) -> bool:
        pending = self.state.cosignature
        if self.signer is None:
            return False
        # A new checkpoint, or a witness key other than the one that cosigned last.
        return pending is None or (pending["size"], pending.get("vkey")) != (
            cp.size,
            self.signer.key.vkey,
        )

    def _cosign(self, cp: checkpoints.SignedCheckpoint, note: str) -> bool:
        """Cosign the checkpoint just accepted; the served copy's checkpoint carries it."""
        if self.signer is None:
            return False
        cosignature = cosign.cosign(cp.body, self.signer, timestamp=int(time.time()))
        self.state.cosignature = {
            "size": cp.size,
            "vkey": self.signer.key.vkey,
            "line": cosignature.line,
            "sent": False,
        }
        self.copy.write(STATE_FILE, self.state.dump())
        self.copy.write("checkpoint", f"{note}{cosignature.line}\n".encode())
        return True

    def _cosignature_send(self) -> None:
        pending = self.state.cosignature
        if pending is None or pending["sent"]:
            return
        status, body = self._post(
            "/api/v1/record/cosignatures",
            {"size": pending["size"], "cosignature": pending["line"]},
        )
        if status in (200, 201):
            pending["sent"] = True
            pending.pop("refused", None)
        else:
            detail = _detail(body)
            if pending.get("refused") != detail:
                self.warn(
                    f"WARNING: the hub refuses this mirror's cosignature of "
                    f"{pending['size']} entries: {detail}"
                )
            pending["refused"] = detail
        self.copy.write(STATE_FILE, self.state.dump())

    # --- running --------------------------------------------------------------------------

    def run(
        self,
        *,
        once: bool = False,
        interval: float = 60.0,
        retries: int = 5,
        stop: threading.Event | None = None,
    ) -> RoundResult | None:
        """Rounds every ``interval`` seconds until ``stop`` is set (or one, with
        ``once``). A round that fails is tried again after a wait that doubles up to
        the backoff's maximum; with ``once``, ``retries`` times at most."""
        stop = stop or threading.Event()
        delay, failures = self.backoff[0], 0
        result = None
        while True:
            try:
                result = self.round()
            except RoundFailed as exc:
                failures += 1
                if once and failures > retries:
                    raise MirrorError(f"gave up after {failures} attempts: {exc}") from None
                self.warn(f"{exc}; trying again in {delay:g} s")
                if stop.wait(delay):
                    return result
                delay = min(delay * 2, self.backoff[1])
                continue
            delay, failures = self.backoff[0], 0
            self.say(result.summary())
            if once or stop.wait(interval):
                return result


def _detail(body: Any) -> str:
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])
    return "no reason given"


def alarm_text(alarm: MirrorAlarm, directory: Path) -> str:
    """The alarm as the operator should see it: loud, and saying what to do."""
    bar = "!" * 78
    lines = [
        bar,
        f"ALARM ({alarm.kind}): {alarm.message}",
        *(f"  evidence: {directory / rel}" for rel in alarm.evidence),
        "This mirror has stopped and refuses to go on. Keep the evidence, tell the other",
        "parties and the depositary, and see docs/delivery.md (Mirrors, alarms). Once the",
        f"matter is settled, remove {directory / ALARM_FILE} to let the mirror go on.",
        bar,
    ]
    return "\n".join(lines)


def witness_name_default(url: str, token: str) -> str:
    """``<record origin>/witness/<party code>``: a name that says whose witness it is."""
    me = hub_json(url, token, "/api/v1/me")
    origin = hub_json(url, token, "/api/v1/record/vkey")["origin"]
    if not me.get("party"):
        raise MirrorError("the token is not a party member's: give --name")
    return f"{origin}/witness/{me['party']}"
