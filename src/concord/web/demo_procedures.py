"""Procedures in the demo: requests for explanation (one answered, one unanswered and
taken to a joint meeting), consultations under est-2009 followed by a Conference of the
Parties that adopts a decision by consensus, and a decision adopted by the silence
procedure under `helsinki`."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from concord.charters.models import Charter
from concord.parties.models import Participation, Party, Status, User
from concord.procedures import services
from concord.procedures.models import Procedure


def schedule(timeline: Any, now: datetime, rng: random.Random) -> None:
    charters = {c.code: c for c in Charter.objects.all()}
    helsinki, est = charters.get("helsinki"), charters.get("est-2009")
    heads = {
        u.username.removesuffix("-head"): u
        for u in User.objects.filter(username__endswith="-head", party__isnull=False)
    }
    state: dict[str, Procedure] = {}

    def parties_of(charter: Charter) -> list[str]:
        return sorted(
            Participation.objects.filter(
                charter=charter, status=Status.PARTY, party__kind="state"
            ).values_list("party__code", flat=True)
        )

    def at(days: float, fn: Callable[[], None]) -> None:
        timeline.at(now - timedelta(days=days), fn)

    if helsinki is not None:
        codes = parties_of(helsinki)
        a, b, c, d = rng.sample(codes, 4)

        def rfe_answered() -> None:
            state["rfe1"] = services.procedure_open(
                agent=heads[a],
                charter=helsinki,
                mechanism="request-for-explanation",
                subject="Unusual movement of armoured units",
                respondent=Party.objects.get(code=b),
                text="Please explain the objectives, dates and units of the movement observed.",
            )

        def rfe_reply() -> None:
            services.procedure_step(
                agent=heads[b],
                procedure=state["rfe1"],
                kind="reply",
                text="A scheduled rotation of two battalions to their peacetime garrisons.",
            )

        def rfe_unanswered() -> None:
            state["rfe2"] = services.procedure_open(
                agent=heads[c],
                charter=helsinki,
                mechanism="request-for-explanation",
                subject="Concentration of forces near a common border",
                respondent=Party.objects.get(code=d),
                text="Please explain the objectives and scale of the concentration.",
            )

        def rfe_meeting() -> None:
            services.procedure_step(
                agent=heads[c],
                procedure=state["rfe2"],
                kind="request-meeting",
                text="No reply was received within 48 hours; a bilateral meeting is requested.",
            )

        def joint_meeting() -> None:
            state["joint"] = services.procedure_open(
                agent=heads[c],
                charter=helsinki,
                mechanism="joint-meeting",
                subject="Joint meeting on the concentration of forces",
                parent=state["rfe2"],
            )

        def silence_open() -> None:
            state["silence"] = services.procedure_open(
                agent=heads[a],
                charter=helsinki,
                mechanism="silence-procedure",
                subject="Additional transparency for large exercises",
                parent=state["joint"],
            )
            services.procedure_step(
                agent=heads[a],
                procedure=state["silence"],
                kind="proposal",
                text="The participating States will invite observers to exercises above 9,000 troops this year.",
            )

        at(60, rfe_answered)
        at(59.5, rfe_reply)
        at(30, rfe_unanswered)
        at(27.5, rfe_meeting)
        at(26, joint_meeting)
        at(20, silence_open)

        def worker() -> None:
            services.deadlines_due()

        at(16, worker)

    if est is not None:
        chosen: list[str] = []

        def consultations() -> None:
            # est-2009's parties are known only once they have ratified.
            chosen.extend(rng.sample(parties_of(est), 3))
            e, f, g = chosen
            state["consult"] = services.procedure_open(
                agent=heads[e],
                charter=est,
                mechanism="consultations",
                subject="Deployment of new air-defence systems (Art. 2)",
                invited=[Party.objects.get(code=f), Party.objects.get(code=g)],
                text="We consider the deployment may significantly affect our security.",
            )

        def statements() -> None:
            _e, f, g = chosen
            services.procedure_step(
                agent=heads[f],
                procedure=state["consult"],
                kind="statement",
                text="The systems are defensive and notified in advance.",
            )
            services.procedure_step(
                agent=heads[g],
                procedure=state["consult"],
                kind="statement",
                text="We support further transparency measures.",
            )

        def conference() -> None:
            e = chosen[0]
            state["conf"] = services.procedure_open(
                agent=heads[e],
                charter=est,
                mechanism="conference",
                subject="Conference of the Parties on air-defence deployments",
                parent=state["consult"],
            )
            members = parties_of(est)
            for code in members:
                services.procedure_step(agent=heads[code], procedure=state["conf"], kind="attend")
            services.procedure_step(
                agent=heads[e],
                procedure=state["conf"],
                kind="proposal",
                text="The Parties will exchange information annually on the deployment of air-defence systems.",
            )

        def decide() -> None:
            e, f = chosen[0], chosen[1]
            proposal = state["conf"].steps.get(kind="proposal")
            services.procedure_step(
                agent=heads[f],
                procedure=state["conf"],
                kind="statement",
                text="We join consensus; the exchange covers systems deployed after today.",
                proposal=proposal,
                interpretative=True,
            )
            services.procedure_step(
                agent=heads[e], procedure=state["conf"], kind="call-decision", proposal=proposal
            )

        at(45, consultations)
        at(43, statements)
        at(35, conference)
        at(34, decide)
