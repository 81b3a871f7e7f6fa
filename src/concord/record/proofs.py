"""Proofs served to members: inclusion of an act and consistency between tree sizes,
checked here against the signed checkpoint before they are shown."""

from __future__ import annotations

import base64
from functools import partial
from typing import Any

from concord.record import tiles, tree
from concord.record.models import Act, Checkpoint, RecordHead


class ProofUnavailable(ValueError):
    """The proof asked for cannot exist (index or sizes outside the tree)."""


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def head_size() -> int:
    """The number of acts in the record."""
    return RecordHead.objects.values_list("size", flat=True).first() or 0


def inclusion(index: int, size: int) -> dict[str, Any]:
    """The inclusion proof of act ``index`` in the tree of ``size`` acts, as served.
    One query reads the record's size, the act's leaf hash and every tile needed."""
    if not 0 <= index < size:
        raise ProofUnavailable(f"no act {index} in a tree of size {size}")
    proof = partial(tree.inclusion_proof, index=index, size=size)
    read = tiles.proof_read(size, proof, leaf=index)
    if size > read.head:
        raise ProofUnavailable(f"no act {index} in a tree of size {size}")
    if read.leaf is None:
        raise Act.DoesNotExist(f"act {index} is missing from the record")
    hashes = proof(read.reader.subtree)
    return {
        "index": index,
        "size": size,
        "leaf_hash": _b64(read.leaf),
        "hashes": [_b64(h) for h in hashes],
    }


def consistency(first: int, second: int) -> dict[str, Any]:
    """The consistency proof from the tree of ``first`` acts to ``second``, as served."""
    if not 0 < first <= second:
        raise ProofUnavailable(f"no consistency proof from size {first} to {second}")
    proof = partial(tree.consistency_proof, first=first, second=second)
    read = tiles.proof_read(second, proof)
    if second > read.head:
        raise ProofUnavailable(f"no consistency proof from size {first} to {second}")
    hashes = proof(read.reader.subtree)
    return {"first": first, "second": second, "hashes": [_b64(h) for h in hashes]}


def act_status(act: Act) -> dict[str, Any]:
    """Whether the act is covered by the latest checkpoint, with its checked proof."""
    cp = Checkpoint.objects.order_by("-size").first()
    if cp is None or cp.size <= act.seq:
        return {"included": False, "checkpoint": cp}
    proof = inclusion(act.seq, cp.size)
    try:
        tree.verify_inclusion(
            bytes(act.leaf_hash),
            act.seq,
            cp.size,
            [base64.b64decode(h) for h in proof["hashes"]],
            bytes(cp.root),
        )
    except tree.ProofError as exc:
        return {"included": False, "checkpoint": cp, "error": str(exc), "proof": proof}
    return {"included": True, "checkpoint": cp, "proof": proof}
