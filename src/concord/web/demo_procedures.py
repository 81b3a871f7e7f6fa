"""Procedures in the demo: requests for explanation (one answered, one unanswered and
taken to a joint meeting with a chair and a rapporteur), consultations under est-2009
followed by a Conference of the Parties that adopts a decision by consensus, under
`helsinki` a decision adopted by the silence procedure and a draft whose silence was
broken by an objection, an emergency meeting in session within its window (it closes
during the demo), and a conciliation report that one party has accepted and the other
has still to answer."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from concord.charters.models import Charter
from concord.parties.models import Participation, Party, Status, User
from concord.procedures import services
from concord.procedures.models import Procedure, Role


def schedule(timeline: Any, now: datetime, rng: random.Random) -> None:
    charters = {c.code: c for c in Charter.objects.all()}
    helsinki, est = charters.get("helsinki"), charters.get("est-2009")
    heads = {
        u.username.removesuffix("-head"): u
        for u in User.objects.filter(username__endswith="-head", party__isnull=False)
    }
    secretariat = User.objects.filter(username="secretariat").first()
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

        def joint_roles() -> None:
            if secretariat is None:
                return
            for code, role in ((a, Role.CHAIR), (b, Role.RAPPORTEUR)):
                services.procedure_role_assign(
                    agent=secretariat,
                    procedure=state["joint"],
                    party=Party.objects.get(code=code),
                    role=role,
                )

        def silence_broken() -> None:
            state["silence2"] = services.procedure_open(
                agent=heads[b],
                charter=helsinki,
                mechanism="silence-procedure",
                subject="Lowering the threshold for observation",
            )
            services.procedure_step(
                agent=heads[b],
                procedure=state["silence2"],
                kind="proposal",
                text="The participating States will invite observers from 9,000 troops.",
            )

        def objection() -> None:
            draft = state["silence2"].steps.get(kind="proposal")
            services.procedure_step(
                agent=heads[d],
                procedure=state["silence2"],
                kind="objection",
                text="We break silence: the threshold needs further discussion.",
                proposal=draft,
            )

        # The Berlin mechanism: twelve States support the request within 48 hours; the
        # meeting opens 48 hours after that and lasts at most 2 days.
        others = [code for code in codes if code not in (a, b, c, d)]
        supporters = rng.sample(others, 11)

        def emergency_request() -> None:
            state["emergency"] = services.procedure_open(
                agent=heads[c],
                charter=helsinki,
                mechanism="emergency-meeting",
                subject="Incidents along a common border",
                text="We request an emergency meeting on the incidents of the past week.",
            )

        def emergency_support(members: list[str]) -> Callable[[], None]:
            def event() -> None:
                for code in members:
                    services.procedure_step(
                        agent=heads[code], procedure=state["emergency"], kind="support"
                    )

            return event

        def emergency_session() -> None:
            meeting = state["emergency"]
            if secretariat is not None:
                services.procedure_role_assign(
                    agent=secretariat,
                    procedure=meeting,
                    party=Party.objects.get(code=supporters[0]),
                    role=Role.CHAIR,
                )
            services.procedure_step(
                agent=heads[c],
                procedure=meeting,
                kind="proposal",
                text="The participating States call for restraint and a joint visit.",
            )
            for code in supporters[:6]:
                services.procedure_step(agent=heads[code], procedure=meeting, kind="attend")

        at(60, rfe_answered)
        at(59.5, rfe_reply)
        at(30, rfe_unanswered)
        at(27.5, rfe_meeting)
        at(26, joint_meeting)
        at(25.9, joint_roles)
        at(20, silence_open)
        at(6, silence_broken)
        at(5, objection)
        at(2.6, emergency_request)
        at(2.55, emergency_support(supporters[:6]))
        at(2.4, emergency_support(supporters[6:]))
        at(0.3, emergency_session)

        def conciliation_open() -> None:
            state["dispute"] = services.procedure_open(
                agent=heads[a],
                charter=helsinki,
                mechanism="dispute-settlement",
                subject="Interpretation of the notification of a large exercise",
                respondent=Party.objects.get(code=d),
                text="The parties differ on whether the exercise was notifiable.",
            )

        def conciliation_report() -> None:
            if secretariat is None:
                return
            services.conciliation_report_submit(
                agent=secretariat,
                procedure=state["dispute"],
                text=(
                    "The commission finds the exercise notifiable and proposes that "
                    "future exercises of this size be notified 42 days in advance."
                ),
            )

        def conciliation_accept() -> None:
            if state["dispute"].steps.filter(kind="report").exists():
                services.procedure_step(
                    agent=heads[a],
                    procedure=state["dispute"],
                    kind="accept",
                    text="We accept the commission's proposals.",
                )

        at(40, conciliation_open)
        at(10, conciliation_report)
        at(8, conciliation_accept)

        def worker() -> None:
            services.deadlines_due()

        at(16, worker)
        at(1, worker)

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
