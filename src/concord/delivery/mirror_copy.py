"""A mirror's copy of the record on disk: a plain directory laid out as C2SP tlog-tiles
(``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``), the state of what the mirror
has accepted (``mirror.json``), the staging area where a round's files wait until every
check has passed, the tile arithmetic that extends the copy from the entries alone, and
the check of a whole copy from its files (``concord mirror --verify-copy``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from concord.record import client, tree, verify
from concord.record.tiles import fold

STATE_FILE = "mirror.json"
STATE_FORMAT = "concord-mirror/1"
STAGING_DIR = ".staging"
TILE_WIDTH = client.TILE_WIDTH
HASH_SIZE = 32


class MirrorError(Exception):
    """The mirror cannot run as asked: configuration, token, key file."""


class CopyDamaged(Exception):
    """A file the copy should hold is missing or of the wrong size."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a synced temporary file, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def tile_rel(level: int, index: int, width: int) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{client.tile_path(index)}{suffix}"


def bundle_rel(index: int, width: int) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/entries/{client.tile_path(index)}{suffix}"


def bundle_encode(entries: list[bytes]) -> bytes:
    """An entry bundle: each entry prefixed with its length (16 bits, big-endian)."""
    return b"".join(len(raw).to_bytes(2, "big") + raw for raw in entries)


