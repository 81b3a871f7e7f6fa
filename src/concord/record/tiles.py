"""The record's Merkle tree in the database, as C2SP tlog-tiles.

Level-0 tiles hold leaf hashes, level-L tiles the roots of level-(L-1) tiles. Full
tiles are stored (``Tile``) when the append that completes them runs; partial tiles
come from the last few leaves or tile roots. A subtree hash therefore needs at most
one tile of one level: O(log n) work per proof, none of it a scan of the log.

A proof's tiles are known from its arguments alone, so ``proof_read`` works them out
first and reads all of them, with the record's size and the leaf hash a proof shows,
in one query: on a database over the network a round trip costs more than the hashing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django.db import connection

from concord.record import tree
from concord.record.models import HASH_SIZE, TILE_WIDTH, Act, RecordHead, Tile

TILE_HEIGHT = 8  # log2(TILE_WIDTH)
T = TypeVar("T")

_TILES, _ACTS, _HEAD = Tile._meta.db_table, Act._meta.db_table, RecordHead._meta.db_table
_IDX = '"index"'  # a reserved word in SQL, quoted the same way in SQLite and PostgreSQL
_SQL_TILE = f"SELECT hashes FROM {_TILES} WHERE level = %s AND {_IDX} = %s"  # noqa: S608
_SQL_ROOTS = (
    f"SELECT root FROM {_TILES} WHERE level = %s"  # noqa: S608
    f" AND {_IDX} >= %s AND {_IDX} < %s ORDER BY {_IDX}"
)
_SQL_LEAVES = f"SELECT leaf_hash FROM {_ACTS} WHERE seq >= %s AND seq < %s ORDER BY seq"  # noqa: S608

# The branches of a proof's one query; every row is (kind, level, position, bytes).
_STORED, _ROOTS, _LEAVES, _HEAD_SIZE, _LEAF = 0, 1, 2, 3, 4
_PART_STORED = (
    f"SELECT {_STORED}, level, {_IDX}, hashes FROM {_TILES}"  # noqa: S608
    f" WHERE level = %s AND {_IDX} = %s"
)
_PART_ROOTS = (
    f"SELECT {_ROOTS}, level, {_IDX}, root FROM {_TILES}"  # noqa: S608
    f" WHERE level = %s AND {_IDX} >= %s AND {_IDX} < %s"
)
_PART_LEAVES = f"SELECT {_LEAVES}, 0, seq, leaf_hash FROM {_ACTS} WHERE seq >= %s AND seq < %s"  # noqa: S608
_PART_HEAD = f"SELECT {_HEAD_SIZE}, 0, size, NULL FROM {_HEAD} WHERE id = 1"  # noqa: S608
_PART_LEAF = f"SELECT {_LEAF}, 0, seq, leaf_hash FROM {_ACTS} WHERE seq = %s"  # noqa: S608

_sha256 = hashlib.sha256


def fold(hashes: list[bytes]) -> bytes:
    """Root of a power-of-two list of sibling nodes."""
    level = hashes
    while len(level) > 1:
        level = [tree.node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def _split_hashes(blob: bytes) -> list[bytes]:
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


def tiles_on_append(seq: int) -> None:
    """Store every tile that leaf ``seq`` completes. Runs in the append's transaction,
    after the act row is written."""
    level, count = 0, seq + 1
    while count % TILE_WIDTH == 0:
        index = count // TILE_WIDTH - 1
        hashes = TileReader().hashes(level, index, TILE_WIDTH, stored=False)
        Tile.objects.create(level=level, index=index, hashes=b"".join(hashes), root=fold(hashes))
        level, count = level + 1, index + 1


def _tile_of(start: int, size: int) -> tuple[int, int, int, int]:
    """Where the aligned subtree [start, start + size) lies: (level, tile index, offset
    of its first hash in the tile, number of hashes)."""
    level = (size.bit_length() - 1) // TILE_HEIGHT
    shift = level * TILE_HEIGHT
    tile_index, offset = divmod(start >> shift, TILE_WIDTH)
    return level, tile_index, offset, size >> shift


class TileReader:
    """Reads the tiles of one tree size, each tile once (one reader per proof or
    request), and hashes subtrees from them."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size
        self._tiles: dict[tuple[int, int], list[bytes]] = {}

    def _width(self, level: int, index: int, width: int) -> int:
        if self.size is None:
            return width
        # Read as much of the tile as the tree has, so later calls are served from it.
        available = (self.size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH
        return max(width, min(TILE_WIDTH, available))

    def hashes(self, level: int, index: int, width: int, *, stored: bool = True) -> list[bytes]:
        """The first ``width`` hashes of tile ``level/index``."""
        cached = self._tiles.get((level, index))
        if cached is not None and len(cached) >= width:
            return cached[:width]
        width = self._width(level, index, width)
        found = self._read(level, index, width, stored=stored)
        self._tiles[(level, index)] = found
        return found[:width]

    def _read(self, level: int, index: int, width: int, *, stored: bool) -> list[bytes]:
        # Plain SQL: a proof reads a handful of tiles, and the ORM's query building
        # would cost more than the reads themselves.
        start = index * TILE_WIDTH
        with connection.cursor() as cursor:
            if stored and width == TILE_WIDTH:
                cursor.execute(_SQL_TILE, [level, index])
                row = cursor.fetchone()
                if row is not None:
                    return _split_hashes(bytes(row[0]))
            if level == 0:
                cursor.execute(_SQL_LEAVES, [start, start + width])
            else:
                cursor.execute(_SQL_ROOTS, [level - 1, start, start + width])
            found = [bytes(r[0]) for r in cursor.fetchall()]
        if len(found) != width:
            raise tree.ProofError(
                f"tile {level}/{index} has {len(found)} of {width} hashes: the log is damaged"
            )
        return found

    def prefetch(
        self, subtrees: Iterable[tuple[int, int]], *, leaf: int | None = None
    ) -> tuple[int, bytes | None]:
        """Read, in one query, every tile the aligned ``subtrees`` (start, size) need,
        with the record's size and the leaf hash of entry ``leaf``; returns those two
        (size 0 without a head row, None for a missing entry).

        A tile that comes back incomplete (a damaged log, or a tree larger than the
        record) is left out: ``hashes`` reads it again and reports it as before.
        """
        wanted: dict[tuple[int, int], int] = {}
        for start, size in subtrees:
            level, index, offset, count = _tile_of(start, size)
            key = (level, index)
            if key not in self._tiles:
                wanted[key] = max(wanted.get(key, 0), self._width(level, index, offset + count))
        parts = [_PART_HEAD]
        params: list[int] = []
        if leaf is not None:
            parts.append(_PART_LEAF)
            params.append(leaf)
        for (level, index), width in wanted.items():
            first = index * TILE_WIDTH
            if width == TILE_WIDTH:
                parts.append(_PART_STORED)
                params += [level, index]
            elif level == 0:
                parts.append(_PART_LEAVES)
                params += [first, first + width]
            else:
                parts.append(_PART_ROOTS)
                params += [level - 1, first, first + width]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = cursor.fetchall()
        return self._keep(rows, wanted)

    def _keep(
        self, rows: list[tuple[Any, ...]], wanted: dict[tuple[int, int], int]
    ) -> tuple[int, bytes | None]:
        """Sort the rows of ``prefetch`` into tiles; keep the complete ones."""
        head, leaf_hash = 0, None
        stored: dict[tuple[int, int], bytes] = {}
        # Derived hashes by the tile they fill: position // 256 of the level below.
        derived: dict[tuple[int, int], list[tuple[int, bytes]]] = {}
        for kind, level, position, blob in rows:
            if kind == _HEAD_SIZE:
                head = int(position)
            elif kind == _LEAF:
                leaf_hash = bytes(blob)
            elif kind == _STORED:
                stored[(int(level), int(position))] = bytes(blob)
            else:
                position = int(position)
                above = 0 if kind == _LEAVES else int(level) + 1
                derived.setdefault((above, position // TILE_WIDTH), []).append(
                    (position, bytes(blob))
                )
        for key, width in wanted.items():
            if width == TILE_WIDTH:
                blob = stored.get(key)
                if blob is not None and len(blob) == TILE_WIDTH * HASH_SIZE:
                    self._tiles[key] = _split_hashes(blob)
                continue
            found = sorted(derived.get(key, []))
            if len(found) == width:
                self._tiles[key] = [h for _, h in found]
        return head, leaf_hash

    def subtree(self, start: int, size: int) -> bytes:
        """Hash of the aligned subtree [start, start + size), from one tile."""
        level, tile_index, offset, count = _tile_of(start, size)
        nodes = self.hashes(level, tile_index, offset + count)[offset : offset + count]
        # The subtrees of one proof never overlap, so inner nodes are not kept.
        sha = _sha256
        while len(nodes) > 1:
            pairs = zip(nodes[::2], nodes[1::2], strict=True)
            nodes = [sha(b"\x01" + left + right).digest() for left, right in pairs]
        return nodes[0]


def subtrees_of(proof: Callable[[tree.Subtree], object]) -> list[tuple[int, int]]:
    """The aligned subtrees (start, size) that ``proof`` asks for. Which ones a proof
    needs depends only on its sizes and indexes, never on the hashes, so a dry run
    with placeholder hashes lists them."""
    asked: list[tuple[int, int]] = []

    def placeholder(start: int, size: int) -> bytes:
        asked.append((start, size))
        return bytes(HASH_SIZE)

    proof(placeholder)
    return asked


@dataclass(frozen=True)
class ProofRead:
    """What one query returned for a proof: the tiles (in ``reader``), the record's
    size at that moment, and the leaf hash asked for (None if the entry is missing)."""

    reader: TileReader
    head: int
    leaf: bytes | None


def proof_read(
    size: int, proof: Callable[[tree.Subtree], object], *, leaf: int | None = None
) -> ProofRead:
    """Read everything ``proof`` needs from the tree of ``size`` entries in one query."""
    reader = TileReader(size)
    head, leaf_hash = reader.prefetch(subtrees_of(proof), leaf=leaf)
    return ProofRead(reader=reader, head=head, leaf=leaf_hash)


def proof_from_tiles(size: int, proof: Callable[[tree.Subtree], T]) -> T:
    """Run ``proof`` (a function of ``subtree``) on the tree of ``size`` entries, its
    tiles read in one query."""
    return proof(proof_read(size, proof).reader.subtree)


def root_at(size: int) -> bytes:
    """The tree head of the first ``size`` entries."""
    return proof_from_tiles(size, partial(tree.root, size=size))


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of entry ``index`` in the tree of ``size`` entries."""
    return proof_from_tiles(size, partial(tree.inclusion_proof, index=index, size=size))


def consistency_proof(first: int, second: int) -> list[bytes]:
    """RFC 9162 consistency proof from the tree of ``first`` entries to ``second``."""
    return proof_from_tiles(second, partial(tree.consistency_proof, first=first, second=second))
