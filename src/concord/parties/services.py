"""Every write to parties, participations, delegations, tokens and keys.

Each function is one act: it validates, authorizes for the acting party, changes the
working state and appends the act to the record in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

import pycountry
from babel import Locale
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from concord import clock
from concord.charters.loader import duration
from concord.charters.models import Charter
from concord.parties import keys
from concord.parties.models import (
    DELEGATION_ROLES,
    AccessionConsent,
    ApiToken,
    Participation,
    ParticipationChange,
    Party,
    PartyKind,
    Role,
    SigningKey,
    Status,
    User,
)
from concord.record.models import Act, ActType
from concord.record.services import act_append, key_content

TOKEN_PREFIX = "cnc_"  # noqa: S105 (a marker, not a secret)
USERNAME_MAX = 150


class ServiceError(Exception):
    """A write refused for a reason the user can act on; ``field`` names the input."""

    def __init__(self, message: str, *, field: str = "", code: str = "invalid"):
        self.message = message
        self.field = field
        self.code = code
        super().__init__(message)


class NotPermitted(ServiceError):
    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message, field=field, code="forbidden")


def _require_secretariat(agent: User) -> None:
    if not agent.is_secretariat:
        raise NotPermitted(_("Only the secretariat may do this."))


def _require_member(agent: User, party: Party, *roles: str) -> None:
    """The agent acts for ``party`` only, and only in one of ``roles``."""
    if agent.party_id != party.pk:
        raise NotPermitted(_("You act for your own party only."))
    if roles and not agent.has_role(*roles):
        raise NotPermitted(_("Your role does not allow this."))


def charter_roles(charter: Charter, act_kind: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """The roles that may commit a party for ``act_kind`` under the charter."""
    roles = charter.document.get("roles", {}).get(act_kind)
    return tuple(roles) if roles else default


# --- parties ---------------------------------------------------------------------


def _validate_party_code(code: str, kind: str) -> str:
    code = (code or "").strip().lower()
    if kind == PartyKind.STATE:
        if len(code) != 2 or pycountry.countries.get(alpha_2=code.upper()) is None:
            raise ServiceError(
                _("%(code)s is not an ISO 3166-1 alpha-2 country code.") % {"code": code or '""'},
                field="code",
            )
    elif kind == PartyKind.ORGANISATION:
        if not (2 <= len(code) <= 20) or not code.replace("-", "").isalnum() or not code.isascii():
            raise ServiceError(
                _("An organisation's code is 2 to 20 lower-case letters, digits or hyphens."),
                field="code",
            )
    else:
        raise ServiceError(_("Kind must be 'state' or 'organisation'."), field="kind")
    return code


def state_names(code: str) -> tuple[str, dict[str, str]]:
    """A state's short name in English and in the other interface languages, from the
    Unicode CLDR territory names that ship with Babel."""
    if pycountry.countries.get(alpha_2=code.upper()) is None:
        raise ServiceError(
            _("%(code)s is not an ISO 3166-1 alpha-2 country code.") % {"code": code}
        )
    region = code.upper()
    names = {lang: Locale(lang).territories.get(region, "") for lang in ("en", "ru", "fr", "ar")}
    english = names.pop("en") or region
    return english, {k: v for k, v in names.items() if v}


def _key_create(party: Party | None, at: datetime) -> SigningKey:
    public, private = keys.generate_keypair()
    return SigningKey.objects.create(
        party=party,
        key_id=keys.key_id_for(public),
        public_key=public,
        private_key_encrypted=keys.encrypt_secret(private),
        valid_from=at,
    )


def party_register(
    *,
    agent: User | None,
    code: str,
    kind: str,
    name: str = "",
    names: dict[str, str] | None = None,
    abbreviation: str = "",
) -> Party:
    """Enter a state or organisation on the hub, with its first signing key.

    The depositary records the registration; the party's first key is published in an
    act signed with that key itself, which proves the hub holds the private half.
    """
    if agent is not None:
        _require_secretariat(agent)
    code = _validate_party_code(code, kind)
    names = dict(names or {})
    if kind == PartyKind.STATE:
        english, translated = state_names(code)
        name = name.strip() or english
        names = {**translated, **names}
    name = name.strip()
    if not name:
        raise ServiceError(_("A name is required."), field="name")
    if len(name) > 200:
        raise ServiceError(_("The name is longer than 200 characters."), field="name")
    if len(abbreviation) > 20:
        raise ServiceError(
            _("The abbreviation is longer than 20 characters."), field="abbreviation"
        )
    with transaction.atomic():
        if Party.objects.filter(code=code).exists():
            raise ServiceError(
                _("A party with code %(code)s exists.") % {"code": code}, field="code"
            )
        at = clock.now()
        party = Party.objects.create(
            code=code,
            kind=kind,
            name=name,
            names=names,
            abbreviation=abbreviation.strip(),
            registered_at=at,
        )
        act_append(
            type=ActType.PARTY_REGISTERED,
            actor=None,
            agent=agent,
            content={"party": code, "kind": kind, "name": name, "abbreviation": abbreviation},
        )
        key = _key_create(party, at)
        act_append(
            type=ActType.KEY_PUBLISHED, actor=party, agent=agent, content=key_content(key), key=key
        )
    return party


def _participation_change(
    participation: Participation, *, status: str, agent: User | None, reason: str = ""
) -> Act:
    """Record a status change under a charter (the depositary's act)."""
    charter = participation.charter
    previous = participation.status if participation.pk else None
    participation.status = status
    participation.since = clock.now()
    if status == Status.WITHDRAWN:
        participation.withdrawal_effective_at = None
    participation.save()
    act = act_append(
        type=ActType.PARTY_STATUS_CHANGED,
        actor=None,
        agent=agent,
        charter_version=charter.current,
        content={
            "party": participation.party.code,
            "charter": charter.code,
            "status": status,
            "previous": previous,
            "reason": reason,
        },
    )
    ParticipationChange.objects.create(
        participation=participation, status=status, at=act.time, act=act
    )
    return act


def participation_set(
    *, agent: User | None, party: Party, charter: Charter, status: str, reason: str = ""
) -> Participation:
    """The secretariat records a party's status under a charter (signature, ratification,
    suspension by a decision, ...)."""
    if agent is not None:
        _require_secretariat(agent)
    if status not in Status.values:
        raise ServiceError(_("Unknown status %(status)s.") % {"status": status}, field="status")
    if len(reason) > 1000:
        raise ServiceError(_("The reason is longer than 1000 characters."), field="reason")
    _require_eligible(party, charter)
    with transaction.atomic():
        participation = (
            Participation.objects.select_for_update().filter(party=party, charter=charter).first()
        )
        if participation is None:
            participation = Participation(party=party, charter=charter, since=clock.now())
        elif participation.status == status:
            raise ServiceError(
                _("%(party)s already has this status.") % {"party": party.name}, field="status"
            )
        _participation_change(participation, status=status, agent=agent, reason=reason)
    return participation


def _require_eligible(party: Party, charter: Charter) -> None:
    eligibility = charter.document.get("eligibility", {})
    if party.kind == PartyKind.STATE:
        states = eligibility.get("states", [])
        ok = states == "any" or party.code.upper() in states
    else:
        ok = party.code in {o["id"] for o in eligibility.get("organisations", [])}
    if not ok:
        raise ServiceError(
            _("%(party)s is not eligible under %(charter)s.")
            % {"party": party.name, "charter": charter.code},
            field="party",
        )


def accession_request(*, agent: User, party: Party, charter: Charter) -> Participation:
    """A party asks to accede. Under a notification rule it becomes a party at once;
    under consent of all parties it waits for every party's consent."""
    _require_member(agent, party, *charter_roles(charter, "sign", (Role.HEAD,)))
    _require_eligible(party, charter)
    rule = charter.document.get("accession", {}).get("rule", "consent-of-all-parties")
    with transaction.atomic():
        participation = (
            Participation.objects.select_for_update().filter(party=party, charter=charter).first()
        )
        if participation and participation.effective_status() in {Status.PARTY, Status.APPLICANT}:
            raise ServiceError(
                _("%(party)s is already a party or an applicant.") % {"party": party.name},
                field="charter",
            )
        act = act_append(
            type=ActType.ACCESSION_REQUESTED,
            actor=party,
            agent=agent,
            charter_version=charter.current,
            content={"party": party.code, "charter": charter.code, "rule": rule},
        )
        if participation is None:
            participation = Participation(party=party, charter=charter, since=act.time)
        participation.consents.all().delete() if participation.pk else None
        _participation_change(participation, status=Status.APPLICANT, agent=agent)
        if rule == "notification":
            _participation_change(participation, status=Status.PARTY, agent=None)
        elif rule == "consent-of-all-parties":
            _accession_complete_if_agreed(participation)
    return participation


def _accession_complete_if_agreed(participation: Participation) -> bool:
    parties = set(
        Participation.objects.filter(charter=participation.charter, status=Status.PARTY)
        .exclude(party=participation.party)
        .values_list("party_id", flat=True)
    )
    consented = set(participation.consents.values_list("party_id", flat=True))
    if parties <= consented:
        _participation_change(
            participation, status=Status.PARTY, agent=None, reason="consent of all parties"
        )
        return True
    return False


def accession_consent(*, agent: User, party: Party, applicant: Participation) -> Act:
    """``party`` consents to ``applicant``'s accession; the last consent admits it."""
    charter = applicant.charter
    _require_member(agent, party, *charter_roles(charter, "sign", (Role.HEAD,)))
    with transaction.atomic():
        applicant = Participation.objects.select_for_update().get(pk=applicant.pk)
        if applicant.status != Status.APPLICANT:
            raise ServiceError(_("This party is not an applicant."), field="applicant")
        mine = Participation.objects.filter(party=party, charter=charter).first()
        if mine is None or mine.effective_status() != Status.PARTY:
            raise NotPermitted(_("Only parties to the charter consent to an accession."))
        if applicant.consents.filter(party=party).exists():
            raise ServiceError(_("Your party has already consented."), field="applicant")
        act = act_append(
            type=ActType.ACCESSION_CONSENTED,
            actor=party,
            agent=agent,
            charter_version=charter.current,
            content={"applicant": applicant.party.code, "charter": charter.code},
        )
        AccessionConsent.objects.create(applicant=applicant, party=party, act=act)
        _accession_complete_if_agreed(applicant)
    return act


def withdrawal_notify(*, agent: User, party: Party, charter: Charter) -> Participation:
    """Notice of withdrawal to the depositary; effective after the charter's notice period."""
    _require_member(agent, party, *charter_roles(charter, "sign", (Role.HEAD,)))
    rules = charter.document.get("withdrawal", {})
    if rules.get("rule") == "none":
        raise ServiceError(_("This charter makes no provision for withdrawal."), field="charter")
    with transaction.atomic():
        participation = (
            Participation.objects.select_for_update().filter(party=party, charter=charter).first()
        )
        if participation is None or participation.effective_status() == Status.WITHDRAWN:
            raise ServiceError(_("Your party does not take part in this charter."), field="charter")
        if participation.withdrawal_effective_at is not None:
            raise ServiceError(_("Notice of withdrawal has already been given."), field="charter")
        at = clock.now()
        effective = at + duration(rules.get("notice_period", "PT0S"), start=at)
        act_append(
            type=ActType.WITHDRAWAL_NOTIFIED,
            actor=party,
            agent=agent,
            charter_version=charter.current,
            content={
                "party": party.code,
                "charter": charter.code,
                "effective": effective.isoformat(),
            },
        )
        participation.withdrawal_effective_at = effective
        participation.save(update_fields=["withdrawal_effective_at"])
        if effective <= at:
            _participation_change(participation, status=Status.WITHDRAWN, agent=None)
    return participation


def withdrawals_due() -> int:
    """Record every withdrawal whose notice period has run out (run by the worker).
    Safe to run from several workers: each row is locked and re-checked."""
    done = 0
    now = clock.now()
    pending = Participation.objects.filter(withdrawal_effective_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(pending):
        with transaction.atomic():
            p = Participation.objects.select_for_update().get(pk=pk)
            if p.withdrawal_effective_at is None or p.withdrawal_effective_at > now:
                continue
            _participation_change(
                p, status=Status.WITHDRAWN, agent=None, reason="notice period ended"
            )
            done += 1
    return done


# --- keys ------------------------------------------------------------------------


def key_rotate(*, agent: User | None, party: Party | None) -> SigningKey:
    """Retire the current key and publish a new one. The act is signed with the old key,
    so whoever trusted the old key can trust the new one."""
    if agent is not None:
        if party is None:
            _require_secretariat(agent)
        else:
            _require_member(agent, party, Role.HEAD)
    with transaction.atomic():
        old = (
            SigningKey.objects.select_for_update()
            .filter(party=party, valid_until__isnull=True)
            .order_by("-valid_from")
            .first()
        )
        at = clock.now()
        new = _key_create(party, at)
        content = {"new": key_content(new), "old": old.key_id if old else None}
        act_append(
            type=ActType.KEY_ROTATED, actor=party, agent=agent, content=content, key=old or new
        )
        if old is not None:
            old.valid_until = new.valid_from
            old.save(update_fields=["valid_until"])
    return new


# --- members of delegations and the secretariat ----------------------------------


def _validate_roles(party: Party | None, roles: list[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    if not roles:
        raise ServiceError(_("Choose at least one role."), field="roles")
    for role in roles:
        if role not in Role.values:
            raise ServiceError(_("Unknown role %(role)s.") % {"role": role}, field="roles")
    if party is None and roles != [Role.SECRETARIAT]:
        raise ServiceError(_("Secretariat members have the secretariat role only."), field="roles")
    if party is not None and not set(roles) <= set(DELEGATION_ROLES):
        raise ServiceError(_("The secretariat role is not for delegations."), field="roles")
    return roles


def user_create(
    *,
    agent: User | None,
    username: str,
    party: Party | None,
    roles: list[str],
    password: str,
    email: str = "",
    full_name: str = "",
    language: str = "en",
    check_password: bool = True,
    password_hash: str | None = None,
) -> User:
    """Add a person to a party's delegation or to the secretariat."""
    from django.conf import settings

    if agent is not None:
        _require_secretariat(agent)
    username = (username or "").strip()
    if not username or len(username) > USERNAME_MAX:
        raise ServiceError(_("A user name of 1 to 150 characters is required."), field="username")
    if not all(c.isalnum() or c in "@.+-_" for c in username):
        raise ServiceError(
            _("A user name has letters, digits and @ . + - _ only."), field="username"
        )
    roles = _validate_roles(party, roles)
    if language not in dict(settings.LANGUAGES):
        raise ServiceError(_("Unknown language."), field="language")
    if len(email) > 254 or (email and "@" not in email):
        raise ServiceError(_("Enter a valid e-mail address."), field="email")
    if check_password:
        try:
            validate_password(password, User(username=username, email=email))
        except ValidationError as exc:
            raise ServiceError(" ".join(exc.messages), field="password") from None
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ServiceError(_("This user name is taken."), field="username")
        first, _sep, last = full_name.strip().partition(" ")
        user = User(
            username=username,
            party=party,
            roles=roles,
            email=email,
            first_name=first[:150],
            last_name=last[:150],
            language=language,
        )
        if password_hash:
            user.password = password_hash
        else:
            user.set_password(password)
        try:
            user.save()
        except IntegrityError:
            raise ServiceError(_("This user name is taken."), field="username") from None
        act_append(
            type=ActType.USER_ADDED,
            actor=None,
            agent=agent,
            content={"user": username, "party": party.code if party else None, "roles": roles},
        )
    return user


def user_change(
    *, agent: User, user: User, roles: list[str] | None = None, is_active: bool | None = None
) -> User:
    """Change a member's roles, or deactivate or reactivate the account."""
    _require_secretariat(agent)
    changes: dict[str, Any] = {}
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if roles is not None:
            roles = _validate_roles(user.party, roles)
            if roles != user.roles:
                user.roles = roles
                changes["roles"] = roles
        if is_active is not None and is_active != user.is_active:
            if user.pk == agent.pk:
                raise ServiceError(_("You cannot deactivate yourself."), field="is_active")
            user.is_active = is_active
            changes["active"] = is_active
        if not changes:
            raise ServiceError(_("Nothing to change."), field="roles")
        user.save(update_fields=["roles", "is_active"])
        act_append(
            type=ActType.USER_CHANGED,
            actor=None,
            agent=agent,
            content={"user": user.username, **changes},
        )
    return user


def password_reset(*, agent: User, user: User, second_factor: bool = False) -> str:
    """The secretariat issues a one-time password (and may clear the second factor);
    the member must choose a new password at the next sign-in. Returns the password."""
    _require_secretariat(agent)
    temporary = secrets.token_urlsafe(12)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user.set_password(temporary)
        user.must_change_password = True
        user.failed_logins = 0
        user.locked_until = None
        fields = ["password", "must_change_password", "failed_logins", "locked_until"]
        if second_factor:
            user.totp_secret_encrypted = None
            user.totp_confirmed_at = None
            fields += ["totp_secret_encrypted", "totp_confirmed_at"]
        user.save(update_fields=fields)
        act_append(
            type=ActType.USER_PASSWORD_RESET,
            actor=None,
            agent=agent,
            content={"user": user.username, "second_factor": second_factor},
        )
    return temporary


def password_change(*, user: User, old: str, new: str) -> None:
    """A member chooses a new password (not an act of the treaty: no record entry)."""
    if not user.check_password(old):
        raise ServiceError(_("The current password is wrong."), field="old_password")
    try:
        validate_password(new, user)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), field="new_password") from None
    user.set_password(new)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])


