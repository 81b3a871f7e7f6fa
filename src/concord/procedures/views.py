"""Pages for procedures: the list with next deadlines, opening one, a procedure's
timeline with the steps a party may take, and the adopted decisions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from concord import clock
from concord.charters.labels import decision_rule_label, duration_words
from concord.charters.loader import text
from concord.charters.selectors import charters_visible_to
from concord.parties.models import Party, User
from concord.parties.selectors import parties_visible_to
from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import selectors, services
from concord.procedures.acts import MEETINGS, means_of, parties_of
from concord.procedures.conciliation import has_report
from concord.procedures.meetings import chair_of
from concord.procedures.models import (
    Deadline,
    Means,
    OfferKind,
    OfferStatus,
    Role,
    State,
    Step,
    state_label,
)
from concord.procedures.settlement import THIRD_PARTY_MEANS, means_label
from concord.web.context import language

STEP_KINDS = [
    ("reply", gettext_lazy("Reply")),
    ("request-meeting", gettext_lazy("Request a meeting")),
    ("join", gettext_lazy("Ask to join")),
    ("attend", gettext_lazy("Record attendance")),
    ("statement", gettext_lazy("Statement")),
    ("proposal", gettext_lazy("Draft decision")),
    ("amendment", gettext_lazy("Amendment")),
    ("objection", gettext_lazy("Objection")),
    ("break-silence", gettext_lazy("Break silence")),
    ("support", gettext_lazy("Support the request")),
    ("call-decision", gettext_lazy("Call for a decision")),
    ("accept", gettext_lazy("Accept")),
    ("reject", gettext_lazy("Reject")),
    ("outcome", gettext_lazy("Record the outcome")),
    ("close", gettext_lazy("Close")),
]


def _viewer(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def procedure_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    show_all = request.GET.get("all") == "1"
    items = selectors.procedures_visible_to(viewer, open_only=not show_all)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    rows = [_row(p) for p in page.object_list]
    return render(
        request,
        "procedures/list.html",
        {
            "page": page,
            "rows": rows,
            "show_all": show_all,
            "now": clock.now(),
            **_open_context(viewer),
        },
    )


# The fields a refusal names, as the forms on these pages call them.
FIELD_LABELS = {
    "mechanism": gettext_lazy("Mechanism"),
    "subject": gettext_lazy("Subject"),
    "text": gettext_lazy("Text"),
    "respondent": gettext_lazy("Addressed to"),
    "invited": gettext_lazy("Invited parties"),
    "parent": gettext_lazy("Follows procedure number"),
    "means": gettext_lazy("Means of settlement"),
    "kind": gettext_lazy("Step"),
    "proposal": gettext_lazy("Draft decision concerned"),
    "party": gettext_lazy("Party"),
    "role": gettext_lazy("Role"),
    "name": gettext_lazy("Name"),
    "opens_at": gettext_lazy("Opens (UTC)"),
    "quorum": gettext_lazy("Quorum"),
}


def _error(field: str, message: str) -> tuple[str, str]:
    """A refusal as the page shows it: the field's label, then the message."""
    found = FIELD_LABELS.get(field)
    return (str(found) if found is not None else field, message)


def _row(p: Any) -> dict[str, Any]:
    state = selectors.state_of(p)
    return {
        "p": p,
        "state": state,
        "state_label": state_label(state),
        "next": selectors.next_deadline(p),
    }


def _open_context(viewer: User, **extra: Any) -> dict[str, Any]:
    mechanisms = [
        (c, m["id"], text(m.get("title"), language()), m["kind"])
        for c in charters_visible_to(viewer)
        for m in c.document.get("mechanisms", [])
        if m["kind"] in services.OPENABLE
    ]
    return {
        "mechanisms": mechanisms,
        "all_parties": parties_visible_to(viewer).exclude(pk=viewer.party_id or 0),
        "can_open": viewer.party_id is not None,
        # Arbitration is not opened by one party: it needs every disputing party's consent.
        "means_choices": [(m.value, m.label) for m in Means if m != Means.ARBITRATION],
        **extra,
    }


