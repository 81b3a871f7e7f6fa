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
from concord.charters.loader import text
from concord.charters.selectors import charters_visible_to
from concord.parties.models import Party, User
from concord.parties.selectors import parties_visible_to
from concord.parties.services import NotPermitted, ServiceError
from concord.procedures import selectors, services
from concord.procedures.acts import MEETINGS, parties_of
from concord.procedures.conciliation import has_report
from concord.procedures.models import Role, State, Step
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


def _state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else state


def _row(p: Any) -> dict[str, Any]:
    state = selectors.state_of(p)
    return {
        "p": p,
        "state": state,
        "state_label": _state_label(state),
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
        error = ("mechanism", _("Choose a mechanism."))
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
            )
        except NotPermitted:
            raise PermissionDenied from None
        except ServiceError as exc:
            error = (exc.field, exc.message)
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
        "state_label": _state_label(state),
        "title": text(definition.get("title"), language()),
        "rule": definition.get("decision_rule", ""),
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
        "children": procedure.children.all(),
        "now": clock.now(),
        **extra,
    }


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
}


def _labelled(step: Step) -> Step:
    step.kind_label = KIND_LABELS.get(step.kind, step.kind)  # type: ignore[attr-defined]
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
            _detail_context(viewer, procedure, error=(exc.field, exc.message)),
            status=400,
        )
    messages.success(request, _("Recorded."))
    return redirect("procedures:detail", pk=pk)


@login_required
def decision_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    page = Paginator(selectors.decisions_visible_to(viewer), 50).get_page(request.GET.get("page"))
    return render(request, "procedures/decisions.html", {"page": page})
