"""Group commit: units of work from many threads written in shared transactions.

Every act takes the record's lock until its transaction commits, so writers queue one
behind another and each pays a whole transaction (the lock, a round trip per statement,
a durable commit) alone. When several threads of one process write at once, a
``GroupCommit`` lets the first of them (the leader) write everything that is waiting in
one transaction, with one statement per kind of row, while the others wait for their
result. A thread that arrives while a batch is being written waits for the next batch,
so batches grow with the load and one writer alone is not delayed at all.

A batch is all or nothing. If writing it raises, it is rolled back and each unit is
written again in a transaction of its own, so that one bad unit fails alone, with its
own error, and the others are written as if they had come one at a time.

Only work that opens its own transaction can be grouped: a caller already inside a
transaction (``atomic``) writes directly, since its work has to commit or roll back with
the rest of that transaction.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.db import connection, transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Pending(Generic[T, R]):
    unit: T
    done: threading.Event = field(default_factory=threading.Event)
    result: R | None = None
    error: BaseException | None = None


class GroupCommit(Generic[T, R]):
    """Write units with ``write(units) -> results`` (one result per unit, in order),
    called inside a transaction; at most ``max_batch`` units per transaction."""

    def __init__(self, write: Callable[[Sequence[T]], list[R]], *, max_batch: int = 64) -> None:
        self.write = write
        self.max_batch = max_batch
        self._guard = threading.Lock()
        self._waiting: list[_Pending[T, R]] = []
        self._leading = False

    def run(self, unit: T) -> R:
        """Write ``unit`` and return its result once its transaction has committed (or
        raise its error)."""
        if connection.in_atomic_block:
            with transaction.atomic():
                return self.write([unit])[0]
        pending: _Pending[T, R] = _Pending(unit)
        with self._guard:
            self._waiting.append(pending)
            lead = not self._leading
            if lead:
                self._leading = True
        if lead:
            self._lead()
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.result  # type: ignore[return-value]

    def _lead(self) -> None:
        """Write batches until nobody is waiting, then hand leadership back."""
        while True:
            with self._guard:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: len(batch)]
                if not batch:
                    self._leading = False
                    return
            try:
                self._write_batch(batch)
            except BaseException as exc:  # the leader's own thread is being stopped
                for pending in batch:
                    if not pending.done.is_set():
                        pending.error = exc
                        pending.done.set()
                with self._guard:
                    self._leading = False
                    waiting, self._waiting = self._waiting, []
                for pending in waiting:  # nobody leads them now: let them try again alone
                    pending.error = exc
                    pending.done.set()
                raise

    def _write_batch(self, batch: list[_Pending[T, R]]) -> None:
        if len(batch) > 1:
            committed: list[bool] = []
            results: list[R] = []
            try:
                with transaction.atomic():
                    # First in line, so it runs before any other callback can fail.
                    transaction.on_commit(lambda: committed.append(True))
                    results = self.write([p.unit for p in batch])
            except Exception:
                if not committed:
                    results = []  # rolled back: each unit is written again alone below
                else:  # written; something run after the commit failed
                    logger.exception("after a group commit of %d units", len(batch))
            if results:
                for pending, result in zip(batch, results, strict=True):
                    pending.result = result
                    pending.done.set()
                return
        for pending in batch:
            try:
                with transaction.atomic():
                    pending.result = self.write([pending.unit])[0]
            except Exception as exc:  # handed to the unit's own thread
                pending.error = exc
            pending.done.set()
