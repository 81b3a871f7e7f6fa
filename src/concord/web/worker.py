"""One pass of the worker: everything that has fallen due, each task safe to run from
several workers at once (rows are locked and re-checked before acting)."""

from __future__ import annotations

from concord.parties.services import withdrawals_due


def worker_pass() -> dict[str, int]:
    done: dict[str, int] = {}
    if n := withdrawals_due():
        done["withdrawals"] = n
    return done
