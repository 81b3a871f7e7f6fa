from typing import Any

from django.apps import AppConfig


class RecordConfig(AppConfig):
    name = "concord.record"
    label = "record"
    verbose_name = "Record"

    def ready(self) -> None:
        from concord.record.services import act_committed

        act_committed.connect(_checkpoint_when_due, dispatch_uid="record.checkpoint")


def _checkpoint_when_due(sender: Any, **kwargs: Any) -> None:
    """While acts arrive, sign a checkpoint at most every CONCORD_CHECKPOINT_INTERVAL."""
    from concord.record.checkpoints import checkpoint_publish

    checkpoint_publish()
