"""Webhooks against a real HTTP receiver on 127.0.0.1: every request verifies with the
secret shown once; failures (500s, time-outs, redirects) are retried with backoff from
the database; a party receives only acts that concern it; replays resend with the same
ids; a worker that dies mid-batch loses nothing; a webhook failing for days is disabled
by an act of the depositary; and a test event shows the receiver's answer."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from concord import clock
from concord.delivery import webhooks
from concord.delivery.models import DeliveryState, Webhook, WebhookDelivery
from concord.delivery.services import webhooks_due
from concord.parties.models import PartyKind
from concord.parties.services import party_register, token_create
from concord.record.models import Act, ActType

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 300  # seconds: what the documentation tells receivers to accept


# --- a receiver ---------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """What arrived, and how to answer: scripted answers first, then ``default``. An
    answer is a status code, ("sleep", seconds) or ("redirect", location)."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: list[Any] = field(default_factory=list)
    default: Any = 200
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def payloads(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.payload for r in self.received]

    def seqs(self) -> list[int]:
        return [p["seq"] for p in self.payloads()]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.received.append(Received(dict(self.headers.items()), body))
                answer = receiver.script.pop(0) if receiver.script else receiver.default
            if receiver.delay:
                time.sleep(receiver.delay)
            status = 200
            if isinstance(answer, tuple) and answer[0] == "sleep":
                time.sleep(answer[1])
            elif isinstance(answer, tuple) and answer[0] == "redirect":
                self.send_response(302)
                self.send_header("Location", answer[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            else:
                status = int(answer)
            reply = f"answer {status}".encode()
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except OSError:
                pass  # the hub gave up waiting

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _serve(
    receiver: Receiver, tls: ssl.SSLContext | None = None
) -> Generator[Receiver, None, None]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    server.block_on_close = False
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    receiver.url = f"{scheme}://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from _serve(Receiver())


@pytest.fixture
def second_receiver() -> Iterator[Receiver]:
    yield from _serve(Receiver())


@pytest.fixture(autouse=True)
def _local_receivers(settings):  # type: ignore[no-untyped-def]
    settings.CONCORD_WEBHOOK_ALLOW_HTTP = True
    settings.CONCORD_WEBHOOK_TIMEOUT = 0.5
    settings.CONCORD_WEBHOOK_RETRY_BASE = 30
    settings.CONCORD_WEBHOOK_RETRY_MAX = 3600
    settings.CONCORD_BASE_URL = "https://hub.example"


def verify(secret: str, received: Received, *, now: float | None = None) -> bool:
    """A receiver's check, as docs/delivery.md tells it: the HMAC over the timestamp
    and the body, and a timestamp no older than five minutes."""
    timestamp = received.headers["Concord-Timestamp"]
    if not timestamp.isdigit():
        return False
    now = clock.now().timestamp() if now is None else now
    if abs(now - int(timestamp)) > TOLERANCE:
        return False
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256)
    return hmac.compare_digest("v1=" + mac.hexdigest(), received.headers["Concord-Signature"])


def register(client_as, url: str, username: str = "fr-head", **extra: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client_as(username).post(
        "/api/v1/webhooks", {"url": url, **extra}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    return {**body["webhook"], "secret": body["secret"]}


def new_party(secretariat, code: str = "it"):  # type: ignore[no-untyped-def]
    """Two public acts: the party registered, and its first key published."""
    return party_register(agent=secretariat, code=code, kind=PartyKind.STATE)


# --- signing and the payload ----------------------------------------------------------


def test_each_delivery_is_signed_with_the_secret_shown_once_and_describes_the_act(
    fr, secretariat, client_as, receiver
):
    created = register(client_as, receiver.url)
    secret = created["secret"]
    assert secret.startswith("whsec_")
    party = new_party(secretariat)

    assert webhooks_due() == 2
    acts = list(Act.objects.filter(seq__gt=0).order_by("-seq")[:2])[::-1]
    assert receiver.seqs() == [a.seq for a in acts]
    for received, act in zip(receiver.received, acts, strict=True):
        assert verify(secret, received)
        assert received.headers["Content-Type"] == "application/json"
        payload = received.payload
        assert payload["id"] == received.headers["Concord-Webhook-Id"]
        assert payload["type"] == act.type
        assert payload["actor"] == act.actor_code
        assert payload["time"].endswith("Z")
        assert payload["refs"] == act.refs
        assert payload["url"] == f"https://hub.example/record/acts/{act.seq}"
        assert payload["content"] == act.content
    assert receiver.payloads()[0]["content"]["party"] == party.code
    # The webhook is told of what follows its registration, not of the registration.
    assert ActType.WEBHOOK_REGISTERED not in [p["type"] for p in receiver.payloads()]
    # The secret is nowhere in the record, and kept encrypted.
    assert not Act.objects.filter(content__icontains=secret).exists()
    webhook = Webhook.objects.get(public_id=created["id"])
    assert secret.encode() not in bytes(webhook.secret_encrypted)
    assert "secret" not in client_as("fr-head").get(f"/api/v1/webhooks/{created['id']}").json()


def test_a_changed_body_a_wrong_secret_or_an_old_timestamp_fail_verification(
    fr, secretariat, client_as, receiver
):
    secret = register(client_as, receiver.url)["secret"]
    new_party(secretariat)
    webhooks_due()
    good = receiver.received[0]
    assert verify(secret, good)
    assert not verify("whsec_wrong", good)
    assert not verify(secret, Received(good.headers, good.body.replace(b'"it"', b'"de"')))
    later = int(good.headers["Concord-Timestamp"]) + TOLERANCE + 1
    assert not verify(secret, good, now=later)  # a replayed request, too late
    # The timestamp is signed: moving it forward breaks the signature.
    moved = {**good.headers, "Concord-Timestamp": str(later)}
    assert not verify(secret, Received(moved, good.body), now=later)


# --- retries ------------------------------------------------------------------------------


def _only_delivery() -> WebhookDelivery:
    return WebhookDelivery.objects.filter(act__isnull=False).get()


def test_a_receiver_answering_500_is_retried_with_growing_delays_until_it_accepts(
    fr, secretariat, client_as, receiver
):
    register(client_as, receiver.url, types=["party.registered"])
    receiver.script = [500, 503]
    new_party(secretariat)

    start = clock.now()
    assert webhooks_due() == 0
    d = _only_delivery()
    assert (d.state, d.attempts, d.last_status) == (DeliveryState.PENDING, 1, 500)
    assert d.last_error == "HTTP 500"
    assert d.response_prefix == "answer 500"
    assert timedelta(seconds=24) <= d.next_attempt_at - start <= timedelta(seconds=37)
    assert webhooks_due() == 0
    assert len(receiver.received) == 1

    clock.advance(timedelta(seconds=37))
    start = clock.now()
    assert webhooks_due() == 0
    d = _only_delivery()
    assert (d.attempts, d.last_status) == (2, 503)
    assert timedelta(seconds=47) <= d.next_attempt_at - start <= timedelta(seconds=73)

    clock.advance(timedelta(seconds=73))
    assert webhooks_due() == 1
    d = _only_delivery()
    assert (d.state, d.attempts, d.last_status) == (DeliveryState.DELIVERED, 3, 200)
    assert d.delivered_at is not None
    ids = {r.headers["Concord-Webhook-Id"] for r in receiver.received}
    assert len(receiver.received) == 3
    assert ids == {str(d.event_id)}
    assert Webhook.objects.get().failing_since is None


def test_backoff_doubles_from_the_base_up_to_the_cap_with_jitter(settings):
    import random

    settings.CONCORD_WEBHOOK_RETRY_BASE = 30
    settings.CONCORD_WEBHOOK_RETRY_MAX = 21600
    rng = random.Random(7)
    for attempts in range(1, 16):
        nominal = min(30 * 2 ** (attempts - 1), 21600)
        for _ in range(50):
            delay = webhooks.retry_delay(attempts, rng=rng).total_seconds()
            assert nominal * 0.8 <= delay <= nominal * 1.2
    spread = {round(webhooks.retry_delay(3, rng=rng).total_seconds()) for _ in range(50)}
    assert len(spread) > 10  # jittered, so receivers coming back are not stampeded


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    fr, secretariat, client_as, receiver, settings
):
    settings.CONCORD_WEBHOOK_TIMEOUT = 0.3
    register(client_as, receiver.url, types=["party.registered"])
    receiver.script = [("sleep", 1.5)]
    new_party(secretariat)
    started = time.monotonic()
    assert webhooks_due() == 0
    assert time.monotonic() - started < 1.4
    d = _only_delivery()
    assert d.state == DeliveryState.PENDING
    assert d.last_status is None
    assert d.last_error.startswith("timed out")
    clock.advance(timedelta(minutes=1))
    assert webhooks_due() == 1
    assert _only_delivery().state == DeliveryState.DELIVERED


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    fr, secretariat, client_as, receiver, second_receiver
):
    register(client_as, receiver.url, types=["party.registered"])
    receiver.script = [("redirect", second_receiver.url)]
    new_party(secretariat)
    webhooks_due()
    d = _only_delivery()
    assert d.state == DeliveryState.PENDING
    assert d.last_status == 302
    assert d.last_error == f"redirect to {second_receiver.url} not followed"
    assert second_receiver.received == []


def test_a_failing_receiver_holds_back_its_own_deliveries_not_other_parties(
    fr, de, secretariat, client_as, receiver, second_receiver
):
    register(client_as, receiver.url, "fr-head")
    register(client_as, second_receiver.url, "de-head")
    receiver.default = 500
    new_party(secretariat)
    assert webhooks_due() == 2
    assert len(second_receiver.received) == 2
    # fr's receiver was tried once; its second act waits with the first.
    assert len(receiver.received) == 1
    fr_rows = WebhookDelivery.objects.filter(webhook__party=fr).order_by("act_id")
    assert [d.attempts for d in fr_rows] == [1, 0]
    assert fr_rows[0].next_attempt_at == fr_rows[1].next_attempt_at
    assert Webhook.objects.get(party=fr).failing_since is not None
    receiver.default = 200
    clock.advance(timedelta(minutes=1))
    assert webhooks_due() == 2
    assert len(receiver.received) == 3


def _certificate_for_this_host(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, as (certificate, key) PEM files."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "receiver.pem", directory / "receiver.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.mark.parametrize("trusted", [False, True])
def test_an_https_receiver_must_show_a_certificate_the_hub_trusts(
    fr, secretariat, client_as, tmp_path, monkeypatch, trusted
):
    cert_file, key_file = _certificate_for_this_host(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    if trusted:  # as if a certificate authority the hub trusts had issued it
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    serving = _serve(Receiver(), tls)
    receiver = next(serving)
    try:
        register(client_as, receiver.url, types=["party.registered"])
        new_party(secretariat)
        webhooks_due()
    finally:
        serving.close()
    d = _only_delivery()
    if trusted:
        assert d.state == DeliveryState.DELIVERED
        assert receiver.payloads()[0]["type"] == ActType.PARTY_REGISTERED
    else:
        assert d.state == DeliveryState.PENDING
        assert "CERTIFICATE_VERIFY_FAILED" in d.last_error
        assert receiver.received == []


def test_a_receiver_that_is_down_gets_one_request_per_retry_however_long_the_queue(
    fr, client_as, receiver
):
    from django.db import transaction

    from concord.record.services import Draft, acts_append

    register(client_as, receiver.url)
    receiver.default = 503
    with transaction.atomic():
        acts_append(
            [
                Draft(type=ActType.USER_CHANGED, actor=None, agent=None, content={"n": i})
                for i in range(3 * webhooks.CLAIM_PER_WEBHOOK)
            ]
        )
    assert webhooks_due() == 0
    assert len(receiver.received) == 1
    waiting = WebhookDelivery.objects.filter(state=DeliveryState.PENDING)
    assert waiting.count() == 3 * webhooks.CLAIM_PER_WEBHOOK
    assert len(set(waiting.values_list("next_attempt_at", flat=True))) == 1
    receiver.default = 200
    clock.advance(timedelta(minutes=1))
    assert webhooks_due() == 3 * webhooks.CLAIM_PER_WEBHOOK
    assert len(receiver.received) == 1 + 3 * webhooks.CLAIM_PER_WEBHOOK


# --- who receives what --------------------------------------------------------------------


def test_a_party_receives_only_the_acts_distributed_to_it(
    fr, de, secretariat, client_as, user, receiver, second_receiver
):
    register(client_as, receiver.url, "fr-head")
    register(client_as, second_receiver.url, "de-head")
    webhooks_due()
    receiver.received.clear()
    second_receiver.received.clear()
    token_create(agent=user("de-head"), user=user("de-head"), name="for de only")
    restricted = Act.objects.get(type=ActType.TOKEN_CREATED)
    assert restricted.restricted
    new_party(secretariat)  # public

    webhooks_due()
    fr_types = [p["type"] for p in receiver.payloads()]
    de_payloads = second_receiver.payloads()
    assert ActType.TOKEN_CREATED not in fr_types
    assert restricted.seq not in receiver.seqs()
    assert fr_types == [ActType.PARTY_REGISTERED, ActType.KEY_PUBLISHED]
    token_payload = next(p for p in de_payloads if p["seq"] == restricted.seq)
    assert token_payload["restricted"] is True
    assert token_payload["content"]["name"] == "for de only"  # its own act, in full
    # Nor does replaying the range reach it.
    hook = client_as("fr-head").get("/api/v1/webhooks").json()["items"][0]["id"]
    client_as("fr-head").post(
        f"/api/v1/webhooks/{hook}/replay",
        {"from_seq": 0},
        content_type="application/json",
    )
    webhooks_due()
    assert restricted.seq not in receiver.seqs()


def test_a_type_filter_delivers_only_matching_acts(fr, secretariat, client_as, receiver):
    register(client_as, receiver.url, types=["key."])
    new_party(secretariat)
    webhooks_due()
    assert [p["type"] for p in receiver.payloads()] == [ActType.KEY_PUBLISHED]


# --- replay -------------------------------------------------------------------------------


def test_replay_of_a_range_or_since_a_time_resends_with_the_same_ids(
    fr, secretariat, client_as, receiver
):
    hook = register(client_as, receiver.url)["id"]
    before = clock.now()
    new_party(secretariat, "it")
    clock.advance(timedelta(hours=1))
    since = clock.now()
    new_party(secretariat, "es")
    webhooks_due()
    first = {p["seq"]: p["id"] for p in receiver.payloads()}
    assert len(first) == 4
    receiver.received.clear()
    c = client_as("fr-head")
    url = f"/api/v1/webhooks/{hook}/replay"

    seqs = sorted(first)
    response = c.post(
        url, {"from_seq": seqs[0], "to_seq": seqs[1]}, content_type="application/json"
    )
    assert response.json() == {"scheduled": 2}
    webhooks_due()
    assert {p["seq"]: p["id"] for p in receiver.payloads()} == {s: first[s] for s in seqs[:2]}

    receiver.received.clear()
    response = c.post(url, {"since": since.isoformat()}, content_type="application/json")
    assert response.json() == {"scheduled": 2}
    webhooks_due()
    assert {p["seq"]: p["id"] for p in receiver.payloads()} == {s: first[s] for s in seqs[2:]}

    # Acts from before the registration can be fetched too (new deliveries).
    receiver.received.clear()
    older = Act.objects.filter(time__lt=before).count()
    response = c.post(url, {"from_seq": 0, "to_seq": seqs[0] - 1}, content_type="application/json")
    assert response.json()["scheduled"] == older > 0
    webhooks_due()
    assert len(receiver.received) == older


# --- faults ---------------------------------------------------------------------------------


def test_a_worker_that_dies_after_claiming_loses_nothing(fr, secretariat, client_as, receiver):
    register(client_as, receiver.url)
    for code in ("it", "es", "pt"):
        new_party(secretariat, code)
    webhooks.deliveries_enqueue()
    claimed = webhooks.deliveries_claim()
    assert len(claimed) == 6
    # The worker posts two, records them, and dies before the rest.
    assert webhooks.deliveries_send(sorted(claimed, key=lambda d: d.act_id or 0)[:2]) == 2
    # Another worker does not take what the dead one claimed while its claim holds...
    assert webhooks_due() == 0
    # ...and takes it once the claim runs out.
    clock.advance(timedelta(hours=1))
    assert webhooks_due() == 4
    seqs = receiver.seqs()
    assert sorted(seqs) == sorted(set(seqs))
    assert len(seqs) == 6
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the killed worker is another process; it shares PostgreSQL's test database",
)
def test_a_worker_killed_mid_batch_resends_at_least_once_with_the_same_ids(
    fr, secretariat, client_as, receiver, tmp_path
):
    """A real `concord worker`, killed with SIGKILL while posting: what it posted but
    did not record goes again, with the same Concord-Webhook-Id, and every delivery
    ends delivered exactly once in the log."""
    register(client_as, receiver.url, types=["party.registered"])
    for code in ("it", "es", "pt", "be", "nl", "lu", "at", "dk", "se", "fi", "ie", "gr"):
        new_party(secretariat, code)
    receiver.delay = 0.1
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONCORD_SECRET_KEY": django_settings.SECRET_KEY,
        "CONCORD_KEY_ENCRYPTION_KEY": django_settings.CONCORD_KEY_ENCRYPTION_KEY,
        "CONCORD_VAR_DIR": str(tmp_path),
        "CONCORD_WEBHOOK_ALLOW_HTTP": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "concord.cli", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while len(receiver.received) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=10)
    posted = len(receiver.received)
    assert 4 <= posted < 12
    receiver.delay = 0
    clock.advance(timedelta(hours=1))  # the dead worker's claim runs out
    webhooks_due()
    by_seq: dict[int, set[str]] = {}
    for p in receiver.payloads():
        by_seq.setdefault(p["seq"], set()).add(p["id"])
    assert len(by_seq) == 12  # everything arrived
    assert all(len(ids) == 1 for ids in by_seq.values())  # repeats carry the same id
    assert len(receiver.received) >= 12
    rows = WebhookDelivery.objects.filter(act__isnull=False)
    assert rows.count() == 12
    assert set(rows.values_list("state", flat=True)) == {DeliveryState.DELIVERED}


def test_a_webhook_failing_for_days_is_disabled_by_an_act_and_can_be_enabled_again(
    fr, secretariat, client_as, receiver, settings
):
    settings.CONCORD_WEBHOOK_DISABLE_AFTER_DAYS = 3
    hook = register(client_as, receiver.url, types=["party."])["id"]
    receiver.default = 500
    new_party(secretariat)
    webhooks_due()
    for _ in range(6):
        clock.advance(timedelta(hours=14))
        webhooks_due()
    webhook = Webhook.objects.get(public_id=hook)
    assert webhook.disabled_at is not None
    act = Act.objects.get(type=ActType.WEBHOOK_DISABLED)
    assert act.actor is None
    assert act.restricted
    assert set(act.recipients.values_list("code", flat=True)) == {"fr"}
    assert act.content["webhook"] == hook
    assert "secret" not in json.dumps(act.content)
    tried = len(receiver.received)
    clock.advance(timedelta(days=1))
    webhooks_due()
    assert len(receiver.received) == tried  # nothing posted while disabled

    receiver.default = 200
    response = client_as("fr-head").post(f"/api/v1/webhooks/{hook}/enable")
    assert response.status_code == 200
    assert response.json()["disabled_at"] is None
    assert Act.objects.filter(type=ActType.WEBHOOK_ENABLED).count() == 1
    webhooks_due()
    assert WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).count() == 1


