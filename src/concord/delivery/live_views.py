"""The live-updates endpoint: ``GET /live/events``, a stream of server-sent events for
a signed-in member (browser session) or an API token (``Authorization: Bearer …``)."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from concord.delivery.live import (
    StreamLimitReached,
    closing_connections,
    hub_for_running_loop,
    stream_events,
)
from concord.parties.models import User
from concord.parties.services import token_authenticate

ERR_SIGN_IN = gettext_noop("Sign in or send an API token to follow live updates.")
ERR_NO_PARTY = gettext_noop(
    "Only members of a delegation or of the secretariat follow live updates."
)
ERR_TOO_MANY = gettext_noop("Too many live streams are open for this account.")
ERR_NOT_ASGI = gettext_noop("Live updates are served by the hub's ASGI server only.")


@closing_connections
def _viewer_of(request: HttpRequest) -> User | None:
    """The member the request speaks for. Runs in the request's own thread, where the
    middleware opened the connection this closes before the long wait."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return token_authenticate(header.removeprefix("Bearer ").strip())
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _resume_point(request: HttpRequest) -> int | None:
    """Where the stream resumes: the browser's ``Last-Event-ID`` when it reconnects,
    else ``?after=`` (the last act the page was rendered with), else from now."""
    for value in (request.headers.get("Last-Event-ID", ""), request.GET.get("after", "")):
        value = value.strip()
        if value.lstrip("-").isdigit() and len(value) < 20:
            return max(int(value), -1)
    return None


def _refusal(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


@require_GET
async def live_events(request: HttpRequest) -> HttpResponseBase:
    """Each act that concerns the member's party, as it is committed: ``id`` is the
    act's sequence number, ``event`` is ``act``, ``data`` its metadata as JSON."""
    if not isinstance(request, ASGIRequest):
        # A WSGI server would hold a thread for the whole stream and send nothing.
        return _refusal(503, _(ERR_NOT_ASGI))
    viewer = await sync_to_async(_viewer_of)(request)
    if viewer is None:
        return _refusal(401, _(ERR_SIGN_IN))
    if viewer.party_id is None and not viewer.is_secretariat:
        return _refusal(403, _(ERR_NO_PARTY))
    hub = hub_for_running_loop()
    try:
        stream = await hub.stream_open(
            user_id=viewer.pk,
            party_id=viewer.party_id,
            language=getattr(request, "LANGUAGE_CODE", "") or viewer.language,
            after=_resume_point(request),
        )
    except StreamLimitReached:
        refusal = _refusal(429, _(ERR_TOO_MANY))
        refusal["Retry-After"] = "30"
        return refusal
    response = StreamingHttpResponse(
        stream_events(hub, stream), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache, no-store"
    # nginx and similar proxies buffer responses unless told not to.
    response["X-Accel-Buffering"] = "no"
    return response
