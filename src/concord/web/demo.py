"""The demonstration hub: the built-in charters, their parties with delegations, and a
year and more of history (signatures, ratifications, an accession awaiting consents,
a key rotation), all entered through the services so the record holds every act."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection

from concord import clock
from concord.charters.models import Charter
from concord.charters.services import builtin_charters_load
from concord.delivery.mail import mail_history_pass_over
from concord.notifications.models import Notification
from concord.parties import services as svc
from concord.parties.models import Participation, Party, PartyKind, Role, Status, User
from concord.record.models import Act
from concord.web import demo_exchange, demo_notifications, demo_procedures

# Charter est-2009: these sign but have not ratified; this state applies to accede later.
SIGNATORIES_ONLY = {"ad", "li", "mc", "sm", "va"}
LATE_APPLICANT = "mn"
KEY_ROTATES = "fi"
DEMO_LANGUAGES = {
    "ru": "ru",
    "by": "ru",
    "kz": "ru",
    "kg": "ru",
    "fr": "fr",
    "be": "fr",
    "lu": "fr",
    "mc": "fr",
}


def password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_password"


def password() -> str:
    """The demo accounts' password, chosen once per deployment and kept under var/."""
    path = password_file()
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = "demo-" + secrets.token_urlsafe(9)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


def is_loaded() -> bool:
    return User.objects.filter(username="secretariat").exists() and Party.objects.exists()