def test_a_delivery_failing_too_often_is_given_up_and_can_be_replayed(
    fr, secretariat, client_as, receiver, settings
):
    settings.CONCORD_WEBHOOK_MAX_ATTEMPTS = 3
    hook = register(client_as, receiver.url, types=["party.registered"])["id"]
    receiver.default = 500
    new_party(secretariat)
    for _ in range(4):
        webhooks_due()
        clock.advance(timedelta(hours=2))
    d = _only_delivery()
    assert (d.state, d.attempts) == (DeliveryState.FAILED, 3)
    receiver.default = 200
    client_as("fr-head").post(
        f"/api/v1/webhooks/{hook}/replay", {"from_seq": d.act_id}, content_type="application/json"
    )
    webhooks_due()
    d = _only_delivery()
    assert (d.state, d.attempts) == (DeliveryState.DELIVERED, 1)


def test_a_secret_that_cannot_be_decrypted_fails_its_deliveries_not_the_worker(
    fr, secretariat, client_as, receiver, settings
):
    from cryptography.fernet import Fernet

    register(client_as, receiver.url, types=["party.registered"])
    new_party(secretariat)
    # The operator changed the key-encryption key without re-encrypting.
    settings.CONCORD_KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert webhooks_due() == 0
    d = _only_delivery()
    assert d.state == DeliveryState.PENDING
    assert d.last_error == webhooks.ERR_SECRET
    assert receiver.received == []


