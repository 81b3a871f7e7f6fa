"""RFC 9162 tree heads and proofs against a direct transcription of the RFC's
recursive definitions, for every small tree and random larger ones; and the proofs the
database serves from its tiles against the same proofs computed from the leaves."""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Callable
from typing import TypeVar

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.record import proofs, tiles, tree
from concord.record.models import Act, ActType, RecordHead, Tile
from concord.record.services import act_append
from concord.record.tiles import tiles_on_append


def mth(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1 << ((n - 1).bit_length() - 1)
    return tree.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if b else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, leaves[:k], b), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def leaves_of(n: int) -> list[bytes]:
    return [tree.leaf_hash(str(i).encode()) for i in range(n)]


@pytest.mark.parametrize("n", range(1, 34))
def test_every_proof_of_small_trees(n):
    leaves = leaves_of(n)
    sub = tree.subtree_from_leaves(leaves)
    root = mth(leaves)
    assert tree.root(sub, n) == root
    acc = tree.RootAccumulator()
    for leaf in leaves:
        acc.push(leaf)
    assert acc.root() == root
    for i in range(n):
        proof = tree.inclusion_proof(sub, i, n)
        assert proof == path(i, leaves)
        tree.verify_inclusion(leaves[i], i, n, proof, root)
        with pytest.raises(tree.ProofError):
            tree.verify_inclusion(leaves[(i + 1) % n] if n > 1 else b"x" * 32, i, n, proof, root)
    for m in range(1, n + 1):
        proof = tree.consistency_proof(sub, m, n)
        assert proof == (subproof(m, leaves, True) if m < n else [])
        tree.verify_consistency(m, n, mth(leaves[:m]), root, proof)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 3000), st.data())
def test_tampered_proofs_fail(n, data):
    leaves = leaves_of(n)
    sub = tree.subtree_from_leaves(leaves)
    root = tree.root(sub, n)
    m = data.draw(st.integers(1, n - 1))
    proof = tree.consistency_proof(sub, m, n)
    old = tree.root(sub, m)
    tree.verify_consistency(m, n, old, root, proof)
    forked = [*leaves[: m - 1], tree.leaf_hash(b"forged"), *leaves[m:]]
    with pytest.raises(tree.ProofError):
        tree.verify_consistency(m, n, tree.root(tree.subtree_from_leaves(forked), m), root, proof)
    with pytest.raises(tree.ProofError):
        tree.verify_consistency(n, m, root, old, proof)  # rollback
    if proof:
        bad = [*proof]
        bad[0] = bytes(32)
        with pytest.raises(tree.ProofError):
            tree.verify_consistency(m, n, old, root, bad)


def test_same_size_different_roots_is_a_split_view():
    a = tree.root(tree.subtree_from_leaves(leaves_of(5)), 5)
    b = tree.root(tree.subtree_from_leaves(leaves_of(6)[1:]), 5)
    with pytest.raises(tree.ProofError, match="split view"):
        tree.verify_consistency(5, 5, a, b, [])


# Proofs served from the database (record.tiles, record.proofs): one query per proof,
# equal to the proofs of the same leaves held in memory.

T = TypeVar("T")
BIG = 65536 + 300  # three tile levels; a full level-1 tile, partial tiles on every level
BOUNDARIES = (1, 2, 3, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537, BIG)


def record_of(n: int) -> list[bytes]:
    """A record of ``n`` acts in the database with its stored tiles; returns the leaf
    hashes. The first acts are real appends (the depositary key and an act signed with
    it); the others copy the last of them with stand-in entries, since proofs read only
    leaf hashes, and are inserted with one statement (the ORM would take seconds)."""
    with transaction.atomic():
        real = act_append(type=ActType.USER_CHANGED, actor=None, agent=None, content={})
    row = {
        f.column: f.get_db_prep_save(getattr(real, f.attname), connection)
        for f in Act._meta.concrete_fields
    }
    rows = []
    for seq in range(real.seq + 1, n):
        entry = f"entry {seq}".encode()
        row.update(seq=seq, entry=entry, leaf_hash=tree.leaf_hash(entry))
        rows.append(list(row.values()))
    columns = ", ".join(connection.ops.quote_name(c) for c in row)
    values = ", ".join(["%s"] * len(row))
    insert = f"INSERT INTO {Act._meta.db_table} ({columns}) VALUES ({values})"  # noqa: S608
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.executemany(insert, rows)
        for seq in range(real.seq + 1, n):
            tiles_on_append(seq)
        RecordHead.objects.filter(id=1).update(size=n)
    leaves = Act.objects.order_by("seq").values_list("leaf_hash", flat=True)
    return [bytes(h) for h in leaves]


