"""Pages for a party's webhooks (heads of delegation): registering one (its secret is
shown once), and each webhook's delivery log, with a test event, a replay of past
acts, re-enabling and deleting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from concord.delivery import selectors, services
from concord.delivery.forms import ReplayForm, WebhookForm
from concord.delivery.models import DeliveryState, Webhook
from concord.parties.models import User
from concord.parties.services import NotPermitted, ServiceError

PAGE_SIZE = 50


def _viewer(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _refused(request: HttpRequest, exc: NotPermitted) -> HttpResponse:
    return render(request, "delivery/refused.html", {"message": exc.message}, status=403)


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    try:
        services.webhook_manager_check(viewer)
    except NotPermitted as exc:
        return _refused(request, exc)
    form = WebhookForm(request.POST or None)
    created: tuple[Webhook, str] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            created = services.webhook_register(
                agent=viewer, url=form.cleaned_data["url"], types=form.type_list()
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            form = WebhookForm()
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "delivery/webhooks.html",
        {
            "form": form,
            "webhooks": selectors.webhooks_visible_to(viewer),
            "created": created,
        },
        status=status,
    )


def _detail(
    request: HttpRequest, webhook: Webhook, replay: ReplayForm, *, status: int = 200
) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in DeliveryState.values:
        state = ""
    deliveries = selectors.deliveries_of(webhook, state=state)
    counts = selectors.delivery_counts(webhook)
    return render(
        request,
        "delivery/webhook.html",
        {
            "webhook": webhook,
            "counts": [(value, label, counts[value]) for value, label in DeliveryState.choices],
            "page": Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page")),
            "state": state,
            "states": DeliveryState.choices,
            "replay": replay,
        },
        status=status,
    )


@login_required
def webhook_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    viewer = _viewer(request)
    try:
        services.webhook_manager_check(viewer)
    except NotPermitted as exc:
        return _refused(request, exc)
    return _detail(request, selectors.webhook_get(viewer, public_id), ReplayForm())


def _managed(request: HttpRequest, public_id: str) -> tuple[User, Webhook]:
    viewer = _viewer(request)
    services.webhook_manager_check(viewer)
    return viewer, selectors.webhook_get(viewer, public_id)


@login_required
@require_POST
def webhook_test(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        viewer, webhook = _managed(request, public_id)
    except NotPermitted as exc:
        return _refused(request, exc)
    delivery = services.webhook_test(agent=viewer, webhook=webhook)
    if delivery.state == DeliveryState.DELIVERED:
        messages.success(
            request,
            _("The test event arrived: the receiver answered %(status)s.")
            % {"status": delivery.last_status},
        )
    else:
        messages.error(
            request,
            _("The test event did not arrive: %(error)s.") % {"error": delivery.last_error},
        )
    return redirect("webhooks:detail", public_id=webhook.public_id)


@login_required
@require_POST
def webhook_replay(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        viewer, webhook = _managed(request, public_id)
    except NotPermitted as exc:
        return _refused(request, exc)
    form = ReplayForm(request.POST)
    if form.is_valid():
        try:
            scheduled = services.webhook_replay(
                agent=viewer,
                webhook=webhook,
                first_seq=form.cleaned_data["from_seq"],
                last_seq=form.cleaned_data["to_seq"],
                since=form.cleaned_data["since"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("%(count)s deliveries are due again; the worker sends them shortly.")
                % {"count": scheduled},
            )
            return redirect("webhooks:detail", public_id=webhook.public_id)
    return _detail(request, webhook, form, status=400)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        viewer, webhook = _managed(request, public_id)
    except NotPermitted as exc:
        return _refused(request, exc)
    services.webhook_delete(agent=viewer, webhook=webhook)
    messages.success(request, _("The webhook was deleted."))
    return redirect("webhooks:list")


@login_required
@require_POST
def webhook_enable(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        viewer, webhook = _managed(request, public_id)
    except NotPermitted as exc:
        return _refused(request, exc)
    try:
        services.webhook_enable(agent=viewer, webhook=webhook)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The webhook is on again; waiting deliveries go out."))
    return redirect("webhooks:detail", public_id=webhook.public_id)
