"""The exchange in the demo: a few hundred messages among the contact points of the
eurasia-2024 participants over the months since they joined, in four channels, with
persons spelled in the sender's script (so the same person appears in Cyrillic, Latin
and Arabic script at different parties and hits across scripts), vessels, phones and
accounts shared across messages, requests for assistance (answered, open, overdue),
a sharing group with hidden membership, and requests for access pending and decided."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from concord.charters.models import Charter
from concord.exchange import services
from concord.exchange.models import Message
from concord.parties.models import Participation, Status, User

# Persons as each script writes them: (Cyrillic, Latin, Arabic script, date of birth).
PERSONS = [
    ("Рустам Каримов", "Rustam Karimov", "رستم کریموف", "1981-04-12"),
    ("Алишер Юсупов", "Alisher Yusupov", "علیشیر یوسوپوف", "1977-09-30"),
    ("Сергей Волков", "Sergei Volkov", "سرگئی ولکوف", "1969-01-23"),
    ("Фарход Рахимов", "Farkhod Rakhimov", "فرهود رحیموف", "1985-07-08"),
    ("Ахмед Хасан", "Ahmed Hassan", "أحمد حسن", "1979-11-02"),
    ("Мохаммад Резаи", "Mohammad Rezaei", "محمد رضایی", "1983-03-17"),
    ("Нурлан Сейткали", "Nurlan Seitkali", "نورلان سیتکالی", "1990-05-26"),
    ("Дмитрий Орлов", "Dmitry Orlov", "دمیتری اورلوف", "1974-12-04"),
    ("Бахтияр Исмаилов", "Bakhtiyar Ismailov", "بختیار اسماعیلوف", "1988-02-14"),
    ("Омар Абдуллаев", "Omar Abdullaev", "عمر عبداللهیف", "1992-08-19"),
    ("Тимур Назаров", "Timur Nazarov", "تیمور نظروف", "1986-10-10"),
    ("Юсуф Али", "Yusuf Ali", "يوسف علي", "1975-06-21"),
]
# Valid IMO numbers (check digit correct) of fictitious vessels.
VESSELS = [
    ("9074729", "Caspian Dawn"),
    ("9176187", "Aral Trader"),
    ("9247455", "Volga Star"),
    ("9321483", "Amu Darya"),
    ("9395044", "Steppe Wind"),
]
PHONES = ["+77011234567", "+79161234567", "+992918123456", "+998901234567", "+989121234567"]
IBANS = ["DE89370400440532013000", "GB82WEST12345698765432", "KZ86125KZT5004100100"]
CRYPTO = [("BTC", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")]

SUBJECTS = {
    "drug-trafficking": [
        "Heroin consignment routed through {place}",
        "Precursor chemicals declared as fertiliser",
        "Courier network on the {place} route",
        "Synthetic drug laboratory dismantled near {place}",
    ],
    "organised-crime": [
        "Money laundering through shell companies in {place}",
        "Vehicle theft ring moving cars via {place}",
        "Extortion of traders at the {place} market",
    ],
    "terrorism": [
        "Financing of a proscribed group through {place}",
        "Travel of a suspected foreign fighter via {place}",
        "Online recruitment channel active in {place}",
    ],
    "irregular-migration": [
        "Smuggling of migrants across the {place} border",
        "Forged travel documents issued in {place}",
        "Trafficking in persons through {place} labour agencies",
    ],
}
PLACES = [
    "Aktau",
    "Termez",
    "Osh",
    "Khorgos",
    "Bandar Abbas",
    "Astrakhan",
    "Dushanbe",
    "Ulaanbaatar",
]
CYRILLIC = {"ru", "by", "kz", "kg", "tj", "mn", "uz", "tm", "am", "az"}
ARABIC = {"ir", "pk"}


def _name_for(sender: str, person: tuple[str, str, str, str]) -> str:
    if sender in CYRILLIC:
        return person[0]
    if sender in ARABIC:
        return person[2]
    return person[1]


def schedule(timeline: Any, now: datetime, rng: random.Random) -> None:
    charter = Charter.objects.filter(code="eurasia-2024").first()
    if charter is None:
        return
    state: dict[str, Any] = {"sent": []}

    def contacts() -> dict[str, User]:
        codes = set(
            Participation.objects.filter(
                charter=charter, status=Status.PARTY, party__kind="state"
            ).values_list("party__code", flat=True)
        )
        return {
            u.username.removesuffix("-contact"): u
            for u in User.objects.filter(username__endswith="-contact", party__code__in=codes)
            .select_related("party")
            .order_by("username")
        }

    def at(days: float, fn: Callable[[], None]) -> None:
        timeline.at(now - timedelta(days=days), fn)

    def group() -> None:
        cps = contacts()
        if "kz" not in cps:
            return
        state["group"] = services.group_create(
            agent=cps["kz"],
            charter=charter,
            name="Caspian maritime",
            members=[c for c in ("az", "ir", "ru", "tm") if c in cps],
            hidden_membership=True,
        )

    at(200, group)

    def send(i: int) -> Callable[[], None]:
        def event() -> None:
            cps = contacts()
            if len(cps) < 3:
                return
            codes = sorted(cps)
            sender = rng.choice(codes)
            channel = rng.choice(list(SUBJECTS))
            entities = _entities(sender, rng)
            recipients = rng.sample([c for c in codes if c != sender], rng.randint(1, 3))
            tlp = rng.choices(["amber", "amber+strict", "green", "red"], [6, 2, 2, 1])[0]
            # TLP:RED goes to named recipients only.
            use_group = sender == "kz" and "group" in state and tlp != "red" and rng.random() < 0.5
            kind = "request" if rng.random() < 0.2 else "information"
            message = services.message_send(
                agent=cps[sender],
                message=services.MessageInput(
                    charter=charter,
                    channel=channel,
                    kind=kind,
                    subject=rng.choice(SUBJECTS[channel]).format(place=rng.choice(PLACES)),
                    body=_body(rng),
                    tlp=tlp,
                    handling=rng.choices(["H0", "H1", "H2"], [2, 2, 3])[0],
                    reliability=rng.choice("ABC"),
                    accuracy=rng.choice("123"),
                    recipients=() if use_group else tuple(recipients),
                    group=state["group"] if use_group else None,
                    entities=entities,
                ),
            )
            state["sent"].append(message)
            if kind == "request" and rng.random() < 0.6:
                replier = rng.choice(
                    [d.party.code for d in message.distribution.select_related("party")]
                )
                timeline.at(
                    message.sent_at + timedelta(days=rng.uniform(0.5, 6)), reply(message, replier)
                )

        return event

    def reply(message: Message, replier: str) -> Callable[[], None]:
        def event() -> None:
            services.message_send(
                agent=contacts()[replier],
                message=services.MessageInput(
                    charter=charter,
                    channel=message.channel,
                    kind="reply",
                    subject=f"Re: {message.subject}",
                    body="Checks made as requested; the results are below.\n\n" + _body(rng),
                    tlp=message.tlp,
                    handling=message.handling,
                    reliability=rng.choice("AB"),
                    accuracy=rng.choice("12"),
                    in_reply_to=message,
                ),
            )

        return event

    count = 320
    for i in range(count):
        at(190 * (1 - i / count) + rng.uniform(0, 0.4), send(i))

    def access() -> None:
        cps = contacts()
        for message in state["sent"][-40:-25]:
            rows = list(message.distribution.select_related("party"))
            others = [
                c
                for c in cps
                if c != message.originator.code and c not in {r.party.code for r in rows}
            ]
            if not rows or not others:
                continue
            asker = rows[0].party.code
            request = services.access_request(
                agent=cps[asker],
                kind="pass-on",
                message=message,
                beneficiary=rng.choice(others),
                reason="The persons named are known to travel to this party's territory.",
            )
            if rng.random() < 0.5:
                services.access_decide(
                    agent=cps[message.originator.code],
                    request=request,
                    grant=rng.random() < 0.7,
                    note="Released for the purpose stated.",
                )

    at(3, access)


def _entities(sender: str, rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for person in rng.sample(PERSONS, rng.randint(1, 2)):
        entry: dict[str, Any] = {"kind": "person", "names": [_name_for(sender, person)]}
        if rng.random() < 0.7:
            entry["birth_date"] = person[3]
        out.append(entry)
    if rng.random() < 0.4:
        imo, name = rng.choice(VESSELS)
        out.append({"kind": "vessel", "imo": imo, "name": name})
    if rng.random() < 0.4:
        out.append({"kind": "phone", "number": rng.choice(PHONES)})
    if rng.random() < 0.2:
        out.append({"kind": "bank-account", "iban": rng.choice(IBANS)})
    if rng.random() < 0.05:
        currency, address = CRYPTO[0]
        out.append({"kind": "crypto-address", "currency": currency, "address": address})
    return out


def _body(rng: random.Random) -> str:
    lines = [
        "Information from an operational source, corroborated by surveillance.",
        "The persons named met twice in the past month; travel documents were checked.",
        "Payments were made in small amounts to several accounts over six weeks.",
        "The consignment is expected within the next ten days.",
        "Please check the identities against your national databases.",
        "Phone records show regular contact with the numbers listed.",
    ]
    return "\n".join(rng.sample(lines, 3))
