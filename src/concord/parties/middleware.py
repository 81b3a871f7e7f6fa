"""Holds a signed-in member to the steps the sign-in policy still requires: choosing a
new password after a reset, and enrolling a second factor where one is required."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Paths a member may reach before finishing those steps.
_ALWAYS_OPEN = ("/static/", "/i18n/", "/logout", "/api/", "/record/")


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(_ALWAYS_OPEN):
            if user.must_change_password:
                target = reverse("web:password")
                if request.path != target:
                    return redirect(target)
            elif settings.CONCORD_REQUIRE_TOTP and user.needs_second_factor and not user.has_totp:
                target = reverse("web:second_factor")
                if request.path != target:
                    return redirect(target)
        return self.get_response(request)