def second_factor_enroll(*, user: User, secret: str) -> None:
    """Keep a confirmed TOTP secret (encrypted) and record that the member enrolled."""
    with transaction.atomic():
        user.totp_secret_encrypted = keys.encrypt_secret(secret.encode())
        user.totp_confirmed_at = clock.now()
        user.save(update_fields=["totp_secret_encrypted", "totp_confirmed_at", "totp_last_step"])
        act_append(
            type=ActType.USER_CHANGED,
            actor=None,
            agent=user,
            content={"user": user.username, "second_factor": "enrolled"},
        )


# --- API tokens --------------------------------------------------------------------


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _token_recipients(user: User) -> list[Party]:
    return [user.party] if user.party else []


def token_create(*, agent: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; returns the token row and the token itself,
    which is shown once and never stored."""
    if agent.pk != user.pk and not agent.is_secretariat:
        raise NotPermitted(_("You create tokens for yourself only."))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ServiceError(_("A token name of 1 to 100 characters is required."), field="name")
    if not user.is_active:
        raise ServiceError(_("This account is deactivated."), field="user")
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, prefix=prefix, digest=token_digest(raw), created_at=clock.now()
        )
        act_append(
            type=ActType.TOKEN_CREATED,
            actor=user.party,
            agent=agent,
            content={"user": user.username, "token": prefix, "name": name},
            recipients=_token_recipients(user),
        )
    return token, raw


def token_revoke(*, agent: User, token: ApiToken) -> ApiToken:
    if agent.pk != token.user_id and not agent.is_secretariat:
        raise NotPermitted(_("You revoke your own tokens only."))
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise ServiceError(_("This token is already revoked."), field="token")
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        act_append(
            type=ActType.TOKEN_REVOKED,
            actor=token.user.party,
            agent=agent,
            content={"user": token.user.username, "token": token.prefix},
            recipients=_token_recipients(token.user),
        )
    return token


def token_authenticate(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__party")
        .filter(digest=token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = clock.now()
    # Writing on every request would serialise readers behind the record's lock.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