# --- test events, the log, deleting -----------------------------------------------------------


def test_a_test_event_is_posted_at_once_and_its_answer_shown(fr, client_as, receiver):
    created = register(client_as, receiver.url)
    c = client_as("fr-head")
    response = c.post(f"/api/v1/webhooks/{created['id']}/test")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "delivered"
    assert body["last_status"] == 200
    assert body["seq"] is None
    assert body["response_prefix"] == "answer 200"
    (received,) = receiver.received
    assert verify(created["secret"], received)
    assert received.payload["type"] == "webhook.test"
    assert "content" not in received.payload
    assert received.headers["Concord-Webhook-Id"] == body["id"]

    receiver.default = 500
    page = c.post(f"/webhooks/{created['id']}/test", follow=True)
    assert "The test event did not arrive: HTTP 500." in page.content.decode()
    # Only acts tell whether a receiver works: a failed test does not count against it.
    assert Webhook.objects.get().failing_since is None
    # A test event is tried once, never retried by the worker.
    clock.advance(timedelta(days=1))
    webhooks_due()
    assert len(receiver.received) == 2


def test_the_delivery_log_shows_each_attempt(fr, secretariat, client_as, receiver):
    hook = register(client_as, receiver.url, types=["party.registered"])["id"]
    receiver.script = [500]
    new_party(secretariat)
    webhooks_due()
    seq = _only_delivery().act_id
    c = client_as("fr-head")
    page = c.get(f"/webhooks/{hook}").content.decode()
    assert f"#{seq}" in page
    assert "HTTP 500" in page
    assert "answer 500" in page
    log = c.get(f"/api/v1/webhooks/{hook}/deliveries").json()
    assert log["count"] == 1
    assert log["items"][0]["last_status"] == 500
    assert log["items"][0]["next_attempt_at"] is not None
    clock.advance(timedelta(minutes=2))
    webhooks_due()
    log = c.get(f"/api/v1/webhooks/{hook}/deliveries?state=delivered").json()
    assert log["count"] == 1
    assert log["items"][0]["attempts"] == 2


def test_deleting_a_webhook_is_an_act_and_stops_deliveries(fr, secretariat, client_as, receiver):
    hook = register(client_as, receiver.url)["id"]
    receiver.default = 500
    new_party(secretariat)
    webhooks_due()
    c = client_as("fr-head")
    response = c.delete(f"/api/v1/webhooks/{hook}")
    assert response.status_code == 200
    assert response.json()["deleted_at"]
    act = Act.objects.get(type=ActType.WEBHOOK_DELETED)
    assert set(act.recipients.values_list("code", flat=True)) == {"fr"}
    webhook = Webhook.objects.get(public_id=hook)
    assert bytes(webhook.secret_encrypted) == b""
    assert not WebhookDelivery.objects.filter(state=DeliveryState.PENDING).exists()
    tried = len(receiver.received)
    new_party(secretariat, "es")
    clock.advance(timedelta(hours=1))
    webhooks_due()
    assert len(receiver.received) == tried
    assert c.get(f"/api/v1/webhooks/{hook}").status_code == 404
