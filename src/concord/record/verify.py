"""Full verification of the record, from the entries alone.

The same checks run on the local database, on a remote hub read through its tlog-tiles
API, and on an export file:

- numbers run from 0 without a gap, each entry names its own number;
- every entry is well-formed JSON, and its leaf hash is recomputed;
- every signature verifies under the key its owner had published in the record and
  that was valid at the entry's time (keys are learnt from ``key.published`` and
  ``key.rotated`` acts, whose public content is checked against their digests);
- where content is at hand, it matches the entry's digest or salted commitment;
- the tree recomputed from the entries has the root of the signed checkpoint, whose
  signature verifies under the verifier key.

Signatures, the expensive part, are checked in batches on every core.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from concord.record import checkpoints, entry, tree

BATCH = 2048


class VerificationFailed(Exception):
    """The record is not what it claims; ``seq`` is the first bad entry, if any."""

    def __init__(self, message: str, seq: int | None = None):
        self.seq = seq
        super().__init__(f"entry {seq}: {message}" if seq is not None else message)


@dataclass
class Item:
    """One entry as read, with its content when the reader may see it."""

    seq: int
    raw: bytes
    content: dict[str, Any] | None = None
    salt: bytes | None = None


@dataclass
class KeyRecord:
    owner: str
    public: bytes
    valid_from: str
    valid_until: str | None = None


def _verify_batch(batch: list[tuple[int, bytes, bytes, bytes]]) -> int | None:
    """The first number in ``batch`` whose signature fails, or None. Runs in workers."""
    for seq, public, signature, message in batch:
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
        except (InvalidSignature, ValueError):
            return seq
    return None


@dataclass
class Verifier:
    """Feed it every entry in order, then ``finish`` with the checkpoint."""

    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    progress: Callable[[int], None] | None = None
    keys: dict[str, KeyRecord] = field(default_factory=dict)
    accumulator: tree.RootAccumulator = field(default_factory=tree.RootAccumulator)
    roots: dict[int, bytes] = field(default_factory=dict)
    _batch: list[tuple[int, bytes, bytes, bytes]] = field(default_factory=list)
    _pending: list[Any] = field(default_factory=list)
    _pool: ProcessPoolExecutor | None = None
    watch_sizes: set[int] = field(default_factory=set)

    def __enter__(self) -> Verifier:
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(self.workers)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def feed(self, item: Item) -> None:
        seq = self.accumulator.size
        if item.seq != seq:
            raise VerificationFailed(f"expected entry {seq} here, found {item.seq}", seq)
        try:
            body = json.loads(item.raw)
            sig = body.pop("sig")
            key_id, signature = sig["key"], base64.b64decode(sig["ed25519"])
            message = entry.signed_message(item.raw)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise VerificationFailed("not a well-formed entry", seq) from None
        if body.get("seq") != seq:
            raise VerificationFailed(f"entry names itself {body.get('seq')}", seq)
        self._check_content(seq, body, item)
        key = self.keys.get(key_id)
        if (
            key is None
            and body.get("type") == "key.published"
            and item.content is not None
            and item.content.get("key") == key_id
        ):
            # A first key is published in an act signed with itself (proof of possession).
            key = self._learn_key(seq, item.content)
        if key is None:
            raise VerificationFailed(
                f"signed with key {key_id}, which the record never published", seq
            )
        if key.owner != body.get("actor"):
            raise VerificationFailed(
                f"signed with a key of {key.owner}, not of {body.get('actor')}", seq
            )
        valid = key.valid_from <= body["time"] and (
            key.valid_until is None or body["time"] < key.valid_until
        )
        # A rotation is signed with the old key just as it retires.
        if not valid and body.get("type") != "key.rotated":
            raise VerificationFailed(f"key {key_id} was not valid at {body['time']}", seq)
        self._batch.append((seq, key.public, signature, message))
        if len(self._batch) >= BATCH:
            self._flush()
        if item.content is not None and body.get("type") in ("key.published", "key.rotated"):
            self._learn_key(seq, item.content)
        self.accumulator.push(tree.leaf_hash(item.raw))
        if self.accumulator.size in self.watch_sizes:
            self.roots[self.accumulator.size] = self.accumulator.root()
        if self.progress is not None and self.accumulator.size % 10000 == 0:
            self.progress(self.accumulator.size)

    def _check_content(self, seq: int, body: dict[str, Any], item: Item) -> None:
        if item.content is None:
            return
        claimed = body.get("content", {})
        if "digest" in claimed:
            if entry.content_digest(item.content) != claimed["digest"]:
                raise VerificationFailed("content does not match the entry's digest", seq)
        elif (
            "commitment" in claimed
            and item.salt is not None
            and entry.content_commitment(item.content, item.salt) != claimed["commitment"]
        ):
            raise VerificationFailed("content does not match the entry's commitment", seq)

    def _learn_key(self, seq: int, content: dict[str, Any]) -> KeyRecord:
        published = content.get("new", content)
        try:
            key = KeyRecord(
                owner=published["owner"],
                public=base64.b64decode(published["ed25519"]),
                valid_from=published["valid_from"],
            )
            key_id = published["key"]
        except (KeyError, ValueError, TypeError):
            raise VerificationFailed("a key act without a well-formed key", seq) from None
        old = content.get("old")
        if old and old in self.keys:
            self.keys[old].valid_until = key.valid_from
        self.keys[key_id] = key
        return key

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self._pool is None:
            bad = _verify_batch(batch)
            if bad is not None:
                raise VerificationFailed("signature does not verify", bad)
            return
        self._pending.append(self._pool.submit(_verify_batch, batch))
        # Keep a bounded number of batches in flight.
        while len(self._pending) > 2 * self.workers:
            self._collect(self._pending.pop(0))

    def _collect(self, future: Any) -> None:
        bad = future.result()
        if bad is not None:
            raise VerificationFailed("signature does not verify", bad)

    def finish(self, note: str | None, vkey: str | None, *, require_checkpoint: bool = True) -> str:
        """Check the last signatures and the checkpoint; the one-line verdict."""
        self._flush()
        for future in self._pending:
            self._collect(future)
        self._pending = []
        size = self.accumulator.size
        if note is None:
            if not size:
                return "OK: the record is empty"
            if require_checkpoint:
                raise VerificationFailed("no checkpoint to check the tree against")
            return f"OK: {size} entries, every signature valid; no checkpoint signed yet"
        if vkey is None:
            raise VerificationFailed("no verifier key to check the checkpoint with")
        try:
            cp = checkpoints.checkpoint_verify(note, checkpoints.VerifierKey.parse(vkey))
        except checkpoints.NoteError as exc:
            raise VerificationFailed(f"checkpoint: {exc}") from None
        if cp.size > size:
            raise VerificationFailed(
                f"the checkpoint covers {cp.size} entries but only {size} exist", size
            )
        root = self.roots.get(cp.size) if cp.size != size else self.accumulator.root()
        if root is None:
            raise VerificationFailed("the checkpoint's tree size was not watched")
        if root != cp.root:
            raise VerificationFailed(
                f"the entries do not make the tree the checkpoint signs (size {cp.size})"
            )
        return (
            f"OK: {size} entries, every signature valid, tree of {cp.size} matches the "
            f"checkpoint signed by {cp.origin}"
        )


def verify_items(
    items: Iterable[Item],
    *,
    note: str | None,
    vkey: str | None,
    checkpoint_size: int | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    require_checkpoint: bool = True,
) -> str:
    verifier = Verifier(workers=workers or os.cpu_count() or 1, progress=progress)
    if checkpoint_size is not None:
        verifier.watch_sizes.add(checkpoint_size)
    with verifier:
        for item in items:
            verifier.feed(item)
        return verifier.finish(note, vkey, require_checkpoint=require_checkpoint)


def local_items(chunk: int = 5000, *, upto: int | None = None) -> Iterable[Item]:
    """Every act in the database, in order, with the columns cross-checked against the
    entry (a changed column is as much a fault as a changed entry)."""
    from concord.record.models import Act

    last = -1
    while True:
        rows = list(
            Act.objects.filter(seq__gt=last)
            .order_by("seq")
            .values_list("seq", "entry", "content", "salt", "leaf_hash", "type", "time")[:chunk]
        )
        if not rows:
            return
        for seq, raw, content, salt, leaf, type_, time in rows:
            if upto is not None and seq >= upto:
                return
            data = bytes(raw)
            if bytes(leaf) != tree.leaf_hash(data):
                raise VerificationFailed("stored leaf hash does not match the entry", seq)
            doc = json.loads(data)
            if doc.get("type") != type_ or doc.get("time") != entry.format_time(time):
                raise VerificationFailed("stored columns differ from the signed entry", seq)
            yield Item(seq=seq, raw=data, content=content, salt=bytes(salt) if salt else None)
        last = rows[-1][0]


def verify_local(
    *, progress: Callable[[int], None] | None = None, workers: int | None = None
) -> str:
    """Verify the database this process uses; raises VerificationFailed at the first fault."""
    from concord.record.models import Checkpoint, Tile
    from concord.record.proofs import head_size

    cp = Checkpoint.objects.order_by("-size").first()
    head = head_size()
    verdict = verify_items(
        local_items(upto=head),
        note=cp.note if cp else None,
        vkey=_vkey_for_note(cp.note) if cp else None,
        checkpoint_size=cp.size if cp else None,
        workers=workers,
        progress=progress,
        require_checkpoint=False,
    )
    # The stored tiles must agree with the entries too: proofs are served from them.
    from concord.record.tiles import TileReader, fold

    for level, index, hashes, root in Tile.objects.order_by("level", "index").values_list(
        "level", "index", "hashes", "root"
    ):
        if (index + 1) * 256 ** (level + 1) > head:
            raise VerificationFailed(f"stored tile {level}/{index} lies beyond the tree")
        derived = TileReader().hashes(level, index, 256, stored=False)
        if b"".join(derived) != bytes(hashes) or fold(derived) != bytes(root):
            raise VerificationFailed(f"stored tile {level}/{index} does not match the entries")
    return verdict


def _vkey_for_note(note: str) -> str:
    """The verifier key of the depositary key that signed ``note`` (local database)."""
    from concord.parties.models import SigningKey

    cp = checkpoints.note_parse(note)
    for key in SigningKey.objects.filter(party=None):
        if checkpoints.key_hash(cp.origin, bytes(key.public_key)) in {
            h for _, h, _ in cp.signatures
        }:
            return checkpoints.vkey(cp.origin, bytes(key.public_key))
    raise VerificationFailed("the checkpoint is signed by no key of the depositary")
