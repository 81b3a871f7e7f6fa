"""Signing in: password with lock-out after repeated failures, then a TOTP second factor.

Failed attempts and lock-outs are operational state of an account, not acts of the
treaty, so they are not entered in the record.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NoReturn

import pyotp
from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from concord import clock
from concord.parties import keys
from concord.parties.models import User

# One message for unknown user and wrong password, so names cannot be probed.
ERR_CREDENTIALS = gettext_noop("The user name or password is wrong.")
ERR_LOCKED = gettext_noop("Too many failed attempts. Try again later or ask the secretariat.")
ERR_CODE = gettext_noop("The code is wrong or has already been used.")


class SignInError(Exception):
    def __init__(self, message: str, *, field: str = "password"):
        self.message = message
        self.field = field
        super().__init__(message)


def password_check(username: str, password: str) -> User:
    """The user for these credentials; counts failures and locks the account after
    ``CONCORD_LOCKOUT_THRESHOLD`` in a row."""
    user = User.objects.filter(username__iexact=(username or "").strip()[:150]).first()
    now = clock.now()
    if user is None or not user.is_active:
        # Spend the same time as a real check so timing does not tell names apart.
        User().set_password(password or "")
        raise SignInError(_(ERR_CREDENTIALS))
    if user.locked_until and user.locked_until > now:
        raise SignInError(_(ERR_LOCKED))
    if not user.check_password(password or ""):
        _count_failure(user, now)
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
    return user


def _count_failure(
    user: User, now: datetime, *, field: str = "password", message: str = ERR_CREDENTIALS
) -> NoReturn:
    """Count a failed attempt; the last allowed one locks the account. Always raises."""
    User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
    user.refresh_from_db(fields=["failed_logins"])
    if user.failed_logins >= settings.CONCORD_LOCKOUT_THRESHOLD:
        User.objects.filter(pk=user.pk).update(
            locked_until=now + timedelta(seconds=settings.CONCORD_LOCKOUT_SECONDS),
            failed_logins=0,
        )
        user.refresh_from_db(fields=["failed_logins", "locked_until"])
        raise SignInError(_(ERR_LOCKED), field=field)
    raise SignInError(_(message), field=field)


def second_factor_required(user: User) -> bool:
    """Whether this user must pass a TOTP check to sign in: anyone enrolled, and heads of
    delegation and secretariat officers when the deployment requires it."""
    if user.has_totp:
        return True
    return bool(settings.CONCORD_REQUIRE_TOTP and user.needs_second_factor)


def totp_new_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.username, issuer_name=settings.CONCORD_TOTP_ISSUER
    )


def totp_verify(secret: str, code: str, *, last_step: int) -> int | None:
    """The time step a valid code belongs to (one step of drift allowed), or None.
    A code whose step is not newer than ``last_step`` is refused: no replay."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now()
    step_now = int(now.timestamp()) // totp.interval
    for step in (step_now - 1, step_now, step_now + 1):
        if step > last_step and totp.at(step * totp.interval) == code:
            return step
    return None


def totp_check(user: User, code: str) -> None:
    """Check a sign-in code against the user's enrolled secret; failures count toward
    the lock-out like wrong passwords."""
    if user.totp_secret_encrypted is None:
        raise SignInError(_(ERR_CODE), field="code")
    secret = keys.decrypt_secret(bytes(user.totp_secret_encrypted)).decode()
    step = totp_verify(secret, code, last_step=user.totp_last_step)
    if step is None:
        _count_failure(user, clock.now(), field="code", message=ERR_CODE)
    user.totp_last_step = step
    user.failed_logins = 0
    user.save(update_fields=["totp_last_step", "failed_logins"])
