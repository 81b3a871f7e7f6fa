"""Proofs served to members: inclusion of an act and consistency between tree sizes,
checked here against the signed checkpoint before they are shown."""

from __future__ import annotations

import base64
from typing import Any

from concord.record import tiles, tree
from concord.record.models import Act, Checkpoint, RecordHead


class ProofUnavailable(ValueError):
    """The proof asked for cannot exist (index or sizes outside the tree)."""


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def head_size() -> int:
    return RecordHead.objects.values_list("size", flat=True).first() or 0


def inclusion(index: int, size: int) -> dict[str, Any]:
    if not 0 <= index < size or size > head_size():
        raise ProofUnavailable(f"no act {index} in a tree of size {size}")
    leaf = Act.objects.values_list("leaf_hash", flat=True).get(seq=index)
    hashes = tiles.inclusion_proof(index, size)
    return {
        "index": index,
        "size": size,
        "leaf_hash": _b64(bytes(leaf)),
        "hashes": [_b64(h) for h in hashes],
    }


def consistency(first: int, second: int) -> dict[str, Any]:
    if not 0 < first <= second or second > head_size():
        raise ProofUnavailable(f"no consistency proof from size {first} to {second}")
    return {
        "first": first,
        "second": second,
        "hashes": [_b64(h) for h in tiles.consistency_proof(first, second)],
    }


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
