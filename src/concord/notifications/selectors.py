"""Reads of notifications with visibility applied.

A party sees the notifications it sent (and its drafts) and those delivered to it; the
secretariat sees every submitted notification (it is the depositary) but no party's
drafts. Anything else answers "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from concord import clock
from concord.charters.loader import text
from concord.charters.models import Charter
from concord.notifications import facts as facts_module
from concord.notifications import schema_form
from concord.notifications.models import Notification, Receipt, State
from concord.parties.models import Participation, Party, Status, User


def notifications_visible_to(
    viewer: User,
    *,
    charter: str = "",
    form: str = "",
    party: str = "",
    since: date | None = None,
    until: date | None = None,
    box: str = "all",
) -> QuerySet[Notification]:
    """Submitted notifications the viewer may see. ``box``: ``received`` (delivered to
    the viewer's party), ``sent`` (by it) or ``all``."""
    if not viewer.is_authenticated:
        return Notification.objects.none()
    qs = Notification.objects.exclude(state=State.DRAFT).select_related(
        "party", "charter_version__charter", "act"
    )
    if not viewer.is_secretariat:
        own = Q(party_id=viewer.party_id)
        received = Q(receipts__party_id=viewer.party_id)
        qs = qs.filter({"received": received, "sent": own}.get(box, own | received))
    elif box == "sent":
        return Notification.objects.none()
    if charter:
        qs = qs.filter(charter_version__charter__code=charter)
    if form:
        qs = qs.filter(form=form)
    if party:
        qs = qs.filter(party__code=party)
    if since:
        qs = qs.filter(submitted_at__date__gte=since)
    if until:
        qs = qs.filter(submitted_at__date__lte=until)
    return qs.distinct().order_by("-submitted_at", "-id")


def notification_get(viewer: User, pk: int) -> Notification:
    found = (
        notifications_visible_to(viewer)
        .filter(pk=pk)
        .prefetch_related(
            Prefetch(
                "receipts",
                queryset=Receipt.objects.select_related("party", "acknowledged_by"),
            )
        )
        .first()
    )
    if found is None:
        raise Http404
    return found


def drafts_of(viewer: User) -> QuerySet[Notification]:
    if viewer.party_id is None:
        return Notification.objects.none()
    return Notification.objects.filter(party_id=viewer.party_id, state=State.DRAFT).select_related(
        "charter_version__charter"
    )


def draft_get(viewer: User, pk: int) -> Notification:
    draft = drafts_of(viewer).filter(pk=pk).first()
    if draft is None:
        raise Http404
    return draft


def receipts_for(viewer: User, notification: Notification) -> list[Receipt]:
    """The sender and the secretariat see every receipt; a recipient its own."""
    receipts = list(notification.receipts.all())
    if viewer.is_secretariat or viewer.party_id == notification.party_id:
        return receipts
    return [r for r in receipts if r.party_id == viewer.party_id]


def versions_of(notification: Notification) -> list[Notification]:
    """The chain of versions, newest first: corrections and what they corrected."""
    chain = [notification]
    current = notification
    while hasattr(current, "superseded_by"):
        try:
            current = current.superseded_by
        except Notification.DoesNotExist:
            break
        chain.insert(0, current)
    current = notification
    while current.supersedes_id is not None:
        current = Notification.objects.select_related("act").get(pk=current.supersedes_id)
        chain.append(current)
    return chain


def forms_of(charter: Charter, language: str = "en") -> list[dict[str, Any]]:
    return [
        {
            "id": f["id"],
            "title": text(f.get("title"), language),
            "summary": text(f.get("summary"), language),
            "article": f.get("article"),
            "deadline": f.get("deadline", {}),
            "distribution": f.get("distribution", "all-parties"),
            "schema": f["schema"],
        }
        for f in charter.document.get("forms", [])
    ]


@dataclass(frozen=True)
class Deadline:
    charter: str
    form: str
    title: str
    due_at: datetime
    subject: str

    @property
    def time_left(self) -> timedelta:
        return self.due_at - clock.now()

    @property
    def overdue(self) -> bool:
        return self.due_at < clock.now()


def _kind_label(form: dict[str, Any], kind: Any, language: str) -> str:
    """The kind of an activity as the form's schema names it in ``language``."""
    if not kind:
        return ""
    return schema_form.field_choice_label(form.get("schema") or {}, "kind", kind, language)


def deadlines_for(party: Party, *, horizon_days: int = 120, language: str = "en") -> list[Deadline]:
    """What the party still owes and by when: each annual form not yet submitted for
    its coming year, and a prior notification for each activity in the party's annual
    calendar that has not been notified."""
    now = clock.now()
    horizon = now + timedelta(days=horizon_days)
    found: list[Deadline] = []
    participations = Participation.objects.filter(party=party, status=Status.PARTY).select_related(
        "charter__current"
    )
    for participation in participations:
        charter = participation.charter
        forms = {f["id"]: f for f in charter.document.get("forms", [])}
        nil_for = {f["nil_return_for"]: fid for fid, f in forms.items() if f.get("nil_return_for")}
        sent = list(
            Notification.objects.filter(
                party=party, charter_version__charter=charter, state=State.SUBMITTED
            ).values_list("form", "facts")
        )
        for fid, form in forms.items():
            rule = form.get("deadline", {}).get("rule")
            if rule != "annual" or form.get("nil_return_for"):
                continue
            for year in (now.year, now.year + 1, now.year + 2):
                due = facts_module.due_at(form, {"year": year})
                if due is None or not (now - timedelta(days=31) <= due <= horizon):
                    continue
                satisfied = any(
                    f in (fid, nil_for.get(fid)) and facts.get("year") == year for f, facts in sent
                )
                if not satisfied:
                    found.append(
                        Deadline(
                            charter.code, fid, text(form.get("title"), language), due, str(year)
                        )
                    )
        prior = forms.get("prior-notification")
        if prior is None:
            continue
        notified = [
            (facts.get("start"), facts.get("end")) for f, facts in sent if f == "prior-notification"
        ]
        for f, facts in sent:
            if f != "annual-calendar":
                continue
            for activity in facts.get("activities", []):
                due = facts_module.due_at(prior, activity)
                start = activity.get("start")
                if due is None or not start or not (now - timedelta(days=31) <= due <= horizon):
                    continue
                if any(s == start for s, _ in notified):
                    continue
                found.append(
                    Deadline(
                        charter.code,
                        "prior-notification",
                        text(prior.get("title"), language),
                        due,
                        f"{_kind_label(prior, activity.get('kind'), language)} {start}",
                    )
                )
    return sorted(found, key=lambda d: d.due_at)
