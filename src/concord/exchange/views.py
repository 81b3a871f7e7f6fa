"""Pages of the exchange: a contact point's inbox per channel, composing a message with
its entities (and checking them for hits before sending), a message with its entities,
hits and thread, requests for access, sharing groups, and the secretariat's
metadata-only view."""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.charters.models import Charter
from concord.exchange import forms, selectors, services
from concord.exchange.attachments import attachment_response, attachments_clean
from concord.exchange.entities import ENTITY_FIELDS, EntityKind, entity_clean
from concord.exchange.hits import hits_find, hits_for_entities
from concord.exchange.models import AccessState, Channel, Kind, Message
from concord.parties.models import Participation, Status, User
from concord.parties.services import ServiceError
from concord.record.entry import content_commitment


def _viewer(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _exchange_charters() -> list[Charter]:
    return [
        c
        for c in Charter.objects.order_by("code")
        if any(m.get("kind") == "exchange" for m in c.document.get("mechanisms", []))
    ]


def _charter(request: HttpRequest) -> Charter:
    charters = _exchange_charters()
    code = request.GET.get("charter") or request.POST.get("charter") or ""
    for c in charters:
        if c.code == code:
            return c
    if not charters:
        raise Http404
    return charters[0]


def _party_choices(charter: Charter, viewer: User) -> list[tuple[str, str]]:
    rows = (
        Participation.objects.filter(charter=charter, status=Status.PARTY)
        .exclude(party=viewer.party)
        .select_related("party")
        .order_by("party__code")
    )
    return [(r.party.code, f"{r.party.display_name()} ({r.party.code})") for r in rows]


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if not selectors.can_read_exchange(viewer):
        return render(request, "exchange/not_contact_point.html", status=200)
    channel = request.GET.get("channel", "")
    if channel not in Channel.values:
        channel = ""
    box = request.GET.get("box", "all")
    if box not in ("received", "sent", "all"):
        box = "all"
    items = selectors.messages_visible_to(viewer, channel=channel, box=box)
    if request.GET.get("export") == "csv":
        return _csv(viewer, items)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    secretariat = selectors.exchange_party(viewer) is None
    return render(
        request,
        "exchange/inbox.html",
        {
            "page": page,
            "channel": channel,
            "box": box,
            "channels": Channel.choices,
            "secretariat": secretariat,
            "pending": selectors.pending_decisions(viewer),
            "rows": [
                (m, selectors.request_state(m) if not secretariat else "") for m in page.object_list
            ],
        },
    )


def _csv(viewer: User, items: Any) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    secretariat = selectors.exchange_party(viewer) is None
    header = ["reference", "channel", "kind", "originator", "sent_at", "tlp", "handling"]
    writer.writerow(header if secretariat else [*header, "subject", "entities"])
    for m in items[:10000]:
        row = [
            m.reference,
            m.channel,
            m.kind,
            m.originator.code,
            m.sent_at.isoformat(),
            m.tlp,
            m.handling,
        ]
        if not secretariat:
            labels = "; ".join(e.label for e in m.entities.all())
            row += [_csv_safe(m.subject), _csv_safe(labels)]
        writer.writerow(row)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="exchange.csv"'
    return response


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ would be read as a formula by spreadsheets.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@login_required
def compose(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if selectors.exchange_party(viewer) is None:
        return render(request, "exchange/not_contact_point.html")
    charter = _charter(request)
    parties = _party_choices(charter, viewer)
    groups = [(g.pk, g.name) for g in selectors.groups_visible_to(viewer).filter(charter=charter)]
    form = forms.MessageForm(
        request.POST or None,
        request.FILES or None,
        parties=parties,
        groups=groups,
        initial={"recipients": request.GET.getlist("to")},
    )
    entity_rows = forms.entity_rows(request.POST) if request.method == "POST" else []
    problems: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            files = [(f.name, f.read()) for f in data["attachments"]]
            message = services.message_send(
                agent=viewer,
                message=services.MessageInput(
                    charter=charter,
                    channel=data["channel"],
                    kind=data["kind"],
                    subject=data["subject"],
                    body=data["body"],
                    tlp=data["tlp"],
                    handling=data["handling"],
                    handling_note=data["handling_note"],
                    reliability=data["reliability"],
                    accuracy=data["accuracy"],
                    recipients=tuple(data["recipients"]),
                    group=selectors.group_get(viewer, data["group"]) if data["group"] else None,
                    due_at=form.due_at(),
                    findable=data["findable"],
                    entities=entity_rows,
                    attachments=tuple(attachments_clean(files)),
                ),
            )
        except services.EntitiesInvalid as exc:
            problems = [(p.field, p.message) for p in exc.entity_problems]
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Message %(ref)s sent.") % {"ref": message.reference})
            return redirect("exchange:detail", pk=message.pk)
    return render(
        request,
        "exchange/compose.html",
        {
            "form": form,
            "charter": charter,
            "charters": _exchange_charters(),
            "entity_rows": _rows_for_template(entity_rows),
            "entity_kinds": EntityKind.choices,
            "problems": problems,
        },
        status=400 if request.method == "POST" else 200,
    )


def _rows_for_template(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for n, raw in enumerate(rows):
        kind = str(raw.get("kind", ""))
        values = {}
        for field in ENTITY_FIELDS.get(kind, ()):
            value = raw.get(field, "")
            if field in forms.LIST_FIELDS and isinstance(value, list):
                value = "\n".join(str(v) for v in value)
            elif field in forms.DOCUMENT_FIELDS and isinstance(value, list):
                value = "\n".join(" ".join(str(v) for v in d.values()) for d in value)
            values[field] = value
        out.append({"n": n, "kind": kind, "fields": _fields(kind, values)})
    return out


def _fields(kind: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": field,
            "label": forms.FIELD_LABELS.get(field, field),
            "value": values.get(field, ""),
            "multiline": field in forms.LIST_FIELDS or field in forms.DOCUMENT_FIELDS,
        }
        for field in ENTITY_FIELDS.get(kind, ())
    ]


@login_required
def entity_row(request: HttpRequest) -> HttpResponse:
    """One group of entity inputs for the kind chosen (htmx)."""
    kind = request.GET.get("kind", "person")
    if kind not in ENTITY_FIELDS:
        raise Http404
    try:
        n = max(0, min(int(request.GET.get("n", "0")), forms.MAX_ENTITY_ROWS))
    except ValueError:
        n = 0
    return render(
        request,
        "exchange/entity_row.html",
        {
            "row": {"n": n, "kind": kind, "fields": _fields(kind, {})},
            "entity_kinds": EntityKind.choices,
        },
    )


@login_required
def hits_page(request: HttpRequest) -> HttpResponse:
    """Check entities for hits, alone or from the compose page (htmx fragment)."""
    viewer = _viewer(request)
    if selectors.exchange_party(viewer) is None:
        return render(request, "exchange/not_contact_point.html")
    results = None
    problems: list[tuple[str, str]] = []
    rows = forms.entity_rows(request.POST) if request.method == "POST" else []
    if request.method == "POST":
        try:
            results = hits_find(viewer, rows)
        except services.EntitiesInvalid as exc:
            problems = [(p.field, p.message) for p in exc.entity_problems]
    fragment = request.headers.get("HX-Request") == "true"
    template = "exchange/hits_results.html" if fragment else "exchange/hits.html"
    return render(
        request,
        template,
        {
            "results": results,
            "problems": problems,
            "entity_rows": _rows_for_template(rows) or _rows_for_template([{"kind": "person"}]),
            "entity_kinds": EntityKind.choices,
        },
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    message = selectors.message_get(viewer, pk)
    if not selectors.content_visible(viewer, message):
        return render(
            request,
            "exchange/metadata.html",
            {"message": message, "distribution": selectors.distribution_for(viewer, message)},
        )
    party = selectors.exchange_party(viewer)
    assert party is not None
    entities = list(message.entities.all())
    # Checked again for the reader: the label in the reader's language, and the hits.
    clean = [entity_clean({"kind": e.kind, **e.data}) for e in entities]
    results = hits_for_entities(party.pk, clean, exclude_message_id=message.pk) if clean else []
    opening = selectors.opening_for(viewer, message)
    opening["checked"] = _commitment_holds(opening)
    return render(
        request,
        "exchange/detail.html",
        {
            "message": message,
            "own": message.originator_id == party.pk,
            "distribution": selectors.distribution_for(viewer, message),
            "entities": [
                (e, c.label, r.hits) for e, c, r in zip(entities, clean, results, strict=True)
            ],
            "attachments": list(message.attachments.all()),
            "thread": selectors.thread_of(viewer, message),
            "request_state": selectors.request_state(message),
            "opening": opening,
            "reply_form": forms.ReplyForm(initial={"subject": _reply_subject(message)}),
            "access_form": forms.AccessForm(),
            "parties": _party_choices(message.charter_version.charter, viewer),
            "can_reply": message.originator_id != party.pk or message.kind == Kind.REQUEST,
        },
    )


def _commitment_holds(opening: dict[str, Any]) -> bool:
    """Recompute the record's commitment from the content and salt shown to the user."""
    salt = base64.b64decode(opening["salt"])
    return bool(content_commitment(opening["content"], salt) == opening["digest"])


def _reply_subject(message: Message) -> str:
    prefix = "Re: "
    return message.subject if message.subject.startswith(prefix) else prefix + message.subject


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    parent = selectors.message_content_get(viewer, pk)
    form = forms.ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(map(str, errors))}")
        return redirect("exchange:detail", pk=pk)
    try:
        files = [(f.name, f.read()) for f in form.cleaned_data["attachments"]]
        sent = services.message_send(
            agent=viewer,
            message=services.MessageInput(
                charter=parent.charter_version.charter,
                channel=parent.channel,
                kind=Kind.REPLY,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                tlp=parent.tlp,
                handling=parent.handling,
                handling_note=parent.handling_note,
                reliability=parent.reliability,
                accuracy=parent.accuracy,
                in_reply_to=parent,
                attachments=tuple(attachments_clean(files)),
            ),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("exchange:detail", pk=pk)
    messages.success(request, _("Reply %(ref)s sent.") % {"ref": sent.reference})
    return redirect("exchange:detail", pk=sent.pk)


@login_required
@require_POST
def pass_on(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    message = selectors.message_content_get(viewer, pk)
    form = forms.AccessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the party and a reason."))
        return redirect("exchange:detail", pk=pk)
    try:
        services.access_request(
            agent=viewer,
            kind="pass-on",
            message=message,
            beneficiary=form.cleaned_data["beneficiary"],
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The originator has been asked for consent."))
    return redirect("exchange:detail", pk=pk)


@login_required
@require_POST
def hit_request(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    form = forms.AccessForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["reference"]:
        messages.error(request, _("Give a reason for the request."))
        return redirect("exchange:requests")
    try:
        services.access_request(
            agent=viewer,
            kind="hit",
            entity_reference=form.cleaned_data["reference"],
            reason=form.cleaned_data["reason"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The holder has been asked to release the information."))
    return redirect(f"{reverse('exchange:requests')}?box=outgoing")


@login_required
def requests(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if selectors.exchange_party(viewer) is None:
        return render(request, "exchange/not_contact_point.html")
    box = request.GET.get("box", "incoming")
    if box not in ("incoming", "outgoing"):
        box = "incoming"
    items = selectors.access_requests_for(viewer, box=box)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "exchange/requests.html",
        {
            "page": page,
            "box": box,
            "pending_state": AccessState.PENDING,
            "pending": selectors.pending_decisions(viewer),
            "form": forms.DecisionForm(),
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    found = selectors.access_request_get(viewer, pk)
    form = forms.DecisionForm(request.POST)
    grant = request.POST.get("decision") == "grant"
    if request.POST.get("decision") not in ("grant", "refuse") or not form.is_valid():
        messages.error(request, _("Choose to grant or refuse."))
        return redirect("exchange:requests")
    try:
        services.access_decide(
            agent=viewer, request=found, grant=grant, note=form.cleaned_data["note"]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Granted.") if grant else _("Refused."))
    return redirect("exchange:requests")


@login_required
def groups(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if selectors.exchange_party(viewer) is None:
        return render(request, "exchange/not_contact_point.html")
    charter = _charter(request)
    form = forms.GroupForm(request.POST or None, parties=_party_choices(charter, viewer))
    if request.method == "POST" and form.is_valid():
        try:
            services.group_create(
                agent=viewer,
                charter=charter,
                name=form.cleaned_data["name"],
                members=form.cleaned_data["members"],
                hidden_membership=form.cleaned_data["hidden_membership"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Group created."))
            return redirect("exchange:groups")
    rows = [
        (g, selectors.group_members_for(viewer, g)) for g in selectors.groups_visible_to(viewer)
    ]
    return render(
        request,
        "exchange/groups.html",
        {"form": form, "rows": rows, "charter": charter},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    return attachment_response(selectors.attachment_get(_viewer(request), pk, attachment_id))


@login_required
def opening(request: HttpRequest, pk: int) -> HttpResponse:
    """The content and salt behind the record's commitment, as a JSON file to keep."""
    viewer = _viewer(request)
    data = selectors.opening_for(viewer, selectors.message_content_get(viewer, pk))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="opening-{data["seq"]}.json"'
    return response
