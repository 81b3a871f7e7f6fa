"""Managing webhooks through the API and the pages: only heads of delegation, only
their own party's webhooks (another party's answers "not found"), receivers at https
addresses on public networks, and refused input named by its field, storing nothing."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from concord.delivery import services
from concord.delivery.models import Webhook
from concord.delivery.receivers import (
    ERR_URL_ADDRESS,
    ERR_URL_FORM,
    ERR_URL_HTTP_LOCAL,
    ERR_URL_LENGTH,
    ERR_URL_SCHEME,
)
from concord.record.models import Act

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks"


def post(client, path, data):  # type: ignore[no-untyped-def]
    return client.post(path, data, content_type="application/json")


def stored() -> tuple[int, int]:
    return Webhook.objects.count(), Act.objects.count()


@pytest.fixture
def fr_hook(fr, client_as) -> str:  # type: ignore[no-untyped-def]
    response = post(client_as("fr-head"), URL, {"url": "https://receiver.example/fr"})
    assert response.status_code == 201, response.content
    return str(response.json()["webhook"]["id"])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://receiver.example/x", ERR_URL_SCHEME),
        ("http://receiver.example/x", ERR_URL_SCHEME),
        ("http://127.0.0.1:9000/x", ERR_URL_SCHEME),
        ("https://127.0.0.1/x", ERR_URL_ADDRESS),
        ("https://user:pass@receiver.example/x", ERR_URL_FORM),
        ("https:///x", ERR_URL_FORM),
        ("https://receiver.example:99999/x", ERR_URL_FORM),
        ("https://10.1.2.3/x", ERR_URL_ADDRESS),
        ("https://192.168.0.10/x", ERR_URL_ADDRESS),
        ("https://169.254.169.254/latest/meta-data", ERR_URL_ADDRESS),
        ("https://[::ffff:127.0.0.1]/x", ERR_URL_ADDRESS),
        ("https://0.0.0.0/x", ERR_URL_ADDRESS),
        ("https://receiver.example/" + "x" * 500, ERR_URL_LENGTH),
        ("receiver.example", ERR_URL_SCHEME),
    ],
)
def test_a_url_that_may_not_receive_is_refused_naming_the_field(fr, client_as, url, message):
    before = stored()
    response = post(client_as("fr-head"), URL, {"url": url})
    assert response.status_code == 400, response.content
    body = response.json()
    if message == ERR_URL_LENGTH:  # longer than the schema allows: refused before the service
        assert body["errors"][0]["field"] == "url"
    else:
        assert body["errors"] == [{"field": "url", "message": message}]
    assert stored() == before


def test_plain_http_is_for_this_host_only_and_only_where_allowed(fr, client_as, settings):
    settings.CONCORD_WEBHOOK_ALLOW_HTTP = True
    c = client_as("fr-head")
    assert post(c, URL, {"url": "http://127.0.0.1:9000/x"}).status_code == 201
    assert post(c, URL, {"url": "http://localhost:9000/x"}).status_code == 201
    response = post(c, URL, {"url": "http://receiver.example/x"})
    assert response.json()["errors"] == [{"field": "url", "message": ERR_URL_HTTP_LOCAL}]


def test_private_addresses_are_allowed_only_where_the_operator_says(fr, client_as, settings):
    settings.CONCORD_WEBHOOK_ALLOW_PRIVATE = True
    c = client_as("fr-head")
    assert post(c, URL, {"url": "https://10.1.2.3/x"}).status_code == 201
    # Link-local (cloud metadata) never.
    assert post(c, URL, {"url": "https://169.254.169.254/x"}).status_code == 400


def test_an_unknown_act_type_filter_is_refused(fr, client_as):
    before = stored()
    response = post(
        client_as("fr-head"), URL, {"url": "https://r.example/x", "types": ["notifcation."]}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "types"
    assert "notifcation." in response.json()["detail"]
    assert stored() == before


@pytest.mark.parametrize("username", ["fr-delegate", "secretariat"])
def test_only_a_head_of_delegation_manages_webhooks(fr, fr_hook, client_as, username):
    c = client_as(username)
    before = stored()
    for response in (
        post(c, URL, {"url": "https://receiver.example/x"}),
        c.get(URL),
        c.get(f"{URL}/{fr_hook}"),
        c.delete(f"{URL}/{fr_hook}"),
        post(c, f"{URL}/{fr_hook}/replay", {"from_seq": 0}),
        c.post(f"{URL}/{fr_hook}/test"),
        c.get(f"{URL}/{fr_hook}/deliveries"),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["errors"] == [{"field": "party", "message": services.ERR_NOT_HEAD}]
    assert stored() == before
    page = c.get("/webhooks/")
    assert page.status_code == 403
    assert escape(services.ERR_NOT_HEAD) in page.content.decode()
    assert "https://receiver.example" not in page.content.decode()


def test_another_partys_webhook_is_not_found(fr, de, fr_hook, client_as):
    c = client_as("de-head")
    before = stored()
    assert c.get(URL).json()["items"] == []
    for response in (
        c.get(f"{URL}/{fr_hook}"),
        c.delete(f"{URL}/{fr_hook}"),
        post(c, f"{URL}/{fr_hook}/replay", {"from_seq": 0}),
        c.post(f"{URL}/{fr_hook}/test"),
        c.post(f"{URL}/{fr_hook}/enable"),
        c.get(f"{URL}/{fr_hook}/deliveries"),
        c.get(f"/webhooks/{fr_hook}"),
        c.post(f"/webhooks/{fr_hook}/delete"),
    ):
        assert response.status_code == 404
    assert stored() == before
    assert c.get(f"{URL}/wh_0000000000000000").status_code == 404


def test_anonymous_requests_are_asked_to_authenticate(fr, fr_hook, client_as):
    assert client_as(None).get(URL).status_code == 401
    assert client_as(None).get("/webhooks/").status_code == 302


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "from_seq", services.ERR_REPLAY_RANGE),
        ({"to_seq": 5}, "from_seq", services.ERR_REPLAY_RANGE),
        ({"from_seq": 9, "to_seq": 5}, "to_seq", services.ERR_REPLAY_ORDER),
        ({"from_seq": -1}, "from_seq", None),
        ({"since": "yesterday"}, "since", None),
    ],
)
def test_a_replay_without_a_proper_range_is_refused(fr, fr_hook, client_as, data, field, message):
    response = post(client_as("fr-head"), f"{URL}/{fr_hook}/replay", data)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors[0]["field"] == field
    if message:
        assert errors == [{"field": field, "message": message}]


def test_enabling_a_webhook_that_is_on_is_refused(fr, fr_hook, client_as):
    response = client_as("fr-head").post(f"{URL}/{fr_hook}/enable")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "webhook", "message": services.ERR_NOT_DISABLED}]


def test_a_party_has_a_bounded_number_of_webhooks(fr, client_as):
    c = client_as("fr-head")
    for i in range(services.MAX_WEBHOOKS):
        assert post(c, URL, {"url": f"https://r.example/{i}"}).status_code == 201
    response = post(c, URL, {"url": "https://r.example/one-more"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "url"


def test_registering_is_an_act_for_the_party_alone_that_never_names_the_secret(fr, client_as):
    response = post(
        client_as("fr-head"), URL, {"url": "https://r.example/x", "types": ["procedure."]}
    )
    secret = response.json()["secret"]
    act = Act.objects.get(type="webhook.registered")
    assert act.restricted
    assert act.actor.code == "fr"
    assert set(act.recipients.values_list("code", flat=True)) == {"fr"}
    assert act.content == {
        "webhook": response.json()["webhook"]["id"],
        "url": "https://r.example/x",
        "types": ["procedure."],
    }
    assert secret not in bytes(act.entry).decode()
    # The secretariat sees that it happened, not what it says.
    detail = client_as("secretariat").get(f"/api/v1/acts/{act.seq}").json()
    assert detail["content"] is None


def test_the_page_registers_a_webhook_and_shows_its_secret_once(fr, client_as):
    c = client_as("fr-head")
    page = c.post("/webhooks/", {"url": "https://r.example/page", "types": "party., key."})
    assert page.status_code == 200
    html = page.content.decode()
    webhook = Webhook.objects.get()
    assert webhook.type_prefixes == ["key.", "party."]
    secret_start = html.index('id="new-secret">') + len('id="new-secret">')
    secret = html[secret_start : html.index("<", secret_start)]
    assert secret.startswith("whsec_")
    listing = c.get("/webhooks/").content.decode()
    assert "https://r.example/page" in listing
    assert secret not in listing
    assert secret not in c.get(f"/webhooks/{webhook.public_id}").content.decode()


def test_the_page_names_the_field_of_a_refused_url(fr, client_as):
    page = client_as("fr-head").post("/webhooks/", {"url": "http://r.example/x"})
    assert page.status_code == 400
    assert escape(ERR_URL_SCHEME) in page.content.decode()
    assert not Webhook.objects.exists()


def test_a_replay_from_the_page_reports_what_is_due_again(fr, fr_hook, client_as):
    c = client_as("fr-head")
    page = c.post(f"/webhooks/{fr_hook}/replay", {"from_seq": "0"}, follow=True)
    assert page.status_code == 200
    assert "deliveries are due again" in page.content.decode()
    bad = c.post(f"/webhooks/{fr_hook}/replay", {"from_seq": "", "to_seq": "3"})
    assert bad.status_code == 400
    assert escape(services.ERR_REPLAY_RANGE) in bad.content.decode()


def test_deleting_from_the_page_removes_it_from_the_list(fr, fr_hook, client_as):
    c = client_as("fr-head")
    page = c.post(f"/webhooks/{fr_hook}/delete", follow=True)
    assert "The webhook was deleted." in page.content.decode()
    assert "receiver.example/fr" not in page.content.decode()
    assert c.get(f"/webhooks/{fr_hook}").status_code == 404