class Copy:
    """The mirror's directory."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read(self, rel: str) -> bytes | None:
        try:
            return self.path(rel).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, rel: str, data: bytes) -> None:
        write_atomic(self.path(rel), data)

    def tile_hashes(self, level: int, index: int, width: int) -> list[bytes]:
        """The first ``width`` hashes of tile ``level/index`` (from the partial tile of
        that width, or from the full tile once it exists)."""
        data = self.read(tile_rel(level, index, width))
        if data is None and width < TILE_WIDTH:
            full = self.read(tile_rel(level, index, TILE_WIDTH))
            data = full[: width * HASH_SIZE] if full is not None else None
        if data is None or len(data) != width * HASH_SIZE:
            raise CopyDamaged(f"{tile_rel(level, index, width)} is missing or damaged")
        return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]

    def bundle_entries(self, index: int, width: int) -> list[bytes]:
        data = self.read(bundle_rel(index, width))
        if data is None and width < TILE_WIDTH:
            full = self.read(bundle_rel(index, TILE_WIDTH))
            data = bundle_encode(client.split_bundle(full)[:width]) if full is not None else None
        if data is None:
            raise CopyDamaged(f"{bundle_rel(index, width)} is missing")
        entries = client.split_bundle(data)
        if len(entries) != width:
            raise CopyDamaged(f"{bundle_rel(index, width)} holds {len(entries)} entries")
        return entries

    def subtree_at(self, size: int) -> tree.Subtree:
        """Hashes of aligned subtrees of the copy's tree of ``size`` entries, from its tiles."""

        def subtree(start: int, count: int) -> bytes:
            level = (count.bit_length() - 1) // 8
            span = TILE_WIDTH**level
            first, nodes = start // span, count // span
            index, offset = divmod(first, TILE_WIDTH)
            width = min(TILE_WIDTH, (size // span) - index * TILE_WIDTH)
            return fold(self.tile_hashes(level, index, width)[offset : offset + nodes])

        return subtree

    def items(self, size: int) -> Iterator[verify.Item]:
        """Every entry of the copy, with the content it keeps (key acts)."""
        for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, size - index * TILE_WIDTH)
            for i, raw in enumerate(self.bundle_entries(index, width)):
                seq = index * TILE_WIDTH + i
                content = self.read(f"content/{seq}.json")
                yield verify.Item(seq, raw, json.loads(content) if content else None)


class Staging:
    """A round's new files, kept under ``.staging`` and moved into place only once every
    check has passed; the copy served never holds anything unchecked."""

    def __init__(self, copy: Copy):
        self.copy = copy
        self.dir = copy.path(STAGING_DIR)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.files: list[str] = []

    def write(self, rel: str, data: bytes) -> None:
        write_atomic(self.dir / rel, data)
        self.files.append(rel)

    def read(self, rel: str) -> bytes | None:
        path = self.dir / rel
        return path.read_bytes() if path.exists() else None

    def commit(self) -> None:
        for rel in self.files:
            target = self.copy.path(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.dir / rel, target)
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@dataclass(frozen=True)
class TileMade:
    level: int
    index: int
    width: int
    hashes: list[bytes]

    @property
    def rel(self) -> str:
        return tile_rel(self.level, self.index, self.width)


class TileBuilder:
    """Extends a tree's tiles from ``size`` leaf by leaf. ``made`` is called with each
    full tile as it completes and, at ``finish``, with the partial tiles at the right
    edge of every level that changed."""

    def __init__(self, size: int, made: Callable[[TileMade], None], copy: Copy | None = None):
        self.made = made
        self.counts: list[int] = []  # hashes at each level
        self.pending: list[list[bytes]] = []  # the hashes of each level's partial tile
        level = 0
        while size >> (8 * level):
            count = size >> (8 * level)
            width = count % TILE_WIDTH
            if width and copy is None:
                raise ValueError("a tree with a partial tile is extended from its copy")
            hashes = copy.tile_hashes(level, count // TILE_WIDTH, width) if copy and width else []
            self.counts.append(count)
            self.pending.append(hashes)
            level += 1
        self.changed: set[int] = set()

    def push(self, leaf: bytes) -> None:
        self._add(0, leaf)

    def _add(self, level: int, node: bytes) -> None:
        if level == len(self.counts):
            self.counts.append(0)
            self.pending.append([])
        self.counts[level] += 1
        self.changed.add(level)
        pending = self.pending[level]
        pending.append(node)
        if len(pending) == TILE_WIDTH:
            self.made(TileMade(level, self.counts[level] // TILE_WIDTH - 1, TILE_WIDTH, pending))
            self.pending[level] = []
            self._add(level + 1, fold(pending))

    def finish(self) -> None:
        for level in sorted(self.changed):
            pending = self.pending[level]
            if pending:
                index = self.counts[level] // TILE_WIDTH
                self.made(TileMade(level, index, len(pending), list(pending)))
        self.changed.clear()


class CopyAccumulator(tree.RootAccumulator):
    """A root accumulator that starts at ``size`` from the perfect subtrees of the
    tree's left edge (read from the copy's tiles) instead of from every leaf."""

    def __init__(self, size: int, subtree: tree.Subtree):
        super().__init__()
        start = 0
        for height in range(size.bit_length() - 1, -1, -1):
            if size >> height & 1:
                self._stack.append((height, subtree(start, 1 << height)))
                start += 1 << height
        self.size = size


@dataclass
class MirrorState:
    """What the mirror has accepted, kept in ``mirror.json``."""

    hub: str = ""
    vkey: str = ""
    size: int = 0
    root: bytes = tree.EMPTY_ROOT
    note: str = ""
    keys: dict[str, verify.KeyRecord] = field(default_factory=dict)
    # This mirror's cosignature of the checkpoint accepted last, until the hub has it.
    cosignature: dict[str, Any] | None = None

    def dump(self) -> bytes:
        doc = {
            "format": STATE_FORMAT,
            "hub": self.hub,
            "vkey": self.vkey,
            "size": self.size,
            "root": base64.b64encode(self.root).decode(),
            "note": self.note,
            "keys": {
                key_id: {**asdict(k), "public": base64.b64encode(k.public).decode()}
                for key_id, k in self.keys.items()
            },
            "cosignature": self.cosignature,
        }
        return json.dumps(doc, indent=1, ensure_ascii=False).encode() + b"\n"

    @classmethod
    def load(cls, data: bytes) -> MirrorState:
        doc = json.loads(data)
        if doc.get("format") != STATE_FORMAT:
            raise MirrorError(f"{STATE_FILE} is not the state of a Concord mirror")
        keys = {
            key_id: verify.KeyRecord(**{**k, "public": base64.b64decode(k["public"])})
            for key_id, k in doc["keys"].items()
        }
        return cls(
            hub=doc["hub"],
            vkey=doc["vkey"],
            size=doc["size"],
            root=base64.b64decode(doc["root"]),
            note=doc["note"],
            keys=keys,
            cosignature=doc.get("cosignature"),
        )


def copy_verify(directory: Path, *, workers: int | None = None) -> str:
    """Check the whole copy again from its files: every entry and signature, the tree
    against the checkpoint accepted, and every tile against the entries."""
    copy = Copy(directory)
    data = copy.read(STATE_FILE)
    if data is None:
        raise MirrorError(f"{directory} holds no mirror ({STATE_FILE} is missing)")
    state = MirrorState.load(data)

    def tile_check(tile: TileMade) -> None:
        if copy.read(tile.rel) != b"".join(tile.hashes):
            raise verify.VerificationFailed(f"{tile.rel} does not match the entries")

    builder = TileBuilder(0, tile_check)

    def items() -> Iterator[verify.Item]:
        for item in copy.items(state.size):
            builder.push(tree.leaf_hash(item.raw))
            yield item

    try:
        verdict = verify.verify_items(
            items(),
            note=state.note or None,
            vkey=state.vkey or None,
            checkpoint_size=state.size,
            workers=workers,
        )
    except CopyDamaged as exc:
        raise verify.VerificationFailed(str(exc)) from None
    builder.finish()
    return verdict
