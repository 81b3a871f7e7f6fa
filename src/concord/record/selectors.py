"""Reads of the act log with visibility applied.

Acts for all parties are seen by every member. A restricted act is seen by its
recipients (the actor is always one); the secretariat sees that it exists and its
metadata, never its content. An act a viewer may not see answers "not found".
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from concord.parties.models import User
from concord.record.models import Act


def acts_visible_to(
    viewer: User, *, type: str = "", party: str = "", charter: str = ""
) -> QuerySet[Act]:
    if not viewer.is_authenticated:
        return Act.objects.none()
    qs = Act.objects.select_related("actor", "charter_version__charter", "key")
    if not viewer.is_secretariat:
        qs = qs.filter(Q(restricted=False) | Q(recipients=viewer.party_id)).distinct()
    if type:
        qs = qs.filter(type=type)
    if party:
        qs = (
            qs.filter(actor__isnull=True) if party == "depositary" else qs.filter(actor__code=party)
        )
    if charter:
        qs = qs.filter(charter_version__charter__code=charter)
    return qs.order_by("-seq")


def act_get(viewer: User, seq: int) -> Act:
    act = acts_visible_to(viewer).filter(seq=seq).first()
    if act is None:
        raise Http404
    return act


def content_visible(viewer: User, act: Act) -> bool:
    """Whether ``viewer`` may read the act's content (not only that it exists)."""
    if not act.restricted:
        return True
    if viewer.party_id is None:
        return False
    return act.recipients.filter(pk=viewer.party_id).exists()


def act_content_for(viewer: User, act: Act) -> dict[str, Any] | None:
    return act.content if content_visible(viewer, act) else None
