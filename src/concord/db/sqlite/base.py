"""SQLite, with writers queued fairly inside the process. (The private hooks below are
Django's own; django-stubs does not declare them.)

Every Concord transaction begins IMMEDIATE, so SQLite lets one writer in at a time and
makes the others retry on its busy timer, which sleeps ever longer and lets late
arrivals overtake early ones: under twenty concurrent submitters some waited over a
second. Threads of one process therefore queue on a lock before BEGIN and give it back
at COMMIT or ROLLBACK; SQLite's own locking still guards against other processes.
"""

from __future__ import annotations

import threading
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _writer: threading.Lock | None = None

    def _start_transaction_under_autocommit(self) -> None:
        lock = _lock_for(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 20))
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked (waited for another writer)")
        self._writer = lock
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_writer()
            raise

    def _release_writer(self) -> None:
        lock, self._writer = self._writer, None
        if lock is not None:
            lock.release()

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_writer()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._release_writer()
