"""Pages for notifications: the inbox, submitting (from a form generated from the
charter's schema, or a bulk file), a notification with its receipts and versions, the
calendar of notified activities with its iCal feed, and compliance."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord import clock
from concord.charters.loader import text
from concord.charters.models import Charter
from concord.charters.selectors import charter_get, charters_visible_to
from concord.notifications import bulk, compliance_queries, schema_form, selectors, services
from concord.notifications.compliance_text import finding_message
from concord.notifications.facts import parse_date
from concord.parties.models import Party, User
from concord.parties.selectors import parties_visible_to
from concord.parties.services import NotPermitted, ServiceError, token_authenticate
from concord.web.context import language


def _viewer(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    box = request.GET.get("box", "received" if viewer.party else "all")
    if box not in ("received", "sent", "all", "drafts"):
        box = "received"
    filters: dict[str, Any] = {
        "charter": request.GET.get("charter", "")[:40],
        "form": request.GET.get("form", "")[:60],
        "party": request.GET.get("party", "")[:20],
        "since": parse_date(request.GET.get("since")),
        "until": parse_date(request.GET.get("until")),
    }
    if box == "drafts":
        items = selectors.drafts_of(viewer)
    else:
        items = selectors.notifications_visible_to(viewer, box=box, **filters)
    if request.GET.get("export") == "csv" and box != "drafts":
        return _csv(items)
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "box": box,
            "filters": filters,
            "charters": charters_visible_to(viewer),
            "parties": parties_visible_to(viewer),
            "deadlines": selectors.deadlines_for(viewer.party, language=language())
            if viewer.party
            else [],
        },
    )


def _csv(items: Any) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["number", "charter", "form", "party", "state", "submitted_at", "due_at", "late"]
    )
    for n in items[:10000]:
        writer.writerow(
            [
                n.number,
                n.charter_version.label,
                n.form,
                n.party.code,
                n.state,
                n.submitted_at.isoformat() if n.submitted_at else "",
                n.due_at.isoformat() if n.due_at else "",
                "yes" if n.late_by else "no",
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="notifications.csv"'
    return response


@login_required
def form_choice(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    charters = [
        (c, selectors.forms_of(c, language()))
        for c in charters_visible_to(viewer)
        if c.document.get("forms")
    ]
    return render(request, "notifications/choose.html", {"charters": charters})


def _form_context(
    request: HttpRequest,
    charter: Charter,
    definition: dict[str, Any],
    data: dict[str, Any],
    problems: list[schema_form.Problem],
    **extra: Any,
) -> dict[str, Any]:
    return {
        "charter": charter,
        "form": definition,
        "title": text(definition.get("title"), language()),
        "summary": text(definition.get("summary"), language()),
        "deadline": text(definition.get("deadline", {}).get("summary"), language()),
        "article": next(
            (
                a
                for a in charter.document.get("articles", [])
                if a["id"] == definition.get("article")
            ),
            {},
        ),
        "nodes": schema_form.fields_for(definition["schema"], data, problems, language()),
        "problems": problems,
        "bulk": bulk.row_field(definition["schema"]) is not None,
        **extra,
    }


@login_required
def submit(request: HttpRequest, charter_code: str, form: str) -> HttpResponse:
    """The form generated from the charter's schema. Buttons: add or remove a row,
    save a draft, or submit (which delivers at once)."""
    viewer = _viewer(request)
    charter = charter_get(viewer, charter_code)
    try:
        definition = services.form_definition(charter, form)
    except ServiceError:
        raise Http404 from None
    schema = definition["schema"]
    draft = (
        selectors.draft_get(viewer, int(request.GET["draft"]))
        if request.GET.get("draft", "").isdigit()
        else None
    )
    correcting = (
        selectors.notification_get(viewer, int(request.GET["correct"]))
        if request.GET.get("correct", "").isdigit()
        else None
    )
    if request.method != "POST":
        data = (draft.data if draft else None) or (correcting.data if correcting else {})
        return render(
            request,
            "notifications/submit.html",
            _form_context(
                request, charter, definition, data, [], draft=draft, correcting=correcting
            ),
        )
    post: Any = request.POST
    upload = request.FILES.get("bulk")
    if upload is not None:
        try:
            rows = bulk.read_upload(
                upload.name or "", upload.read(bulk.MAX_UPLOAD_BYTES + 1), schema
            )
        except bulk.BulkError as exc:
            problem = schema_form.Problem(path="bulk", label=_("Bulk file"), message=str(exc))
            data = schema_form.parse_post(schema, post, language()).data
            return render(
                request,
                "notifications/submit.html",
                _form_context(
                    request,
                    charter,
                    definition,
                    data,
                    [problem],
                    draft=draft,
                    correcting=correcting,
                ),
                status=400,
            )
        field = bulk.row_field(schema)
        post = {k: v for k, v in post.lists() if not k.startswith(f"{field}.")}
        post.update({k: [v] for k, v in rows.items()})
    parsed = schema_form.parse_post(schema, post, language())
    data = parsed.data
    if parsed.action is not None or (upload is not None and "submit" not in request.POST):
        # Adding or removing a row, or loading a file: show the form again, unsent.
        return render(
            request,
            "notifications/submit.html",
            _form_context(
                request, charter, definition, data, [], draft=draft, correcting=correcting
            ),
        )
    if "save_draft" in request.POST:
        try:
            draft = services.draft_save(
                agent=viewer, charter=charter, form=form, data=data, draft=draft
            )
        except NotPermitted:
            raise PermissionDenied from None
        messages.success(request, _("The draft was saved."))
        return redirect(f"{request.path}?draft={draft.pk}")
    # Validation happens once, in the service, with labels in the user's language.
    problems: list[schema_form.Problem] = []
    try:
        notification = services.notification_submit(
            agent=viewer,
            charter=charter,
            form=form,
            data=data,
            draft=draft,
            supersedes=correcting,
            language=language(),
        )
    except NotPermitted:
        raise PermissionDenied from None
    except services.NotificationInvalid as exc:
        problems = exc.problems
    except ServiceError as exc:
        problems = [schema_form.Problem(path=exc.field, label=exc.field, message=exc.message)]
    else:
        messages.success(
            request,
            _("Notification %(number)s was submitted and delivered.")
            % {"number": notification.number},
        )
        return redirect("notifications:detail", pk=notification.pk)
    return render(
        request,
        "notifications/submit.html",
        _form_context(
            request, charter, definition, data, problems, draft=draft, correcting=correcting
        ),
        status=400,
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    notification = selectors.notification_get(viewer, pk)
    charter = notification.charter_version.charter
    definition: dict[str, Any] = next(
        (
            f
            for f in notification.charter_version.document.get("forms", [])
            if f["id"] == notification.form
        ),
        {},
    )
    receipts = selectors.receipts_for(viewer, notification)
    own_receipt = next((r for r in receipts if r.party_id == viewer.party_id), None)
    return render(
        request,
        "notifications/detail.html",
        {
            "n": notification,
            "charter": charter,
            "title": text(definition.get("title"), language()),
            "nodes": schema_form.fields_for(
                definition.get("schema", {}), notification.data, [], language()
            )
            if definition
            else [],
            "receipts": receipts,
            "acknowledged": sum(1 for r in receipts if r.acknowledged_at),
            "own_receipt": own_receipt,
            "versions": selectors.versions_of(notification),
            "can_correct": viewer.party_id == notification.party_id
            and notification.state == "submitted",
        },
    )


@login_required
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    notification = selectors.notification_get(viewer, pk)
    try:
        services.receipt_acknowledge(agent=viewer, notification=notification)
    except NotPermitted:
        raise PermissionDenied from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Receipt acknowledged."))
    return redirect("notifications:detail", pk=pk)


@login_required
def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _viewer(request)
    draft = selectors.draft_get(viewer, pk)
    if request.method == "POST":
        services.draft_delete(agent=viewer, draft=draft)
        messages.success(request, _("The draft was deleted."))
    return redirect(f"{_inbox_url()}?box=drafts")


def _inbox_url() -> str:
    from django.urls import reverse

    return reverse("notifications:inbox")


def _activities(viewer: User, year: int | None = None) -> list[dict[str, Any]]:
    """Notified activities the viewer may see: prior notifications and the activities
    in annual calendars."""
    out: list[dict[str, Any]] = []
    items = selectors.notifications_visible_to(viewer).filter(
        form__in=["prior-notification", "annual-calendar"], state="submitted"
    )
    for n in items:
        rows = n.facts.get("activities", []) if n.form == "annual-calendar" else [n.facts]
        for a in rows:
            start, end = parse_date(a.get("start")), parse_date(a.get("end"))
            if start is None or (year and start.year != year):
                continue
            out.append(
                {
                    "party": n.party,
                    "start": start,
                    "end": end or start,
                    "kind": a.get("kind", ""),
                    "troops": a.get("troops"),
                    "area": a.get("area", ""),
                    "source": n,
                    "planned": n.form == "annual-calendar",
                }
            )
    return sorted(out, key=lambda a: (a["start"], a["party"].code))


@login_required
def calendar(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else clock.now().year
    return render(
        request,
        "notifications/calendar.html",
        {"activities": _activities(viewer, year), "year": year, "years": range(year - 2, year + 3)},
    )


def _calendar_feed(user: User) -> Any:
    """The iCal calendar of the activities ``user`` may see, in the active language."""
    from icalendar import Calendar, Event

    from concord.notifications.templatetags.notification_text import choice_label

    cal = Calendar()
    cal.add("prodid", "-//Concord//notified activities//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Concord: notified military activities"))
    for a in _activities(user):
        event = Event()
        event.add("uid", f"{a['source'].number}-{a['start'].isoformat()}@concord")
        event.add(
            "summary",
            _("%(party)s: %(kind)s (%(troops)s troops)")
            % {
                "party": a["party"].code.upper(),
                "kind": choice_label(a["source"], "kind", a["kind"]),
                "troops": a["troops"] or "?",
            },
        )
        event.add("dtstart", a["start"])
        event.add("dtend", a["end"] + timedelta(days=1))
        event.add(
            "dtstamp",
            datetime.combine(a["source"].submitted_at.date(), time(), tzinfo=clock.now().tzinfo),
        )
        event.add(
            "description",
            f"{a['source'].number} — "
            + (_("annual calendar") if a["planned"] else _("prior notification")),
        )
        if a["area"]:
            event.add("location", a["area"])
        cal.add_component(event)
    return cal


def calendar_ics(request: HttpRequest) -> HttpResponse:
    """iCal feed of the notified activities a party may see. Calendar programs cannot
    send headers, so the API token may come as ``?token=``."""
    user: User | None = request.user if isinstance(request.user, User) else None
    raw = request.GET.get("token") or request.headers.get("Authorization", "").removeprefix(
        "Bearer "
    )
    if user is None or not user.is_authenticated:
        user = token_authenticate(raw.strip()) if raw else None
    if user is None:
        response = HttpResponse("authentication required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = "Bearer"
        return response
    # Calendar programs send no language: the feed is in the member's own.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        cal = _calendar_feed(user)
    return HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    charters = [c for c in charters_visible_to(viewer) if c.document.get("forms")]
    code = request.GET.get("charter") or (charters[0].code if charters else "")
    charter = charter_get(viewer, code) if code else None
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else clock.now().year
    party = request.GET.get("party", "")[:20]
    if party and not Party.objects.filter(code=party).exists():
        raise Http404
    findings = compliance_queries.findings(charter, year, party=party or None) if charter else []
    by_party: dict[str, int] = {}
    language = (get_language() or "en")[:2]
    for f in findings:
        by_party[f["party"]] = by_party.get(f["party"], 0) + 1
        if charter is not None:
            f["text"] = finding_message(f, charter.document, language)
    return render(
        request,
        "notifications/compliance.html",
        {
            "charters": charters,
            "charter": charter,
            "year": year,
            "years": range(clock.now().year - 3, clock.now().year + 2),
            "party": party,
            "findings": findings,
            "by_party": sorted(by_party.items(), key=lambda kv: (-kv[1], kv[0])),
            "parties": parties_visible_to(viewer, charter=charter.code) if charter else [],
        },
    )


@login_required
def bulk_template(request: HttpRequest, charter_code: str, form: str, fmt: str) -> HttpResponse:
    viewer = _viewer(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    charter = charter_get(viewer, charter_code)
    try:
        schema = services.form_definition(charter, form)["schema"]
        if fmt == "csv":
            body, content_type = bulk.template_csv(schema, language()), "text/csv; charset=utf-8"
        else:
            body = bulk.template_xlsx(schema, language())
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    except (ServiceError, bulk.BulkError):
        raise Http404 from None
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{charter.code}-{form}.{fmt}"'
    return response
