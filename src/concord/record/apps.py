from typing import Any

from django.apps import AppConfig


class RecordConfig(AppConfig):
    name = "concord.record"
    label = "record"
    verbose_name = "Record"

    def ready(self) -> None:
        from concord.record.services import act_committed

        act_committed.connect(_checkpoint_when_due, dispatch_uid="record.checkpoint")


_last_attempt = [0.0]


def _checkpoint_when_due(sender: Any, **kwargs: Any) -> None:
    """While acts arrive, sign a checkpoint at most every CONCORD_CHECKPOINT_INTERVAL.
    Each process looks at most that often, so a burst of appends costs no extra query."""
    import time

    from django.conf import settings

    from concord.record.checkpoints import checkpoint_publish

    now = time.monotonic()
    if now - _last_attempt[0] < settings.CONCORD_CHECKPOINT_INTERVAL:
        return
    _last_attempt[0] = now
    checkpoint_publish()
