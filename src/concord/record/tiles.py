"""The record's Merkle tree in the database, as C2SP tlog-tiles.

Level-0 tiles hold leaf hashes, level-L tiles the roots of level-(L-1) tiles. Full
tiles are stored (``Tile``) when the append that completes them runs; partial tiles
come from the last few leaves or tile roots. A subtree hash therefore needs at most
one tile of one level: O(log n) work per proof, none of it a scan of the log.
"""

from __future__ import annotations

from django.db import connection

from concord.record import tree
from concord.record.models import HASH_SIZE, TILE_WIDTH, Act, Tile

TILE_HEIGHT = 8  # log2(TILE_WIDTH)

_TILES, _ACTS = Tile._meta.db_table, Act._meta.db_table
_IDX = '"index"'  # a reserved word in SQL, quoted the same way in SQLite and PostgreSQL
_SQL_TILE = f"SELECT hashes FROM {_TILES} WHERE level = %s AND {_IDX} = %s"  # noqa: S608
_SQL_ROOTS = (
    f"SELECT root FROM {_TILES} WHERE level = %s"  # noqa: S608
    f" AND {_IDX} >= %s AND {_IDX} < %s ORDER BY {_IDX}"
)
_SQL_LEAVES = f"SELECT leaf_hash FROM {_ACTS} WHERE seq >= %s AND seq < %s ORDER BY seq"  # noqa: S608


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


class TileReader:
    """Reads the tiles of one tree size, each tile once (one reader per proof or
    request), and remembers the subtree hashes it has computed."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size
        self._tiles: dict[tuple[int, int], list[bytes]] = {}
        self._subtrees: dict[tuple[int, int], bytes] = {}

    def hashes(self, level: int, index: int, width: int, *, stored: bool = True) -> list[bytes]:
        """The first ``width`` hashes of tile ``level/index``."""
        cached = self._tiles.get((level, index))
        if cached is not None and len(cached) >= width:
            return cached[:width]
        if self.size is not None:
            # Read as much of the tile as the tree has, so later calls are served from it.
            available = (self.size >> (TILE_HEIGHT * level)) - index * TILE_WIDTH
            width = max(width, min(TILE_WIDTH, available))
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

    def subtree(self, start: int, size: int) -> bytes:
        """Hash of the aligned subtree [start, start + size), from one tile."""
        key = (start, size)
        if key in self._subtrees:
            return self._subtrees[key]
        height = size.bit_length() - 1
        level = height // TILE_HEIGHT
        span = 1 << (level * TILE_HEIGHT)  # leaves under one hash of this level
        first, count = start // span, size // span
        tile_index, offset = divmod(first, TILE_WIDTH)
        nodes = self.hashes(level, tile_index, offset + count)[offset : offset + count]
        # Hash up layer by layer, remembering every inner node: a proof asks for
        # several subtrees of one tile, most of them inside this one.
        width = span
        while len(nodes) > 1:
            nodes = [tree.node_hash(nodes[i], nodes[i + 1]) for i in range(0, len(nodes), 2)]
            width *= 2
            for i, h in enumerate(nodes):
                self._subtrees[(start + i * width, width)] = h
        self._subtrees[key] = nodes[0]
        return nodes[0]


def root_at(size: int) -> bytes:
    return tree.root(TileReader(size).subtree, size)


def inclusion_proof(index: int, size: int) -> list[bytes]:
    return tree.inclusion_proof(TileReader(size).subtree, index, size)


def consistency_proof(first: int, second: int) -> list[bytes]:
    return tree.consistency_proof(TileReader(second).subtree, first, second)
