"""Signing in, the dashboard and one's own account."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import activate, get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.charters.selectors import charters_visible_to
from concord.delivery.forms import MailPreferenceForm
from concord.delivery.selectors import mail_preference_of
from concord.delivery.services import mail_preference_set
from concord.notifications.selectors import deadlines_for, notifications_visible_to
from concord.parties import auth
from concord.parties import services as party_services
from concord.parties.models import Participation, User
from concord.parties.selectors import applicants_for, members_visible_to, tokens_of
from concord.procedures.models import Procedure
from concord.procedures.models import state_label as procedure_state_label
from concord.procedures.selectors import next_deadline as procedure_next_deadline
from concord.procedures.selectors import procedures_visible_to
from concord.procedures.selectors import state_of as procedure_state
from concord.record.selectors import acts_visible_to
from concord.web.forms import CodeForm, LanguageForm, PasswordChangeForm, SignInForm, TokenForm

PENDING_USER = "concord.pending_user"
PENDING_TOTP = "concord.pending_totp"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:dashboard")


def _finish_sign_in(request: HttpRequest, user: User) -> HttpResponseRedirect:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    response = redirect(_safe_next(request))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language, samesite="Lax")
    activate(user.language)
    return response


def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:dashboard")
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = auth.password_check(form.cleaned_data["username"], form.cleaned_data["password"])
        except auth.SignInError as exc:
            form.add_error(None, exc.message)
        else:
            if user.has_totp:
                request.session.cycle_key()
                request.session[PENDING_USER] = user.pk
                url = reverse("web:sign_in_code")
                nxt = request.POST.get("next")
                return redirect(f"{url}?next={nxt}" if nxt else url)
            return _finish_sign_in(request, user)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "web/sign_in.html",
        {"form": form, "next": request.GET.get("next", "")},
        status=status,
    )


def sign_in_code(request: HttpRequest) -> HttpResponse:
    pk = request.session.get(PENDING_USER)
    user = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    if user is None:
        return redirect("web:sign_in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auth.totp_check(user, form.cleaned_data["code"])
        except auth.SignInError as exc:
            form.add_error("code", exc.message)
            if user.locked_until:
                request.session.pop(PENDING_USER, None)
        else:
            request.session.pop(PENDING_USER, None)
            return _finish_sign_in(request, user)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/sign_in_code.html", {"form": form}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:sign_in")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    participations = (
        Participation.objects.filter(party=user.party).select_related("charter")
        if user.party
        else Participation.objects.none()
    )
    context = {
        "participations": participations,
        "delegation": members_visible_to(user, user.party) if user.party else [],
        "acts": acts_visible_to(user)[:10],
        "applicants": applicants_for(user),
        "charters": charters_visible_to(user),
        "deadlines": deadlines_for(user.party, language=(get_language() or "en")[:2])[:8]
        if user.party
        else [],
        "received": notifications_visible_to(user, box="received")[:5] if user.party else [],
        "procedures": [_procedure_row(p) for p in procedures_visible_to(user, open_only=True)[:8]],
    }
    return render(request, "web/dashboard.html", context)


def _procedure_row(procedure: Procedure) -> dict[str, Any]:
    """An open procedure on the dashboard: its state (deadlines passed counted) by label."""
    state = procedure_state(procedure)
    return {
        "p": procedure,
        "state": state,
        "state_label": procedure_state_label(state),
        "next": procedure_next_deadline(procedure),
    }


def _mail_form(user: User, data: Any = None) -> MailPreferenceForm:
    preference = mail_preference_of(user)
    return MailPreferenceForm(data, initial={"mode": preference.mode, "time_zone": user.time_zone})


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    # Two forms on the page: the mail choice says so with a hidden field.
    mail_posted = request.method == "POST" and request.POST.get("form") == "mail"
    form = TokenForm(request.POST if request.method == "POST" and not mail_posted else None)
    mail_form = _mail_form(user, request.POST if mail_posted else None)
    new_token = None
    if mail_posted and mail_form.is_valid():
        try:
            mail_preference_set(
                user=user,
                mode=mail_form.cleaned_data["mode"],
                time_zone=mail_form.cleaned_data["time_zone"],
            )
        except party_services.ServiceError as exc:
            mail_form.add_error(exc.field if exc.field in mail_form.fields else None, exc.message)
        else:
            messages.success(request, _("Your e-mail choice was saved."))
            return redirect("web:account")
    elif request.method == "POST" and not mail_posted and form.is_valid():
        try:
            _token, new_token = party_services.token_create(
                agent=user, user=user, name=form.cleaned_data["name"]
            )
        except party_services.ServiceError as exc:
            form.add_error("name", exc.message)
        else:
            form = TokenForm()
    status = 400 if request.method == "POST" and (form.errors or mail_form.errors) else 200
    return render(
        request,
        "web/account.html",
        {
            "form": form,
            "mail_form": mail_form,
            "digest_hour": settings.CONCORD_MAIL_DIGEST_HOUR,
            "tokens": tokens_of(user),
            "new_token": new_token,
        },
        status=status,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    from concord.parties.selectors import token_get

    user: User = request.user  # type: ignore[assignment]
    token = token_get(user, prefix)
    try:
        party_services.token_revoke(agent=user, token=token)
    except party_services.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token was revoked."))
    return redirect("web:account")


@login_required
def password(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            party_services.password_change(
                user=user,
                old=form.cleaned_data["old_password"],
                new=form.cleaned_data["new_password"],
            )
        except party_services.ServiceError as exc:
            form.add_error(exc.field or None, exc.message)
        else:
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request, user)
            messages.success(request, _("Your password was changed."))
            return redirect("web:dashboard")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "web/password.html", {"form": form}, status=status)


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show a secret as a QR code, confirm with one code."""
    user: User = request.user  # type: ignore[assignment]
    if user.has_totp:
        return render(request, "web/second_factor.html", {"enrolled": True})
    secret = request.session.get(PENDING_TOTP)
    if not secret:
        secret = auth.totp_new_secret()
        request.session[PENDING_TOTP] = secret
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = auth.totp_verify(secret, form.cleaned_data["code"], last_step=0)
        if step is None:
            form.add_error("code", _(auth.ERR_CODE))
        else:
            user.totp_last_step = step
            party_services.second_factor_enroll(user=user, secret=secret)
            request.session.pop(PENDING_TOTP, None)
            messages.success(request, _("Your second factor is set up."))
            return redirect("web:dashboard")
    uri = auth.totp_uri(user, secret)
    qr = segno.make(uri, error="m").svg_inline(scale=4, dark="#111", light="#fff")
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "web/second_factor.html",
        {"form": form, "qr": qr, "secret": secret, "enrolled": False},
        status=status,
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language; a signed-in member keeps the choice."""
    form = LanguageForm(request.POST)
    response = redirect(_safe_next(request))
    if not form.is_valid():
        messages.error(request, _("Unknown language."))
        return response
    language = form.cleaned_data["language"]
    user = request.user
    if user.is_authenticated and isinstance(user, User) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", max_age=365 * 86400
    )
    return response