@login_required
@require_POST
def procedure_open(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    choice = request.POST.get("mechanism", "")
    charter_code, _sep, mechanism = choice.partition(":")
    charter = next((c for c in charters_visible_to(viewer) if c.code == charter_code), None)
    error: tuple[str, str] | None = None
    if charter is None:
        error = _error("mechanism", _("Choose a mechanism."))
    codes = request.POST.getlist("invited")[:100]
    invited = list(Party.objects.filter(code__in=codes))
    respondent = Party.objects.filter(code=request.POST.get("respondent", "")).first()
    parent_id = request.POST.get("parent", "")
    parent = selectors.procedure_get(viewer, int(parent_id)) if parent_id.isdigit() else None
    if error is None and charter is not None:
        try:
            procedure = services.procedure_open(
                agent=viewer,
                charter=charter,
                mechanism=mechanism,
                subject=request.POST.get("subject", ""),
                text=request.POST.get("text", ""),
                respondent=respondent,
                invited=invited,
                parent=parent,
                means=request.POST.get("means", ""),
            )
        except NotPermitted:
            raise PermissionDenied from None
        except ServiceError as exc:
            error = _error(exc.field, exc.message)
        else:
            messages.success(request, _("The procedure was opened."))
            return redirect("procedures:detail", pk=procedure.pk)
    page = Paginator(selectors.procedures_visible_to(viewer, open_only=True), 50).get_page(1)
    return render(
        request,
        "procedures/list.html",
        {
            "page": page,
            "rows": [_row(p) for p in page.object_list],
            "now": clock.now(),
            **_open_context(viewer, error=error, posted=request.POST),
        },
        status=400,
    )


@login_required
def procedure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    procedure = selectors.procedure_get(viewer, pk)
    return render(request, "procedures/detail.html", _detail_context(viewer, procedure))


def _detail_context(viewer: User, procedure: Any, **extra: Any) -> dict[str, Any]:
    charter = procedure.charter_version.charter
    definition = services.mechanism_of(charter, procedure.mechanism)
    present, needed, of = services.quorum_of(procedure)
    state = selectors.state_of(procedure)
    window = selectors.meeting_window(procedure)
    conciliation = selectors.conciliation_of(procedure)
    participants = list(procedure.participants.select_related("party"))
    secretariat = viewer.is_secretariat and state != State.CLOSED
    answering = None
    if conciliation and conciliation["outcome"] == "pending":
        answering = next(
            (
                a
                for a in conciliation["answers"]
                if a["party"].pk == viewer.party_id and a["answer"] is None
            ),
            None,
        )
    return {
        "p": procedure,
        "state": state,
        "state_label": state_label(state),
        "title": text(definition.get("title"), language()),
        "rule": definition.get("decision_rule", ""),
        "rule_label": decision_rule_label(definition.get("decision_rule", "")),
        "timeline": [_labelled(s) for s in selectors.timeline(procedure)],
        "deadlines": procedure.deadlines.all(),
        "participants": participants,
        "chair": next((pt.party for pt in participants if pt.role == Role.CHAIR), None),
        "rapporteur": next((pt.party for pt in participants if pt.role == Role.RAPPORTEUR), None),
        "proposals": [
            {**d, "responses": [_labelled(r) for r in d["responses"]]}
            for d in selectors.drafts_of(procedure)
        ],
        "quorum": {"present": present, "needed": needed, "of": of},
        "window": window,
        "conciliation": conciliation,
        "answering": answering,
        "kinds": STEP_KINDS,
        "can_act": viewer.party_id is not None and state != State.CLOSED,
        "can_assign": secretariat
        and procedure.kind in MEETINGS
        and not (window and window["status"] == "over"),
        "can_schedule": secretariat and window is not None and window["status"] == "not-open",
        "can_report": secretariat and state == State.OPEN and has_report(procedure),
        "charter_parties": parties_of(charter) if secretariat else [],
        "roles": [(Role.CHAIR, Role.CHAIR.label), (Role.RAPPORTEUR, Role.RAPPORTEUR.label)],
        "children": procedure.children.select_related("charter_version"),
        "now": clock.now(),
        "can_call": _can_call(viewer, procedure, state, definition),
        **_settlement_context(viewer, procedure, state, definition),
        **extra,
    }


def _can_call(viewer: User, procedure: Any, state: str, definition: dict[str, Any]) -> bool:
    """Whether the page offers this viewer a call for a decision on each draft: the
    chair where the meeting has one, and the secretariat."""
    if state == State.CLOSED or procedure.kind not in MEETINGS:
        return False
    if definition.get("decision_rule", "consensus") in ("silence", "none"):
        return False
    chair = chair_of(procedure)
    return viewer.is_secretariat or (chair is not None and chair.pk == viewer.party_id)


def _settlement_context(
    viewer: User, procedure: Any, state: str, definition: dict[str, Any]
) -> dict[str, Any]:
    """A dispute's means of settlement on its page: where it stands, what the charter
    allows with its periods, and which forms this viewer may use."""
    found = selectors.settlement_of(procedure)
    if found is None:
        return {"settlement": None}
    lang = language()
    disputing = any(p.pk == viewer.party_id for p in found["parties"])
    running = state == State.OPEN
    third = found["third_party"]
    for offer in found["offers"]:
        offer["label"] = _offer_label(offer)
        offer["answerable"] = (
            running
            and disputing
            and offer["status"] == OfferStatus.PENDING
            and not any(
                a["party"].pk == viewer.party_id and (a["proposer"] or a["answer"])
                for a in offer["answers"]
            )
        )
    allowed = [
        {
            "id": m,
            "label": means_label(m),
            "summary": text(entry.get("summary"), lang),
            "confirmed": entry.get("confirmed"),
            "periods": [
                {
                    "name": name,
                    "duration": d.get("duration"),
                    "duration_words": duration_words(str(d.get("duration", ""))),
                    "summary": text(d.get("summary"), lang),
                    "confirmed": d.get("confirmed"),
                }
                for name, d in (entry.get("deadlines") or {}).items()
            ],
        }
        for m, entry in means_of(definition).items()
    ]
    acts_for_third = (
        running
        and procedure.means in THIRD_PARTY_MEANS
        and third is not None
        and (viewer.is_secretariat or third.third_party_id == viewer.party_id)
    )
    disputing_ids = {p.pk for p in found["parties"]}
    return {
        "settlement": found,
        "means_label": means_label(procedure.means),
        "allowed_means": allowed,
        "means_options": [(m["id"], m["label"]) for m in allowed if m["id"] != procedure.means],
        "can_propose_means": running and disputing and len(allowed) > 1,
        "can_propose_third_party": running and disputing and procedure.means in THIRD_PARTY_MEANS,
        "third_party_candidates": [
            p for p in parties_of(procedure.charter_version.charter) if p.pk not in disputing_ids
        ]
        if disputing
        else [],
        "can_record_contact": acts_for_third,
        "can_mediate": acts_for_third and procedure.means == Means.MEDIATION,
        "can_award": viewer.is_secretariat and running and procedure.means == Means.ARBITRATION,
    }


def _offer_label(offer: dict[str, Any]) -> str:
    found = offer["offer"]
    if found.kind == OfferKind.MEANS:
        return _("Another means of settlement: %(means)s") % {"means": means_label(found.means)}
    if found.kind == OfferKind.THIRD_PARTY:
        return _("Third party (%(means)s): %(third_party)s") % {
            "third_party": found.third_party_label,
            "means": means_label(found.means),
        }
    return _("Mediator's proposal")


KIND_LABELS = {
    **dict(STEP_KINDS),
    "decision": gettext_lazy("Decision adopted"),
    "convened": gettext_lazy("Convened"),
    "not-adopted": gettext_lazy("Not adopted"),
    "deadline": gettext_lazy("Deadline passed"),
    "assign-chair": gettext_lazy("Chair assigned"),
    "assign-rapporteur": gettext_lazy("Rapporteur assigned"),
    "schedule": gettext_lazy("Opening set"),
    "report": gettext_lazy("Conciliation report"),
    "report-accepted": gettext_lazy("Report accepted by every party to the dispute"),
    "report-rejected": gettext_lazy("Report rejected"),
    "report-lapsed": gettext_lazy("Report not accepted within the period"),
    "propose-means": gettext_lazy("Another means of settlement proposed"),
    "means-agreed": gettext_lazy("Means of settlement agreed by every party to the dispute"),
    "means-declined": gettext_lazy("Means of settlement declined"),
    "propose-third-party": gettext_lazy("Third party proposed"),
    "third-party-appointed": gettext_lazy("Third party accepted by every party to the dispute"),
    "third-party-declined": gettext_lazy("Third party declined"),
    "contact": gettext_lazy("Contact by the third party"),
    "mediation-proposal": gettext_lazy("Mediator's proposal"),
    "mediation-accepted": gettext_lazy(
        "Mediator's proposal accepted by every party to the dispute"
    ),
    "mediation-rejected": gettext_lazy("Mediator's proposal rejected"),
    "offer-lapsed": gettext_lazy("Proposal not accepted within the period"),
    "award": gettext_lazy("Arbitral award"),
}


# Steps that name a means of settlement (in their act), shown with it in the reader's language.
MEANS_STEPS = {"propose-means", "means-agreed", "means-declined"}


def _labelled(step: Step) -> Step:
    label = str(KIND_LABELS.get(step.kind, step.kind))
    shown_text = step.text
    if step.kind in MEANS_STEPS:
        label = f"{label}: {means_label(str(step.act.content.get('means', '')))}"
    elif step.kind == "deadline":
        # The text of a deadline that passed is the deadline's name: shown by its label.
        label, shown_text = f"{label}: {Deadline(name=step.text).label}", ""
    step.kind_label = label  # type: ignore[attr-defined]
    step.shown_text = shown_text  # type: ignore[attr-defined]
    return step


def _opens_at(raw: str) -> datetime:
    """A time from the page's datetime field, which is in UTC."""
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)
    except ValueError:
        raise ServiceError(_("Give the time the meeting opens."), field="opens_at") from None