def probes(size: int, rng: random.Random) -> list[int]:
    """Positions around every tile edge below ``size``, the ends, and a few at random."""
    edges = {0, 1, size - 2, size - 1, size // 2}
    for edge in (256, 512, 65536):
        edges |= {edge - 1, edge, edge + 1}
    edges |= {rng.randrange(size) for _ in range(4)}
    return sorted(i for i in edges if 0 <= i < size)


@pytest.mark.django_db
def test_proofs_from_tiles_equal_proofs_from_the_leaves_at_every_tile_boundary(
    django_assert_num_queries,
):
    leaves = record_of(BIG)
    memory = tree.subtree_from_leaves(leaves)
    rng = random.Random(9162)

    def read_once(proof: Callable[..., T], *args: int) -> T:
        with django_assert_num_queries(1):
            return proof(*args)

    for size in (*BOUNDARIES, *(rng.randrange(2, BIG) for _ in range(4))):
        root = tree.root(memory, size)
        assert read_once(tiles.root_at, size) == root, size
        for index in probes(size, rng):
            proof = read_once(tiles.inclusion_proof, index, size)
            assert proof == tree.inclusion_proof(memory, index, size), (index, size)
            tree.verify_inclusion(leaves[index], index, size, proof, root)
        for first in sorted({i + 1 for i in probes(size, rng)}):
            proof = read_once(tiles.consistency_proof, first, size)
            assert proof == tree.consistency_proof(memory, first, size), (first, size)
            tree.verify_consistency(first, size, tree.root(memory, first), root, proof)


@pytest.mark.django_db
def test_every_proof_of_a_record_across_its_first_tile_equals_the_rfc():
    leaves = record_of(260)
    for n in (1, 2, 7, 255, 256, 257, 260):
        for i in range(n):
            assert tiles.inclusion_proof(i, n) == path(i, leaves[:n]), (i, n)
        for m in range(1, n):
            assert tiles.consistency_proof(m, n) == subproof(m, leaves[:n], True), (m, n)


@pytest.mark.django_db
def test_a_served_proof_reads_the_database_once(django_assert_num_queries):
    leaves = record_of(1000)
    memory = tree.subtree_from_leaves(leaves)
    index, size = 513, 999
    with django_assert_num_queries(1):
        served = proofs.inclusion(index, size)
    assert served == {
        "index": index,
        "size": size,
        "leaf_hash": base64.b64encode(leaves[index]).decode(),
        "hashes": [base64.b64encode(h).decode() for h in tree.inclusion_proof(memory, index, size)],
    }
    with django_assert_num_queries(1):
        served = proofs.consistency(257, size)
    expected = tree.consistency_proof(memory, 257, size)
    assert served["hashes"] == [base64.b64encode(h).decode() for h in expected]


@pytest.mark.django_db
def test_proofs_beyond_the_record_are_unavailable():
    record_of(300)
    with pytest.raises(proofs.ProofUnavailable):
        proofs.inclusion(5, 301)
    with pytest.raises(proofs.ProofUnavailable):
        proofs.inclusion(300, 300)
    with pytest.raises(proofs.ProofUnavailable):
        proofs.consistency(5, 301)
    with pytest.raises(proofs.ProofUnavailable):
        proofs.consistency(0, 300)


@pytest.mark.django_db
def test_a_missing_stored_tile_is_derived_from_the_level_below():
    leaves = record_of(300)
    memory = tree.subtree_from_leaves(leaves)
    Tile.objects.filter(level=0, index=0).delete()
    assert tiles.inclusion_proof(5, 300) == tree.inclusion_proof(memory, 5, 300)
    assert tiles.consistency_proof(100, 300) == tree.consistency_proof(memory, 100, 300)


@pytest.mark.django_db
def test_a_proof_over_a_deleted_entry_reports_a_damaged_log():
    record_of(1000)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Act._meta.db_table} WHERE seq = 990")  # noqa: S608
    with pytest.raises(tree.ProofError, match="damaged"):
        tiles.inclusion_proof(3, 1000)
    with pytest.raises(Act.DoesNotExist):
        proofs.inclusion(990, 1000)
