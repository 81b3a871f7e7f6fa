"""Reminders before procedure deadlines go out once, to the party expected to act,
when a quarter of the period is left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from concord import clock
from concord.parties import services as psvc
from concord.parties.models import Status
from concord.procedures import services
from concord.procedures.models import Deadline
from concord.procedures.reminders import procedure_reminders_due
from concord.web.worker import worker_pass

pytestmark = pytest.mark.django_db


def test_respondent_is_reminded_once_before_the_reply_is_due(charters, fr, de, secretariat, user):
    for party in (fr, de):
        psvc.participation_set(
            agent=secretariat, party=party, charter=charters["helsinki"], status=Status.PARTY
        )
    for name in ("de-head", "de-delegate", "fr-head"):
        u = user(name)
        u.email = f"{name}@example.org"
        u.save()
    procedure = services.procedure_open(
        agent=user("fr-head"),
        charter=charters["helsinki"],
        mechanism="request-for-explanation",
        subject="Unusual activity",
        respondent=de,
    )
    mail.outbox.clear()
    # The reminders' own pass: the worker also sends other mail (delivery of acts).
    assert procedure_reminders_due() == 0
    assert mail.outbox == []  # 48 hours left: too early
    clock.advance(timedelta(hours=37))  # 11 hours left, under a quarter of 48
    assert procedure_reminders_due() == 1
    to = sorted(a for m in mail.outbox for a in m.to)
    assert to == ["de-delegate@example.org", "de-head@example.org"]
    assert "Unusual activity" in mail.outbox[0].subject
    assert procedure_reminders_due() == 0
    worker_pass()
    assert len([m for m in mail.outbox if "Unusual activity" in m.subject]) == 2
    assert Deadline.objects.get(procedure=procedure, name="reply").reminded_at is not None
