"""RFC 9162 tree heads and proofs against a direct transcription of the RFC's
recursive definitions, for every small tree and random larger ones."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concord.record import tree


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
