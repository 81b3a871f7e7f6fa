"""Notifying a measure under Art. 1 opens the indivisible-security review by itself;
each objection within the window opens consultations with the notifying party; after
the window no objection is taken."""

from __future__ import annotations

from datetime import timedelta

import pytest

from concord import clock
from concord.notifications.services import notification_submit
from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import services
from concord.procedures.models import Procedure

pytestmark = pytest.mark.django_db


def measure():  # type: ignore[no-untyped-def]
    start = clock.now().date() + timedelta(days=60)
    return {
        "measure": "Deployment of an air-defence battalion",
        "kind": "deployment",
        "framework": "national",
        "description": "A battalion is deployed to the northern region.",
        "start": start.isoformat(),
        "area": {"name": "Northern region"},
        "affected_parties": ["de"],
        "security_interests": "The deployment is defensive.",
    }


def test_review_opens_and_objections_open_consultations(charters, fr, de, user):
    from concord.charters.loader import load_file, BUILTIN_DIR  # noqa: I001
    from concord.notifications import schema_form

    schema = next(
        f
        for f in load_file(BUILTIN_DIR / "est-2009.yaml")["forms"]
        if f["id"] == "security-measure"
    )["schema"]
    data = measure()
    assert schema_form.validate(schema, data) == []
    n = notification_submit(
        agent=user("fr-head"), charter=charters["est-2009"], form="security-measure", data=data
    )
    review = Procedure.objects.get(kind="indivisible-security-review")
    assert review.initiator == fr
    assert review.open_to_all
    assert review.deadlines.get(name="object").due_at > clock.now()
    assert n.number in review.subject
    with pytest.raises(ServiceError):
        services.procedure_step(
            agent=user("fr-head"), procedure=review, kind="objection", text="no"
        )
    services.procedure_step(
        agent=user("de-head"), procedure=review, kind="objection", text="It affects our security."
    )
    child = Procedure.objects.get(kind="consultations")
    assert child.parent == review
    assert set(child.participants.values_list("party__code", flat=True)) == {"de", "fr"}
    clock.advance(timedelta(days=31))
    with pytest.raises(ServiceError, match="closed"):
        services.procedure_step(
            agent=user("de-head"), procedure=review, kind="objection", text="late"
        )


def test_delegate_cannot_object(charters, fr, de, user):
    from concord.charters.loader import load_file, BUILTIN_DIR  # noqa: I001
    from concord.notifications import schema_form

    schema = next(
        f
        for f in load_file(BUILTIN_DIR / "est-2009.yaml")["forms"]
        if f["id"] == "security-measure"
    )["schema"]
    assert schema_form.validate(schema, measure()) == []
    notification_submit(
        agent=user("fr-head"), charter=charters["est-2009"], form="security-measure", data=measure()
    )
    review = Procedure.objects.get(kind="indivisible-security-review")
    with pytest.raises(NotPermitted):
        services.procedure_step(
            agent=user("de-delegate"), procedure=review, kind="objection", text="x"
        )
