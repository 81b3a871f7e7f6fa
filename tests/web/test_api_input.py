"""The API refuses malformed, oversized and unauthorized input with JSON naming the field."""

from __future__ import annotations

import pytest

from concord.parties.models import Party, User
from concord.record.models import Act

pytestmark = pytest.mark.django_db


def post(client, path, data):  # type: ignore[no-untyped-def]
    return client.post(path, data, content_type="application/json")


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/api/v1/parties", {"kind": "state"}, "code"),
        ("/api/v1/parties", {"kind": "planet", "code": "it"}, "kind"),
        ("/api/v1/parties", {"kind": "state", "code": "zz"}, "code"),
        ("/api/v1/parties", {"kind": "state", "code": "x" * 21}, "code"),
        ("/api/v1/parties", {"kind": "organisation", "code": "unx", "name": ""}, "name"),
        ("/api/v1/parties/fr/status", {"charter": "helsinki", "status": "emperor"}, "status"),
        ("/api/v1/parties/fr/status", {"status": "party"}, "charter"),
        ("/api/v1/parties/fr/status", {"charter": "est-2009", "status": "party"}, "status"),
        (
            "/api/v1/delegations",
            {"username": "n", "party": "fr", "roles": ["x"], "password": "p"},
            "roles",
        ),
        (
            "/api/v1/delegations",
            {"username": "n", "party": "fr", "roles": ["delegate"]},
            "password",
        ),
        (
            "/api/v1/delegations",
            {
                "username": "n n",
                "party": "fr",
                "roles": ["delegate"],
                "password": "a long enough passphrase",
            },
            "username",
        ),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(fr, client_as, path, data, field):
    before = (Party.objects.count(), User.objects.count(), Act.objects.count())
    response = post(client_as("secretariat"), path, data)
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in [e["field"] for e in body["errors"]], body
    assert body["detail"]
    assert (Party.objects.count(), User.objects.count(), Act.objects.count()) == before


def test_malformed_json_is_refused(fr, client_as):
    response = client_as("secretariat").post(
        "/api/v1/parties", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_oversized_body_is_refused(fr, client_as):
    response = post(
        client_as("secretariat"),
        "/api/v1/parties",
        {"kind": "state", "code": "it", "name": "x" * (3 * 1024 * 1024)},
    )
    assert response.status_code in (400, 413)
    assert not Party.objects.filter(code="it").exists()


def test_unknown_objects_are_not_found(fr, client_as):
    c = client_as("fr-head")
    assert c.get("/api/v1/parties/zz").status_code == 404
    assert c.get("/api/v1/charters/nope").status_code == 404
    assert c.get("/api/v1/acts/999999").status_code == 404
    assert c.get("/api/v1/acts/-1").status_code in (400, 404)


def test_lists_are_paginated(fr, de, client_as):
    body = client_as("fr-head").get("/api/v1/parties?limit=1").json()
    assert body["count"] == 2
    assert len(body["items"]) == 1
    assert client_as("fr-head").get("/api/v1/parties?limit=abc").status_code == 400


def test_openapi_document_is_served(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/parties" in doc["paths"]
    assert client.get("/api/docs").status_code == 200