def _depositary_step(request: HttpRequest, viewer: User, procedure: Any, kind: str) -> Step:
    if kind == "report":
        return services.conciliation_report_submit(
            agent=viewer, procedure=procedure, text=request.POST.get("text", "")
        )
    if kind == "schedule":
        return services.procedure_meeting_schedule(
            agent=viewer, procedure=procedure, opens_at=_opens_at(request.POST.get("opens_at", ""))
        )
    party = parties_visible_to(viewer).filter(code=request.POST.get("party", "")).first()
    if party is None:
        raise ServiceError(_("Choose a party."), field="party")
    role = request.POST.get("role", "") or kind.removeprefix("assign-")
    return services.procedure_role_assign(agent=viewer, procedure=procedure, party=party, role=role)


def _settlement_step(request: HttpRequest, viewer: User, procedure: Any, kind: str) -> Step:
    text_in = request.POST.get("text", "")
    if kind == "propose-means":
        return services.settlement_means_propose(
            agent=viewer, procedure=procedure, means=request.POST.get("means", ""), text=text_in
        )
    if kind == "propose-third-party":
        code = request.POST.get("party", "")
        party = parties_visible_to(viewer).filter(code=code).first() if code else None
        if code and party is None:
            raise ServiceError(_("Choose a party."), field="party")
        return services.settlement_third_party_propose(
            agent=viewer,
            procedure=procedure,
            party=party,
            name=request.POST.get("name", ""),
            text=text_in,
        )
    if kind == "contact":
        return services.settlement_contact_record(agent=viewer, procedure=procedure, text=text_in)
    if kind == "mediation-proposal":
        return services.mediation_proposal_submit(agent=viewer, procedure=procedure, text=text_in)
    return services.arbitration_award_record(agent=viewer, procedure=procedure, text=text_in)


