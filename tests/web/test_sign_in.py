"""Signing in: password, lock-out, the TOTP second factor and its enrolment."""

from __future__ import annotations

import pyotp
import pytest

from concord import clock
from concord.parties import keys
from concord.parties.models import User

PASSWORD = "correct horse battery staple"  # the fixtures' password (tests/conftest.py)

pytestmark = pytest.mark.django_db


def test_sign_in_with_password(fr, client):
    response = client.post("/login", {"username": "fr-delegate", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("username", "password"),
    [("fr-delegate", "wrong"), ("nobody", PASSWORD), ("", ""), ("x" * 500, "y")],
)
def test_wrong_credentials_say_so_without_telling_which(fr, client, username, password):
    response = client.post("/login", {"username": username, "password": password})
    assert response.status_code == 400
    page = response.content.decode()
    assert ("The user name or password is wrong." in page) or ("User name" in page)
    assert client.get("/").status_code == 302


def test_lock_out_after_repeated_failures(fr, client, settings):
    settings.CONCORD_LOCKOUT_THRESHOLD = 3
    for _ in range(3):
        client.post("/login", {"username": "fr-delegate", "password": "wrong"})
    response = client.post("/login", {"username": "fr-delegate", "password": PASSWORD})
    assert "Too many failed attempts" in response.content.decode()
    clock.advance(__import__("datetime").timedelta(seconds=settings.CONCORD_LOCKOUT_SECONDS + 1))
    assert (
        client.post("/login", {"username": "fr-delegate", "password": PASSWORD}).status_code == 302
    )


def _enrol(client, username: str) -> str:
    page = client.get("/account/second-factor").content.decode()
    secret = page.split("<code>")[1].split("</code>")[0]
    code = pyotp.TOTP(secret).at(clock.now())
    assert client.post("/account/second-factor", {"code": code}).status_code == 302
    return secret


def test_head_must_enrol_a_second_factor_when_required(fr, client, settings):
    settings.CONCORD_REQUIRE_TOTP = True
    client.post("/login", {"username": "fr-head", "password": PASSWORD})
    assert client.get("/").url == "/account/second-factor"
    assert client.post("/account/second-factor", {"code": "000000"}).status_code == 400
    secret = _enrol(client, "fr-head")
    user = User.objects.get(username="fr-head")
    assert user.has_totp
    assert keys.decrypt_secret(bytes(user.totp_secret_encrypted)).decode() == secret
    assert secret.encode() not in bytes(user.totp_secret_encrypted)
    assert client.get("/").status_code == 200


def test_delegate_is_not_forced_to_enrol(fr, client, settings):
    settings.CONCORD_REQUIRE_TOTP = True
    client.post("/login", {"username": "fr-delegate", "password": PASSWORD})
    assert client.get("/").status_code == 200


def test_enrolled_member_signs_in_with_a_code_that_cannot_be_replayed(fr, client, settings):
    settings.CONCORD_REQUIRE_TOTP = True
    client.post("/login", {"username": "fr-head", "password": PASSWORD})
    secret = _enrol(client, "fr-head")
    client.post("/logout")
    clock.advance(__import__("datetime").timedelta(seconds=60))
    response = client.post("/login", {"username": "fr-head", "password": PASSWORD})
    assert response.url.startswith("/login/code")
    assert client.get("/").status_code == 302  # not signed in yet
    assert client.post("/login/code", {"code": "12345"}).status_code == 400
    code = pyotp.TOTP(secret).at(clock.now())
    assert client.post("/login/code", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200
    client.post("/logout")
    client.post("/login", {"username": "fr-head", "password": PASSWORD})
    replay = client.post("/login/code", {"code": code})
    assert replay.status_code == 400
    assert "already been used" in replay.content.decode()


def test_code_page_without_a_password_step_goes_back_to_sign_in(client, db):
    assert client.get("/login/code").url == "/login"


def test_next_is_followed_only_within_the_site(fr, client):
    ok = client.post(
        "/login", {"username": "fr-delegate", "password": PASSWORD, "next": "/parties/"}
    )
    assert ok.url == "/parties/"
    client.post("/logout")
    evil = client.post(
        "/login", {"username": "fr-delegate", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert evil.url == "/"


def test_language_switch_is_kept_for_the_member(fr, client_as):
    c = client_as("fr-delegate")
    assert c.post("/i18n/language", {"language": "ru", "next": "/"}).status_code == 302
    assert User.objects.get(username="fr-delegate").language == "ru"
    page = c.get("/").content.decode()
    assert 'lang="ru"' in page
    bad = c.post("/i18n/language", {"language": "xx", "next": "/"})
    assert bad.status_code == 302
    assert User.objects.get(username="fr-delegate").language == "ru"


def test_arabic_is_laid_out_right_to_left(fr, client_as):
    c = client_as("fr-delegate")
    c.post("/i18n/language", {"language": "ar", "next": "/"})
    page = c.get("/").content.decode()
    assert 'dir="rtl"' in page
