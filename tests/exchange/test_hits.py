"""Hit/no-hit: identifiers hit on their normalised form, names across scripts and
transliterations, a date of birth blocks a name match; a hit names the holder and an
opaque reference, never the content; the holder decides whether to release it."""

from __future__ import annotations

import pytest

from concord.exchange.models import Distribution

pytestmark = pytest.mark.django_db

URL = "/api/v1/exchange"


def post(client, path, data):  # type: ignore[no-untyped-def]
    return client.post(path, data, content_type="application/json")


def send(client, entities, **extra):  # type: ignore[no-untyped-def]
    data = {
        "charter": "eurasia-2024",
        "channel": "organised-crime",
        "subject": "Network in the port",
        "body": "Confidential details.",
        "recipients": ["ru"],
        "entities": entities,
    } | extra
    response = post(client, f"{URL}/messages", data)
    assert response.status_code == 201, response.json()
    return response.json()


def hits(client, entities):  # type: ignore[no-untyped-def]
    response = post(client, f"{URL}/hits", {"entities": entities})
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def test_identifiers_hit_whatever_their_formatting(trio, client_as) -> None:
    send(
        client_as("kz-cp"),
        [
            {"kind": "vessel", "imo": "9074729"},
            {"kind": "bank-account", "iban": "DE89370400440532013000"},
            {"kind": "phone", "number": "+7 916 123-45-67"},
        ],
    )
    results = hits(
        client_as("cn-cp"),
        [
            {"kind": "vessel", "imo": "IMO 9074729"},
            {"kind": "bank-account", "iban": "de89 3704 0044 0532 0130 00"},
            {"kind": "phone", "number": "+79161234567"},
            {"kind": "vessel", "imo": "9176187"},
        ],
    )
    assert [r["hit"] for r in results] == [True, True, True, False]
    first = results[0]["hits"][0]
    assert first["party"] == "kz"
    assert first["match"] == "identifier"
    assert first["reference"].startswith("E-")
    assert first["message_id"] is None  # cn does not hold the message
    # Nothing of the content comes back.
    assert "Confidential" not in str(results)
    assert "Network" not in str(results)


def test_a_name_hits_across_scripts_and_a_different_birth_date_blocks_it(trio, client_as) -> None:
    send(
        client_as("kz-cp"),
        [{"kind": "person", "names": ["Юрий Шевченко"], "birth_date": "1975-06-02"}],
    )
    same = hits(
        client_as("cn-cp"),
        [{"kind": "person", "names": ["Iouri Chevtchenko"], "birth_date": "1975-06-02"}],
    )
    assert same[0]["hit"]
    assert same[0]["hits"][0]["match"] == "name"
    other = hits(
        client_as("cn-cp"),
        [{"kind": "person", "names": ["Yuriy Shevchenko"], "birth_date": "1981-11-20"}],
    )
    assert not other[0]["hit"]
    neighbour = hits(client_as("cn-cp"), [{"kind": "person", "names": ["Yuriy Savchenko"]}])
    assert not neighbour[0]["hit"]


def test_a_party_gets_no_hit_on_its_own_holdings(trio, client_as) -> None:
    send(client_as("kz-cp"), [{"kind": "vessel", "imo": "9074729"}])
    assert not hits(client_as("kz-cp"), [{"kind": "vessel", "imo": "9074729"}])[0]["hit"]


def test_a_recipient_is_pointed_to_the_message_it_already_holds(trio, client_as) -> None:
    sent = send(client_as("kz-cp"), [{"kind": "vessel", "imo": "9074729"}])
    result = hits(client_as("ru-cp"), [{"kind": "vessel", "imo": "9074729"}])[0]
    assert result["hits"][0]["message_id"] == sent["id"]


def test_tlp_red_is_found_only_by_its_recipients(trio, client_as) -> None:
    send(client_as("kz-cp"), [{"kind": "vessel", "imo": "9074729"}], tlp="red")
    assert not hits(client_as("cn-cp"), [{"kind": "vessel", "imo": "9074729"}])[0]["hit"]
    assert hits(client_as("ru-cp"), [{"kind": "vessel", "imo": "9074729"}])[0]["hit"]


def test_the_holder_decides_whether_to_release_after_a_hit(trio, client_as) -> None:
    sent = send(client_as("kz-cp"), [{"kind": "vessel", "imo": "9074729"}])
    hit = hits(client_as("cn-cp"), [{"kind": "vessel", "imo": "9074729"}])[0]["hits"][0]
    asked = post(
        client_as("cn-cp"),
        f"{URL}/access-requests",
        {"reference": hit["reference"], "reason": "The vessel is due in Shanghai."},
    )
    assert asked.status_code == 201, asked.json()
    assert asked.json()["holder"] == "kz"
    assert client_as("cn-cp").get(f"{URL}/messages/{sent['id']}").status_code == 404
    incoming = client_as("kz-cp").get(f"{URL}/access-requests").json()
    assert incoming["count"] == 1
    decided = post(
        client_as("kz-cp"),
        f"{URL}/access-requests/{asked.json()['id']}/decision",
        {"grant": True},
    )
    assert decided.json()["state"] == "granted"
    got = client_as("cn-cp").get(f"{URL}/messages/{sent['id']}").json()
    assert got["subject"] == "Network in the port"
    assert Distribution.objects.get(message_id=sent["id"], party__code="cn").via == "requested"
    # An unknown reference is refused with the field named.
    bad = post(client_as("cn-cp"), f"{URL}/access-requests", {"reference": "E-0", "reason": "x"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "reference"


def test_hit_queries_refuse_bad_input_naming_the_field(trio, client_as) -> None:
    client = client_as("cn-cp")
    response = post(client, f"{URL}/hits", {"entities": [{"kind": "vessel", "imo": "123"}]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "entities.0.imo"
    response = post(client, f"{URL}/hits", {"entities": "vessel"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("entities")
    response = post(client, f"{URL}/hits", {"entities": [{"kind": "vessel"}] * 201})
    assert response.status_code == 400
    assert post(client_as("cn-head"), f"{URL}/hits", {"entities": []}).status_code == 403
    assert post(client_as("secretariat"), f"{URL}/hits", {"entities": []}).status_code == 403
    assert post(client_as(None), f"{URL}/hits", {"entities": []}).status_code == 401
