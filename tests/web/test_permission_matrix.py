"""Who sees and may do what, over every page and endpoint of the foundation.

Viewers: anonymous, another party (de), the own party (fr) and the secretariat. Where a
viewer may not see an object it answers "not found"; where it may see the object but
not act on it, "forbidden"."""

from __future__ import annotations

import pytest

from concord.parties import services as svc
from concord.record.models import Act, ActType

pytestmark = pytest.mark.django_db

VIEWERS = {"anonymous": None, "other": "de-head", "own": "fr-head", "secretariat": "secretariat"}


@pytest.fixture
def world(fr, de, user):  # type: ignore[no-untyped-def]
    token, raw = svc.token_create(agent=user("fr-head"), user=user("fr-head"), name="ci")
    act = Act.objects.filter(type=ActType.TOKEN_CREATED).latest("seq")
    return {"token": token, "raw": raw, "restricted_act": act}


PAGES = [
    "/",
    "/parties/",
    "/parties/fr",
    "/charters/",
    "/charters/est-2009",
    "/charters/helsinki",
    "/record/acts",
    "/record/acts/0",
    "/account",
    "/account/password",
    "/account/second-factor",
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("viewer", list(VIEWERS))
def test_pages_need_sign_in_and_are_open_to_every_member(world, client_as, viewer, path):  # type: ignore[no-untyped-def]
    response = client_as(VIEWERS[viewer]).get(path)
    if viewer == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/login?next=")
    else:
        assert response.status_code == 200


@pytest.mark.parametrize(
    ("viewer", "status", "content_shown"),
    [
        ("anonymous", 302, False),
        ("other", 404, False),
        ("own", 200, True),
        ("secretariat", 200, False),
    ],
)
def test_restricted_act_page(world, client_as, viewer, status, content_shown):  # type: ignore[no-untyped-def]
    act = world["restricted_act"]
    response = client_as(VIEWERS[viewer]).get(f"/record/acts/{act.seq}")
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert (world["token"].prefix in page) is content_shown
        assert ("restricted to its recipients" in page) is not content_shown


@pytest.mark.parametrize(
    ("viewer", "listed"), [("other", False), ("own", True), ("secretariat", True)]
)
def test_restricted_act_in_lists(world, client_as, viewer, listed):  # type: ignore[no-untyped-def]
    seq = world["restricted_act"].seq
    page = client_as(VIEWERS[viewer]).get("/record/acts?type=token.created").content.decode()
    assert (f'href="/record/acts/{seq}"' in page) is listed
    api = client_as(VIEWERS[viewer]).get("/api/v1/acts?type=token.created").json()
    assert (seq in [a["seq"] for a in api["items"]]) is listed


@pytest.mark.parametrize(
    ("viewer", "sees_delegate"), [("other", False), ("own", True), ("secretariat", True)]
)
def test_delegation_membership(world, client_as, viewer, sees_delegate):  # type: ignore[no-untyped-def]
    page = client_as(VIEWERS[viewer]).get("/parties/fr").content.decode()
    assert "fr-head" in page
    assert ("fr-delegate" in page) is sees_delegate
    api = client_as(VIEWERS[viewer]).get("/api/v1/delegations?party=fr").json()
    names = {m["username"] for m in api["items"]}
    assert "fr-head" in names
    assert ("fr-delegate" in names) is sees_delegate


@pytest.mark.parametrize(
    ("viewer", "sees"), [("other", False), ("own", True), ("secretariat", False)]
)
def test_tokens_are_seen_by_their_owner_only(world, client_as, viewer, sees):  # type: ignore[no-untyped-def]
    prefix = world["token"].prefix
    assert (prefix in client_as(VIEWERS[viewer]).get("/account").content.decode()) is sees
    listed = client_as(VIEWERS[viewer]).get("/api/v1/tokens").json()["items"]
    assert (prefix in [t["prefix"] for t in listed]) is sees


@pytest.mark.parametrize(
    ("viewer", "status"), [("anonymous", 302), ("other", 404), ("secretariat", 404), ("own", 302)]
)
def test_token_revoke_page(world, client_as, viewer, status):  # type: ignore[no-untyped-def]
    prefix = world["token"].prefix
    response = client_as(VIEWERS[viewer]).post(f"/account/tokens/{prefix}/revoke")
    assert response.status_code == status
    world["token"].refresh_from_db()
    assert (world["token"].revoked_at is not None) is (viewer == "own")


# (path, form data, expected status per viewer: other, own, secretariat)
SECRETARIAT_WRITES = [
    ("/parties/register", {"kind": "state", "code": "it"}, (403, 403, 302)),
    ("/parties/fr/status", {"charter": "helsinki", "status": "party"}, (403, 403, 302)),
    (
        "/parties/fr/members",
        {
            "username": "fr-cp",
            "roles": ["contact-point"],
            "language": "en",
            "password": "a long enough passphrase",
        },
        (403, 403, 302),
    ),
    ("/parties/members/fr-delegate/reset", {}, (404, 403, 200)),
]


@pytest.mark.parametrize(("path", "data", "expected"), SECRETARIAT_WRITES)
def test_secretariat_writes(world, client_as, path, data, expected):  # type: ignore[no-untyped-def]
    assert client_as(None).post(path, data).status_code == 302  # to the sign-in page
    acts_before = Act.objects.count()
    for viewer, status in zip(("other", "own", "secretariat"), expected, strict=True):
        response = client_as(VIEWERS[viewer]).post(path, data)
        assert response.status_code == status, (viewer, response.content[:300])
        if status in (403, 404):
            assert Act.objects.count() == acts_before
        acts_before = Act.objects.count()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/parties/fr/keys/rotate", {}),
        ("/parties/fr/withdrawal", {"charter": "est-2009"}),
        ("/parties/fr/accession", {"charter": "helsinki"}),
    ],
)
def test_party_acts_are_for_the_own_head_only(world, client_as, path, data):  # type: ignore[no-untyped-def]
    before = Act.objects.count()
    for viewer in ("other", "secretariat"):
        assert client_as(VIEWERS[viewer]).post(path, data).status_code == 403
    assert client_as("fr-delegate").post(path, data).status_code == 403
    assert Act.objects.count() == before
    assert client_as("fr-head").post(path, data).status_code == 302
    assert Act.objects.count() > before


