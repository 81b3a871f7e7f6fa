"""Pages for charters: what each treaty says, with its numbers and their sources."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from concord.charters import selectors
from concord.parties.models import User


@login_required
def charter_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    return render(
        request, "charters/list.html", {"charters": selectors.charters_visible_to(request.user)}
    )


@login_required
def charter_detail(request: HttpRequest, code: str) -> HttpResponse:
    assert isinstance(request.user, User)
    charter = selectors.charter_get(request.user, code)
    return render(
        request,
        "charters/detail.html",
        {
            "charter": charter,
            "doc": charter.document,
            "versions": selectors.versions_of(charter),
        },
    )
