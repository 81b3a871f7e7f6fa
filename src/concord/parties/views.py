"""Pages for parties: the list, a party's detail, and the acts one takes from there."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.parties import selectors
from concord.parties import services as svc
from concord.parties.forms import (
    CharterChoiceForm,
    MemberForm,
    PartyFilterForm,
    PartyRegisterForm,
    ResetForm,
    StatusForm,
)
from concord.parties.models import Participation, Party, User


def _viewer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def party_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    filters = PartyFilterForm(request.GET or None)
    criteria: dict[str, Any] = {}
    if filters.is_valid():
        data = filters.cleaned_data
        criteria = {
            "q": data["q"],
            "kind": data["kind"],
            "status": data["status"],
            "charter": data["charter"].code if data["charter"] else "",
        }
    page = Paginator(selectors.parties_visible_to(viewer, **criteria), 100).get_page(
        request.GET.get("page")
    )
    register = PartyRegisterForm() if viewer.is_secretariat else None
    return render(
        request,
        "parties/list.html",
        {"filters": filters, "page": page, "register": register},
        status=200 if not request.GET or filters.is_valid() else 400,
    )


@login_required
@require_POST
def party_register(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    if not viewer.is_secretariat:
        raise PermissionDenied
    form = PartyRegisterForm(request.POST)
    if form.is_valid():
        try:
            party = svc.party_register(agent=viewer, **form.cleaned_data)
        except svc.ServiceError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": party.name})
            return redirect("parties:detail", code=party.code)
    page = Paginator(selectors.parties_visible_to(viewer), 100).get_page(1)
    return render(
        request,
        "parties/list.html",
        {"filters": PartyFilterForm(), "page": page, "register": form},
        status=400,
    )


def _detail_context(viewer: User, party: Party) -> dict[str, Any]:
    own = viewer.party_id == party.pk
    return {
        "party": party,
        "own": own,
        "participations": party.participations.select_related("charter"),
        "history": selectors.history_of(party)[:200],
        "keys": selectors.keys_of(party),
        "members": selectors.members_visible_to(viewer, party),
        "status_form": StatusForm() if viewer.is_secretariat else None,
        "member_form": MemberForm() if viewer.is_secretariat else None,
        "charter_form": CharterChoiceForm() if own and viewer.has_role("head") else None,
        "can_rotate": own and viewer.has_role("head"),
        "consentable": [
            p
            for p in selectors.applicants_for(viewer).filter(party=party)
            if viewer.has_role("head")
        ],
    }


@login_required
def party_detail(request: HttpRequest, code: str) -> HttpResponse:
    viewer = _viewer(request)
    party = selectors.party_get(viewer, code)
    return render(request, "parties/detail.html", _detail_context(viewer, party))


def _rerender(request: HttpRequest, viewer: User, party: Party, **forms: Any) -> HttpResponse:
    context = _detail_context(viewer, party)
    context.update(forms)
    return render(request, "parties/detail.html", context, status=400)


@login_required
@require_POST
def party_status(request: HttpRequest, code: str) -> HttpResponse:
    viewer = _viewer(request)
    party = selectors.party_get(viewer, code)
    if not viewer.is_secretariat:
        raise PermissionDenied
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            svc.participation_set(
                agent=viewer,
                party=party,
                charter=form.cleaned_data["charter"],
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except svc.ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The status was recorded."))
            return redirect("parties:detail", code=code)
    return _rerender(request, viewer, party, status_form=form)


@login_required
@require_POST
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    viewer = _viewer(request)
    party = selectors.party_get(viewer, code)
    if not viewer.is_secretariat:
        raise PermissionDenied
    form = MemberForm(request.POST)
    if form.is_valid():
        try:
            svc.user_create(agent=viewer, party=party, **form.cleaned_data)
        except svc.ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The member was added."))
            return redirect("parties:detail", code=code)
    return _rerender(request, viewer, party, member_form=form)


@login_required
@require_POST
def member_reset(request: HttpRequest, username: str) -> HttpResponse:
    viewer = _viewer(request)
    member = selectors.member_get(viewer, username)
    if not viewer.is_secretariat:
        raise PermissionDenied
    form = ResetForm(request.POST)
    form.is_valid()
    temporary = svc.password_reset(
        agent=viewer, user=member, second_factor=form.cleaned_data.get("second_factor", False)
    )
    return render(request, "parties/reset_done.html", {"member": member, "temporary": temporary})


def _party_act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    viewer = _viewer(request)
    party = selectors.party_get(viewer, code)
    form = CharterChoiceForm(request.POST)
    if not form.is_valid():
        return _rerender(request, viewer, party, charter_form=form)
    charter = form.cleaned_data["charter"]
    try:
        if action == "accession":
            svc.accession_request(agent=viewer, party=party, charter=charter)
            messages.success(request, _("The request for accession was recorded."))
        elif action == "withdrawal":
            p = svc.withdrawal_notify(agent=viewer, party=party, charter=charter)
            messages.success(
                request,
                _("Notice of withdrawal was given; it takes effect on %(date)s.")
                % {"date": p.withdrawal_effective_at},
            )
        else:
            applicant = Participation.objects.filter(party=party, charter=charter).first()
            if applicant is None or viewer.party is None:
                raise svc.ServiceError(_("This party is not an applicant."), field="charter")
            svc.accession_consent(agent=viewer, party=viewer.party, applicant=applicant)
            messages.success(request, _("Your consent was recorded."))
    except svc.NotPermitted:
        raise PermissionDenied from None
    except svc.ServiceError as exc:
        form.add_error("charter", exc.message)
        return _rerender(request, viewer, party, charter_form=form)
    return redirect("parties:detail", code=code)


@login_required
@require_POST
def accession(request: HttpRequest, code: str) -> HttpResponse:
    return _party_act(request, code, "accession")


@login_required
@require_POST
def withdrawal(request: HttpRequest, code: str) -> HttpResponse:
    return _party_act(request, code, "withdrawal")


@login_required
@require_POST
def consent(request: HttpRequest, code: str) -> HttpResponse:
    return _party_act(request, code, "consent")


@login_required
@require_POST
def key_rotate(request: HttpRequest, code: str) -> HttpResponse:
    viewer = _viewer(request)
    party = selectors.party_get(viewer, code)
    try:
        key = svc.key_rotate(agent=viewer, party=party)
    except svc.NotPermitted:
        raise PermissionDenied from None
    messages.success(request, _("A new signing key %(key)s was published.") % {"key": key.key_id})
    return redirect("parties:detail", code=code)