def database_reset() -> None:
    """Start the demo afresh: remove the SQLite file, or empty a server database."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db['NAME']}{suffix}").unlink(missing_ok=True)
    else:
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)


def _eligible(charter: Charter) -> tuple[list[str], list[dict[str, Any]]]:
    eligibility = charter.document.get("eligibility", {})
    states = eligibility.get("states", [])
    return ([s.lower() for s in states] if isinstance(states, list) else []), eligibility.get(
        "organisations", []
    )


def load(*, password: str) -> dict[str, int]:
    """Build the demo. Times run from about fourteen months ago to now, in order."""
    present = clock.now()
    clock.travel(present - timedelta(days=420))
    try:
        return _load(password, present)
    finally:
        clock.reset()


def _step(minutes: float = 7) -> None:
    clock.advance(timedelta(minutes=minutes))


def _load(password: str, present: datetime) -> dict[str, int]:
    start = clock.now()
    builtin_charters_load()
    charters = {c.code: c for c in Charter.objects.all()}
    hashed = make_password(password)
    svc.user_create(
        agent=None,
        username="secretariat",
        party=None,
        roles=[Role.SECRETARIAT],
        password=password,
        password_hash=hashed,
        full_name="Treaty Secretariat",
        email="secretariat@concord.localhost",
        check_password=False,
    )
    secretariat = User.objects.get(username="secretariat")

    # Every state and organisation any built-in charter admits, each with a delegation.
    states: list[str] = []
    organisations: dict[str, dict[str, Any]] = {}
    for charter in charters.values():
        s, o = _eligible(charter)
        states += [c for c in s if c not in states]
        for org in o:
            organisations.setdefault(org["id"], org)
    for code in states:
        svc.party_register(agent=secretariat, code=code, kind=PartyKind.STATE)
        _step(3)
    for code, org in organisations.items():
        name = org["name"]
        english = name if isinstance(name, str) else name["en"]
        names = {} if isinstance(name, str) else {k: v for k, v in name.items() if k != "en"}
        svc.party_register(
            agent=secretariat,
            code=code,
            kind=PartyKind.ORGANISATION,
            name=english,
            names=names,
            abbreviation=org.get("abbreviation", ""),
        )
        _step(3)
    for party in Party.objects.order_by("code"):
        language = DEMO_LANGUAGES.get(party.code, "en")
        for role, title, suffix in (
            (Role.HEAD, "Head of delegation", "head"),
            (Role.DELEGATE, "Delegate", "delegate"),
            (Role.CONTACT_POINT, "Contact point", "contact"),
        ):
            svc.user_create(
                agent=secretariat,
                username=f"{party.code}-{suffix}",
                party=party,
                roles=[role],
                password=password,
                password_hash=hashed,
                full_name=f"{title} {party.abbreviation or party.name}",
                email=f"{party.code}-{role}@concord.localhost",
                language=language,
                check_password=False,
            )
        _step(1)

    parties = {p.code: p for p in Party.objects.all()}
    # Helsinki: the participating States, as they have been since 1975 or their admission.
    if "helsinki" in charters:
        s, o = _eligible(charters["helsinki"])
        for code in [*s, *(org["id"] for org in o)]:
            svc.participation_set(
                agent=secretariat,
                party=parties[code],
                charter=charters["helsinki"],
                status=Status.PARTY,
                reason="participating State",
            )
    heads = {u.party_id: u for u in User.objects.filter(username__endswith="-head")}
    timeline = demo_notifications.Timeline(random.Random(2009), heads, until=present)

    def status(code: str, charter: Charter, value: str, reason: str) -> Callable[[], None]:
        def event() -> None:
            svc.participation_set(
                agent=secretariat, party=parties[code], charter=charter, status=value, reason=reason
            )

        return event

    # est-2009: signatures over a month, ratifications over the following months, and a
    # later application with the consent of some parties so far.
    if "est-2009" in charters:
        est = charters["est-2009"]
        s, o = _eligible(est)
        members = [c for c in [*s, *(org["id"] for org in o)] if c != LATE_APPLICANT]
        for i, code in enumerate(members):
            when = start + timedelta(days=30, minutes=40 * i)
            timeline.at(when, status(code, est, Status.SIGNATORY, "signature"))
            if code not in SIGNATORIES_ONLY:
                when = start + timedelta(days=90, hours=3 * i)
                timeline.at(
                    when, status(code, est, Status.PARTY, "instrument of ratification deposited")
                )
        if LATE_APPLICANT in parties:
            applicant_head = User.objects.get(username=f"{LATE_APPLICANT}-head")
            accession_at = start + timedelta(days=360)

            def apply() -> None:
                svc.accession_request(
                    agent=applicant_head, party=parties[LATE_APPLICANT], charter=est
                )

            timeline.at(accession_at, apply)
            for i, code in enumerate(sorted(c for c in members if c not in SIGNATORIES_ONLY)[:24]):

                def agree(code: str = code) -> None:
                    applicant = Participation.objects.get(
                        party=parties[LATE_APPLICANT], charter=est
                    )
                    head = User.objects.get(username=f"{code}-head")
                    svc.accession_consent(agent=head, party=parties[code], applicant=applicant)

                timeline.at(accession_at + timedelta(hours=5 * (i + 1)), agree)
    # eurasia-2024: the dialogue participants.
    if "eurasia-2024" in charters:
        s, o = _eligible(charters["eurasia-2024"])
        for i, code in enumerate([*s, *(org["id"] for org in o)]):
            timeline.at(
                start + timedelta(days=200, hours=i),
                status(code, charters["eurasia-2024"], Status.PARTY, "joined the dialogue"),
            )
    if KEY_ROTATES in parties:
        rotator = User.objects.get(username=f"{KEY_ROTATES}-head")

        def rotate() -> None:
            svc.key_rotate(agent=rotator, party=parties[KEY_ROTATES])

        timeline.at(start + timedelta(days=400), rotate)
    demo_notifications.schedule(timeline, present)
    demo_procedures.schedule(timeline, present, random.Random(1991))
    demo_exchange.schedule(timeline, present, random.Random(1975))
    timeline.run()
    # The demo's fourteen months are history: mail starts with what happens next.
    mail_history_pass_over()
    return {
        "parties": Party.objects.count(),
        "users": User.objects.count(),
        "acts": Act.objects.count(),
        "notifications": Notification.objects.count(),
    }
