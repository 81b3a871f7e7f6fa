"""One pass of the worker: everything that has fallen due, each task safe to run from
several workers at once (rows are locked and re-checked before acting)."""

from __future__ import annotations

from concord.delivery.mail import mail_due
from concord.delivery.services import webhooks_due
from concord.notifications.reminders import reminders_due
from concord.parties.services import withdrawals_due
from concord.procedures.reminders import procedure_reminders_due
from concord.procedures.services import deadlines_due
from concord.record.checkpoints import checkpoint_publish
from concord.record.models import Checkpoint


def worker_pass() -> dict[str, int]:
    done: dict[str, int] = {}
    if n := withdrawals_due():
        done["withdrawals"] = n
    if n := deadlines_due():
        done["deadlines"] = n
    if n := procedure_reminders_due():
        done["procedure reminders"] = n
    if n := reminders_due():
        done["reminders"] = n
    if n := webhooks_due():
        done["webhooks"] = n
    if n := mail_due():
        done["mails"] = n
    before = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
    cp = checkpoint_publish()
    if cp is not None and cp.size != before:
        done["checkpoint"] = cp.size
    return done