@login_required
@require_POST
def procedure_act(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    procedure = selectors.procedure_get(viewer, pk)
    proposal: Step | None = None
    raw = request.POST.get("proposal", "")
    if raw.isdigit():
        proposal = procedure.steps.filter(pk=int(raw)).first()
        if proposal is None:
            raise Http404
    kind = request.POST.get("kind", "")
    try:
        if kind in services.DEPOSITARY_STEPS or kind == "assign":
            _depositary_step(request, viewer, procedure, kind)
        elif kind in services.SETTLEMENT_STEPS:
            _settlement_step(request, viewer, procedure, kind)
        elif kind == "call-decision" and viewer.is_secretariat:
            services.procedure_decision_call(
                agent=viewer,
                procedure=procedure,
                proposal=proposal,
                text=request.POST.get("text", ""),
            )
        else:
            services.procedure_step(
                agent=viewer,
                procedure=procedure,
                kind=kind,
                text=request.POST.get("text", ""),
                proposal=proposal,
                interpretative=request.POST.get("interpretative") == "on",
            )
    except NotPermitted:
        raise PermissionDenied from None
    except ServiceError as exc:
        return render(
            request,
            "procedures/detail.html",
            _detail_context(viewer, procedure, error=_error(exc.field, exc.message)),
            status=400,
        )
    messages.success(request, _("Recorded."))
    return redirect("procedures:detail", pk=pk)


@login_required
def decision_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    page = Paginator(selectors.decisions_visible_to(viewer), 50).get_page(request.GET.get("page"))
    return render(request, "procedures/decisions.html", {"page": page})
