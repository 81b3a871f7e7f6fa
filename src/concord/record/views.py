"""Pages for the act log."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from concord.parties.models import User
from concord.record import checkpoints, proofs, selectors, witnesses
from concord.record.models import ActType

PAGE_SIZE = 50


@login_required
def act_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    type_ = request.GET.get("type", "")
    if type_ not in ActType.values:
        type_ = ""
    acts = selectors.acts_visible_to(
        request.user,
        type=type_,
        party=request.GET.get("party", "")[:20],
        charter=request.GET.get("charter", "")[:40],
    )
    page = Paginator(acts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "record/acts.html",
        {
            "page": page,
            "types": ActType.choices,
            "type": type_,
            "party": request.GET.get("party", ""),
        },
    )


@login_required
def act_detail(request: HttpRequest, seq: int) -> HttpResponse:
    assert isinstance(request.user, User)
    act = selectors.act_get(request.user, seq)
    content = selectors.act_content_for(request.user, act)
    return render(
        request,
        "record/act.html",
        {
            "act": act,
            "proof": proofs.act_status(act),
            "content": json.dumps(content, indent=2, ensure_ascii=False)
            if content is not None
            else None,
            "entry": bytes(act.entry).decode(),
            "leaf_hash": bytes(act.leaf_hash).hex(),
        },
    )


@login_required
def record_overview(request: HttpRequest) -> HttpResponse:
    """The latest checkpoint, the verifier key, who witnessed the latest checkpoints,
    and a way to check any act."""
    assert isinstance(request.user, User)
    cp = checkpoints.checkpoint_publish()
    seq = request.GET.get("act", "").strip()
    if seq:
        if seq.isdigit() and selectors.acts_visible_to(request.user).filter(seq=int(seq)).exists():
            from django.shortcuts import redirect

            return redirect("record:act", seq=int(seq))
        return render(
            request,
            "record/overview.html",
            {
                "checkpoint": cp,
                "vkey": checkpoints.depositary_vkey(),
                "error": True,
                "act": seq[:20],
            },
            status=404,
        )
    return render(
        request,
        "record/overview.html",
        {
            "checkpoint": cp,
            "vkey": checkpoints.depositary_vkey() if cp else "",
            "witnessed": witnesses.checkpoints_witnessed(),
            "witnesses": witnesses.witnesses_current(),
        },
    )


@login_required
def act_proof(request: HttpRequest, seq: int) -> HttpResponse:
    """Download the act's inclusion proof with the checkpoint it leads to."""
    assert isinstance(request.user, User)
    act = selectors.act_get(request.user, seq)
    status = proofs.act_status(act)
    if not status["included"]:
        return JsonResponse({"detail": "not yet covered by a checkpoint"}, status=409)
    response = JsonResponse(
        {
            **status["proof"],
            "entry": bytes(act.entry).decode(),
            "checkpoint": status["checkpoint"].note,
            "vkey": checkpoints.depositary_vkey(),
        }
    )
    response["Content-Disposition"] = f'attachment; filename="act-{seq}-proof.json"'
    return response
