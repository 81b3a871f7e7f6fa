"""The REST API (/api/v1) and its OpenAPI 3.1 documentation (/api/docs).

Authentication: an API token as ``Authorization: Bearer …``, or the browser session.
Every error is JSON: ``{"detail": "...", "errors": [{"field": "...", "message": "..."}]}``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from concord.charters.api import router as charters_router
from concord.delivery.api import router as delivery_router
from concord.exchange.api import router as exchange_router
from concord.exchange.stix_api import router as exchange_stix_router
from concord.notifications.api import router as notifications_router
from concord.parties.api import router as parties_router
from concord.parties.services import ServiceError, token_authenticate
from concord.procedures.api import router as procedures_router
from concord.record.api import router as record_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class Session(SessionAuth):
    """The browser session; writes through it need the CSRF token."""


api = NinjaAPI(
    title="Concord API",
    version="1",
    description=(
        "Parties, delegations, charters and the act log of a Concord hub. Lists are "
        'paginated as {"items": [...], "count": N} with `limit` and `offset`.'
    ),
    auth=[BearerToken(), Session()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, detail: str, errors: list[dict[str, str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


def _field_of(loc: list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload")]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"field": _field_of(list(e.get("loc", []))), "message": str(e.get("msg", ""))}
        for e in exc.errors
    ]
    first = errors[0] if errors else {"field": "", "message": "invalid input"}
    return _error(request, 400, f"{first['field']}: {first['message']}", errors)


@api.exception_handler(ServiceError)
def on_service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    status = 403 if exc.code == "forbidden" else 400
    problems = getattr(exc, "problems", None)
    if problems:  # a form's data: every field at fault, with its label
        errors = [
            {
                "field": f"data.{p.path}" if p.path else "data",
                "message": p.message,
                "label": p.label,
            }
            for p in problems
        ]
        return _error(request, status, exc.message, errors)
    entity_problems = getattr(exc, "entity_problems", None)
    if entity_problems:  # entities: every field at fault
        errors = [{"field": p.field, "message": p.message} for p in entity_problems]
        return _error(request, status, exc.message, errors)
    return _error(request, status, exc.message, [{"field": exc.field, "message": exc.message}])


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return _error(
        request,
        413,
        f"The request is larger than {limit} MB.",
        [{"field": "", "message": str(exc)}],
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "Forbidden")


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, "Authentication required: send an API token as a Bearer token")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


api.add_router("/v1/", parties_router)
api.add_router("/v1/", charters_router)
api.add_router("/v1/", record_router)
api.add_router("/v1/", notifications_router)
api.add_router("/v1/", procedures_router)
api.add_router("/v1/", exchange_router)
api.add_router("/v1/", exchange_stix_router)
api.add_router("/v1/", delivery_router)
