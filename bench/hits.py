"""Benchmark of hit/no-hit: a message of 50 entities against a store of --entities
stored entities (default 10^6) held by other parties.

    .venv/bin/python bench/hits.py [--entities N] [--queries N] [--database-url URL]

The store: 40% persons (names in Cyrillic, Latin or Arabic script, most with a date of
birth), the rest identifiers (vessels, phones, IBANs, e-mail addresses, documents), with
the same lookup keys the exchange computes when a message is sent; it is inserted in
bulk under a few thousand real messages (sending a million entities one message at a
time would measure signing, not matching). Each query is a whole message's entities —
half persons spelled in another script or scheme (some present in the store, some not),
half identifiers in another formatting — answered by the same function the API calls
(`hits_find`: entity checks, key lookup, scoring, visibility).

References measured in the same run: one indexed lookup of the same number of keys
(the database's floor for the query), and the raw rapidfuzz comparison rate.

Without --database-url a fresh SQLite file in a temporary directory is used; with a
PostgreSQL URL, a scratch database ``concord_bench_hits`` is created there and dropped
after.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from record import drop_postgres, scratch_postgres  # noqa: E402

SCRATCH = "concord_bench_hits"
GIVEN = [
    ("Александр", "Aleksandr"),
    ("Сергей", "Sergei"),
    ("Дмитрий", "Dmitrii"),
    ("Андрей", "Andrei"),
    ("Алексей", "Aleksei"),
    ("Михаил", "Mikhail"),
    ("Юрий", "Iurii"),
    ("Николай", "Nikolai"),
    ("Рустам", "Rustam"),
    ("Тимур", "Timur"),
    ("Фарход", "Farkhod"),
    ("Бахтияр", "Bakhtiiar"),
    ("Ольга", "Olga"),
    ("Наталья", "Natalia"),
    ("Елена", "Elena"),
    ("Гульнара", "Gulnara"),
]
FAMILY = [
    ("Иванов", "Ivanov"),
    ("Смирнов", "Smirnov"),
    ("Кузнецов", "Kuznetsov"),
    ("Попов", "Popov"),
    ("Волков", "Volkov"),
    ("Шевченко", "Shevchenko"),
    ("Каримов", "Karimov"),
    ("Юсупов", "Iusupov"),
    ("Рахимов", "Rakhimov"),
    ("Назаров", "Nazarov"),
    ("Исмаилов", "Ismailov"),
    ("Жуков", "Zhukov"),
    ("Орлов", "Orlov"),
    ("Сидоров", "Sidorov"),
    ("Ковальчук", "Kovalchuk"),
    ("Абдуллаев", "Abdullaev"),
]
ARABIC = [
    ("محمد", "Mohammed"),
    ("أحمد", "Ahmed"),
    ("علي", "Ali"),
    ("حسن", "Hassan"),
    ("عمر", "Omar"),
    ("يوسف", "Yusuf"),
    ("خالد", "Khaled"),
    ("إبراهيم", "Ibrahim"),
]


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def imo_number(rng: random.Random) -> str:
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(5)]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return "".join(map(str, digits)) + str(check)


def iban_de(rng: random.Random) -> str:
    bban = "".join(str(rng.randint(0, 9)) for _ in range(18))
    numeric = int(bban + "131400")  # D=13, E=14, then "00"
    return f"DE{98 - numeric % 97:02d}{bban}"


def person(rng: random.Random, n: int) -> tuple[dict[str, object], dict[str, object]]:
    """A stored person and how another party might write the same person."""
    if rng.random() < 0.25:
        given, family = rng.choice(ARABIC), rng.choice(ARABIC)
    else:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    # A distinguishing suffix keeps the store from being a few hundred people repeated.
    tag = n % 997
    stored_script = rng.randrange(2)
    stored_name = f"{given[stored_script]} {family[stored_script]}"
    asked_name = f"{family[1 - stored_script]} {given[1 - stored_script]}"
    birth = f"{1950 + n % 50}-{1 + n % 12:02d}-{1 + tag % 28:02d}"
    stored = {"kind": "person", "names": [stored_name], "birth_date": birth}
    asked = {"kind": "person", "names": [asked_name], "birth_date": birth}
    return stored, asked


def identifier(rng: random.Random, n: int) -> tuple[dict[str, object], dict[str, object]]:
    kind = n % 5
    if kind == 0:
        imo = imo_number(rng)
        return {"kind": "vessel", "imo": imo}, {"kind": "vessel", "imo": f"IMO {imo}"}
    if kind == 1:
        number = f"+7916{n % 10_000_000:07d}"
        spaced = f"+7 (916) {number[5:8]}-{number[8:10]}-{number[10:]}"
        return {"kind": "phone", "number": number}, {"kind": "phone", "number": spaced}
    if kind == 2:
        iban = iban_de(rng)
        spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower()
        return {"kind": "bank-account", "iban": iban}, {"kind": "bank-account", "iban": spaced}
    if kind == 3:
        address = f"user{n}@mail{n % 97}.example.org"
        return {"kind": "email", "address": address}, {"kind": "email", "address": address.upper()}
    number = f"{7500000 + n:09d}"
    doc = {"kind": "document", "type": "passport", "number": number, "country": "RU"}
    return doc, doc | {"number": f"{number[:2]} {number[2:]}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--per-message", type=int, default=50)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--home",
        default="",
        help="keep the SQLite store in this directory and reuse it on the next run",
    )
    args = parser.parse_args()

    home = args.home or tempfile.mkdtemp(prefix="concord-bench-")
    os.environ.update(CONCORD_HOME=home, DJANGO_SETTINGS_MODULE="concord.settings")
    engine = "PostgreSQL" if args.database_url else "SQLite"
    os.environ["DATABASE_URL"] = (
        scratch_postgres(args.database_url, SCRATCH) if args.database_url else ""
    )
    import django

    django.setup()
    try:
        run(args, engine)
    finally:
        from django.db import connections

        connections.close_all()
        if args.database_url:
            drop_postgres(args.database_url, SCRATCH)
        if not args.home:
            shutil.rmtree(home, ignore_errors=True)


def run(args: argparse.Namespace, engine: str) -> None:
    from django.core.management import call_command
    from django.db import connection

    from concord.exchange.models import Entity, EntityKey
    from concord.parties.models import User

    call_command("migrate", verbosity=0)
    reuse = Entity.objects.count() == args.entities
    if not reuse:
        build_store(args)
    users = {u.username[:2]: u for u in User.objects.filter(username__endswith="-cp")}
    rng = random.Random(2026)
    asked: list[dict[str, object]] = []
    for n in range(args.entities):  # the same draws as the build: the entities to ask for
        maker = person if rng.random() < 0.4 else identifier
        _stored, query = maker(rng, n)
        if rng.random() < 0.002:
            asked.append(query)
    keys_total = EntityKey.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"hit/no-hit on {engine}: {args.entities:,} stored entities, {keys_total:,} keys")
    if reuse:
        print(f"  store reused from {os.environ['CONCORD_HOME']}")
    measure(args, users["kz"], asked)


def build_store(args: argparse.Namespace) -> None:
    """Entities under a few thousand real messages, inserted in bulk."""
    from django.db import transaction

    from concord.charters.models import Charter
    from concord.charters.services import builtin_charters_load
    from concord.exchange import services
    from concord.exchange.entities import entity_clean
    from concord.exchange.models import Entity, EntityKey
    from concord.parties import services as svc
    from concord.parties.models import Role, Status

    builtin_charters_load()
    charter = Charter.objects.get(code="eurasia-2024")
    users = {}
    for code in ("kz", "ru", "cn", "mn"):
        party = svc.party_register(agent=None, code=code, kind="state")
        svc.participation_set(agent=None, party=party, charter=charter, status=Status.PARTY)
        users[code] = svc.user_create(
            agent=None,
            username=f"{code}-cp",
            party=party,
            roles=[Role.CONTACT_POINT],
            password="bench password 1234",
            check_password=False,
        )
    holders = ["ru", "cn", "mn"]
    messages = []
    per_message = 1000
    started = time.perf_counter()
    for i in range(max(1, args.entities // per_message)):
        sender = holders[i % len(holders)]
        messages.append(
            services.message_send(
                agent=users[sender],
                message=services.MessageInput(
                    charter=charter,
                    channel="organised-crime",
                    subject=f"store {i}",
                    recipients=(holders[(i + 1) % len(holders)],),
                ),
            )
        )
    rng = random.Random(2026)
    batch_entities: list[Entity] = []
    batch_keys: list[list[int]] = []

    def flush() -> None:
        rows = Entity.objects.bulk_create(batch_entities, batch_size=5000)
        EntityKey.objects.bulk_create(
            (
                EntityKey(entity=row, key=k)
                for row, ks in zip(rows, batch_keys, strict=True)
                for k in ks
            ),
            batch_size=20000,
        )
        batch_entities.clear()
        batch_keys.clear()

    with transaction.atomic():
        for n in range(args.entities):
            maker = person if rng.random() < 0.4 else identifier
            stored, _query = maker(rng, n)
            clean = entity_clean(stored)
            message = messages[n // per_message % len(messages)]
            batch_entities.append(
                Entity(
                    message=message,
                    holder_id=message.originator_id,
                    kind=clean.kind,
                    data=clean.data,
                    label=clean.label[:300],
                    birth_date=clean.birth_date,
                    reference=f"E-{n:016X}",
                    findable=True,
                )
            )
            batch_keys.append(sorted(services.entity_lookup_keys(clean)))
            rng.random()  # the draw that picks the entities to ask for (see run)
            if len(batch_entities) >= 20000:
                flush()
        if batch_entities:
            flush()
    print(f"  store built in {time.perf_counter() - started:,.0f} s (bulk, not measured)")


def measure(args: argparse.Namespace, viewer: object, asked: list[dict[str, object]]) -> None:
    from rapidfuzz import fuzz

    from concord.exchange import services
    from concord.exchange.entities import entity_clean
    from concord.exchange.hits import hits_find
    from concord.exchange.models import EntityKey

    # Queries: half entities present in the store (another spelling or formatting),
    # half absent (fresh ones).
    fresh = random.Random(7)
    queries = []
    for _q in range(args.queries):
        entities: list[dict[str, object]] = []
        while len(entities) < args.per_message:
            if fresh.random() < 0.5 and asked:
                entities.append(fresh.choice(asked))
            else:
                maker = person if fresh.random() < 0.5 else identifier
                entities.append(maker(fresh, args.entities + fresh.randrange(10**6))[1])
        queries.append(entities)
    hits_find(viewer, queries[0])  # warm caches
    times, found = [], 0
    for entities in queries:
        t = time.perf_counter()
        results = hits_find(viewer, entities)
        times.append(time.perf_counter() - t)
        found += sum(1 for r in results if r.hits)
    # Reference 1: the bare indexed lookup of the keys the first message looks up.
    keys = [
        k for e in queries[0] for part in services.entity_query_keys(entity_clean(e)) for k in part
    ]
    ref = []
    for _ in range(50):
        t = time.perf_counter()
        list(EntityKey.objects.filter(key__in=keys).values_list("entity_id", flat=True))
        ref.append(time.perf_counter() - t)
    # Reference 2: raw string comparisons per second.
    a, b = "aleksandr sergeevich pushkin", "alexander sergeyevich pushkin"
    t, n = time.perf_counter(), 0
    while time.perf_counter() - t < 1.0:
        for _ in range(1000):
            fuzz.ratio(a, b)
        n += 1000
    rate = n / (time.perf_counter() - t)
    print(f"  {args.queries} messages of {args.per_message} entities; {found:,} entities hit")
    print(
        f"  hits_find per message     p50 {p(times, 0.5) * 1000:7.1f} ms   "
        f"p95 {p(times, 0.95) * 1000:7.1f} ms   p99 {p(times, 0.99) * 1000:7.1f} ms"
        "   (goal p95 < 100 ms)"
    )
    print(
        f"  reference: indexed lookup of {len(keys)} keys   p50 {p(ref, 0.5) * 1000:7.1f} ms   "
        f"p95 {p(ref, 0.95) * 1000:7.1f} ms"
    )
    print(f"  reference: rapidfuzz ratio {rate:,.0f} comparisons/s")


if __name__ == "__main__":
    main()