API_READS = [
    "/api/v1/me",
    "/api/v1/parties",
    "/api/v1/parties/fr",
    "/api/v1/delegations",
    "/api/v1/charters",
    "/api/v1/charters/est-2009",
    "/api/v1/acts",
    "/api/v1/acts/0",
    "/api/v1/tokens",
]


@pytest.mark.parametrize("path", API_READS)
def test_api_reads_need_a_token(world, client, path):  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Authentication required")
    bad = client.get(path, HTTP_AUTHORIZATION="Bearer cnc_nothing_here")
    assert bad.status_code == 401
    ok = client.get(path, HTTP_AUTHORIZATION=f"Bearer {world['raw']}")
    assert ok.status_code == 200


def test_api_restricted_act_is_not_found_for_another_party(world, client_as):  # type: ignore[no-untyped-def]
    seq = world["restricted_act"].seq
    assert client_as("de-head").get(f"/api/v1/acts/{seq}").status_code == 404
    own = client_as("fr-head").get(f"/api/v1/acts/{seq}").json()
    assert own["content"]["token"] == world["token"].prefix
    sec = client_as("secretariat").get(f"/api/v1/acts/{seq}").json()
    assert sec["content"] is None
    assert sec["restricted"] is True


def test_revoked_token_stops_working(world, client):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {world['raw']}"}
    assert client.get("/api/v1/me", **headers).json()["username"] == "fr-head"
    assert client.delete(f"/api/v1/tokens/{world['token'].prefix}", **headers).status_code == 200
    assert client.get("/api/v1/me", **headers).status_code == 401


@pytest.mark.parametrize(("viewer", "status"), [("other", 403), ("own", 403), ("secretariat", 201)])
def test_api_party_register(world, client_as, viewer, status):  # type: ignore[no-untyped-def]
    response = client_as(VIEWERS[viewer]).post(
        "/api/v1/parties", {"kind": "state", "code": "it"}, content_type="application/json"
    )
    assert response.status_code == status
