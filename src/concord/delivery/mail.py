"""E-mail to delegation members about the acts that concern their party, each member
as they chose: never, immediately (one mail per act) or in a daily digest at a set
hour of their own time zone. Mails are in the member's language and say only what
kind of act, who acted, when, and where to see it: never the content.

Progress is a cursor per member (``MailPreference.last_seq``), moved after each mail is
handed to the mail backend: a worker killed between the two sends that one mail again
on its next pass (at least once), and nothing is ever skipped. The secretariat, which
sees that every act exists, is mailed about every act, content aside like everyone.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from concord import clock
from concord.delivery.audience import acts_for_party
from concord.delivery.models import MailMode, MailPreference
from concord.delivery.webhooks import act_url
from concord.parties.models import Role, User
from concord.record.models import Act, ActType

log = logging.getLogger(__name__)

# A digest (or a burst sent as one mail) lists at most this many acts, the latest,
# and counts the earlier ones.
DIGEST_LIST_MAX = 100
# How long a worker holds a member while mailing; a dead worker's hold runs out.
CLAIM_SECONDS = 600


def mail_mode_default(user: User) -> str:
    """Heads of delegation and contact points, who must act on what arrives, are
    mailed at once; everyone else (delegates, officers, observers, the secretariat)
    gets a daily digest, so that a busy treaty does not bury them in mail."""
    if user.has_role(Role.HEAD, Role.CONTACT_POINT):
        return MailMode.IMMEDIATE
    return MailMode.DAILY


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def digest_due_after(zone: str, after: datetime) -> datetime:
    """The first digest hour (CONCORD_MAIL_DIGEST_HOUR in ``zone``) after ``after``."""
    tz = _zone(zone)
    local = after.astimezone(tz)
    hour = time(hour=settings.CONCORD_MAIL_DIGEST_HOUR)
    due = datetime.combine(local.date(), hour, tzinfo=tz)
    if due <= local:
        due = datetime.combine(local.date() + timedelta(days=1), hour, tzinfo=tz)
    return due.astimezone(after.tzinfo)


def _local_time(at: datetime, zone: str) -> str:
    local = at.astimezone(_zone(zone))
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def _actor_name(act: Act, language: str) -> str:
    if act.actor is None:
        return _("the depositary")
    return act.actor.display_name(language)


def _footer() -> str:
    account = settings.CONCORD_BASE_URL + reverse("web:account")
    return _(
        "You receive this mail as a member of your delegation. Choose how often (never, "
        "immediately or daily) on your account page: %(url)s"
    ) % {"url": account}


def act_mail(user: User, act: Act) -> tuple[str, str]:
    """Subject and body of the mail about one act, in the active language."""
    actor = _actor_name(act, user.language)
    when = _local_time(act.time, user.time_zone)
    subject = _("Concord: %(type)s by %(actor)s, %(time)s") % {
        "type": act.type_label,
        "actor": actor,
        "time": when,
    }
    lines = [
        _("%(type)s (act %(seq)s)") % {"type": act.type_label, "seq": act.seq},
        _("By: %(actor)s") % {"actor": actor},
        _("Time: %(time)s") % {"time": when},
        "",
        act_url(act.seq),
    ]
    if act.restricted:
        lines += [
            "",
            _(
                "This act is restricted to the parties it is for; its page shows what you "
                "may see of it."
            ),
        ]
    return subject, "\n".join([*lines, "", "-- ", _footer()])


def summary_mail(user: User, acts: Sequence[Act], total: int, *, digest: bool) -> tuple[str, str]:
    """Subject and body of a mail that lists several acts: the daily digest, or a
    burst of acts too large to mail one by one. ``acts`` are the latest of ``total``,
    oldest first."""
    today = _local_time(clock.now(), user.time_zone)[:10]
    if digest:
        subject = _("Concord: daily digest of %(date)s, %(count)s acts") % {
            "date": today,
            "count": total,
        }
    else:
        subject = _("Concord: %(count)s new acts concern your party") % {"count": total}
    lines = [
        _("%(count)s acts concern your party:") % {"count": total}
        if user.party_id
        else _("%(count)s acts were entered in the record:") % {"count": total},
        "",
    ]
    if total > len(acts):
        lines += [
            _("%(count)s earlier acts are not listed; see them all in the record: %(url)s")
            % {
                "count": total - len(acts),
                "url": settings.CONCORD_BASE_URL + reverse("record:acts"),
            },
            "",
        ]
    for act in acts:
        lines.append(
            f"{_local_time(act.time, user.time_zone)} · {act.type_label} · "
            f"{_actor_name(act, user.language)}\n    {act_url(act.seq)}"
        )
    return subject, "\n".join([*lines, "", "-- ", _footer()])


# --- the worker's pass ----------------------------------------------------------------


def _start_seq(user: User) -> int:
    """Where a member's cursor starts: at the act that added them to a delegation, so
    that they hear of everything since, however late the worker first sees them."""
    added = (
        Act.objects.filter(type=ActType.USER_ADDED, content__user=user.username)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    if added is not None:
        return added
    last = Act.objects.aggregate(last=Max("seq"))["last"]
    return -1 if last is None else int(last)


def _preferences_create() -> None:
    now = clock.now()
    for user in User.objects.filter(is_active=True, mail_preference__isnull=True):
        mode = mail_mode_default(user)
        MailPreference.objects.get_or_create(
            user=user,
            defaults={
                "mode": mode,
                "last_seq": _start_seq(user),
                "digest_due_at": digest_due_after(user.time_zone, now)
                if mode == MailMode.DAILY
                else None,
                "updated_at": now,
            },
        )


def mail_history_pass_over() -> int:
    """Start every member's cursor at the latest act: history loaded in bulk (a demo, an
    import) is not news to anyone. Returns the number of members."""
    _preferences_create()
    last = Act.objects.aggregate(last=Max("seq"))["last"]
    if last is None:
        return 0
    return MailPreference.objects.filter(last_seq__lt=last).update(last_seq=last)


def _claim(pk: int) -> bool:
    """Take a member for this worker: one UPDATE, so only one worker wins it."""
    now = clock.now()
    return bool(
        MailPreference.objects.filter(pk=pk)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )


def _latest(acts: QuerySet[Act]) -> list[Act]:
    """The latest DIGEST_LIST_MAX acts, oldest first."""
    return list(acts.order_by("-seq")[:DIGEST_LIST_MAX])[::-1]


def _send(user: User, subject: str, body: str, connection: BaseEmailBackend) -> None:
    send_mail(subject, body, None, [user.email], connection=connection)


def _mail_immediate(preference: MailPreference, connection: BaseEmailBackend) -> int:
    user = preference.user
    pending = acts_for_party(user.party_id, after=preference.last_seq).select_related("actor")
    limit = settings.CONCORD_MAIL_IMMEDIATE_MAX
    batch = list(pending[: limit + 1])
    if not batch:
        return 0
    cursor = MailPreference.objects.filter(pk=preference.pk)
    if len(batch) > limit:
        last = pending.order_by("-seq").values_list("seq", flat=True).first()
        others = pending.filter(seq__lte=last).exclude(agent=user)
        total = others.count()
        if total:
            with translation.override(user.language):
                listed = _latest(others)
                _send(user, *summary_mail(user, listed, total, digest=False), connection)
        cursor.update(last_seq=last)
        return 1 if total else 0
    sent = 0
    for act in batch:
        # A member is not mailed about what they did themselves.
        if act.agent_id != user.pk:
            with translation.override(user.language):
                _send(user, *act_mail(user, act), connection)
            sent += 1
        cursor.update(last_seq=act.seq)
    return sent


def _mail_digest(preference: MailPreference, connection: BaseEmailBackend) -> int:
    user = preference.user
    last = Act.objects.aggregate(last=Max("seq"))["last"]
    last = preference.last_seq if last is None else int(last)
    acts = (
        acts_for_party(user.party_id, after=preference.last_seq)
        .filter(seq__lte=last)
        .exclude(agent=user)
        .select_related("actor")
    )
    total = acts.count()
    if total:
        with translation.override(user.language):
            listed = _latest(acts)
            _send(user, *summary_mail(user, listed, total, digest=True), connection)
    MailPreference.objects.filter(pk=preference.pk).update(
        last_seq=last, digest_due_at=digest_due_after(user.time_zone, clock.now())
    )
    return 1 if total else 0


def mail_due() -> int:
    """Send the mails that are due: immediate ones for acts after each member's
    cursor, and the digests whose hour has come. Returns how many mails were sent."""
    _preferences_create()
    last = Act.objects.aggregate(last=Max("seq"))["last"]
    if last is None:
        return 0
    now = clock.now()
    reachable = Q(user__is_active=True) & ~Q(user__email="")
    # Members who want no mail, or cannot get any, pass over what happened.
    MailPreference.objects.filter(last_seq__lt=last).filter(
        Q(mode=MailMode.NONE) | Q(user__is_active=False) | Q(user__email="")
    ).update(last_seq=last)
    due = list(
        MailPreference.objects.filter(reachable)
        .filter(
            Q(mode=MailMode.IMMEDIATE, last_seq__lt=last)
            | Q(mode=MailMode.DAILY, digest_due_at__lte=now)
        )
        .values_list("pk", flat=True)
    )
    sent = 0
    if not due:
        return 0
    connection = get_connection()
    try:
        for pk in due:
            if not _claim(pk):
                continue  # another worker is mailing this member
            preference = MailPreference.objects.select_related("user").get(pk=pk)
            try:
                if preference.mode == MailMode.IMMEDIATE:
                    sent += _mail_immediate(preference, connection)
                elif preference.mode == MailMode.DAILY:
                    sent += _mail_digest(preference, connection)
            except (OSError, smtplib.SMTPException):
                # The mail server is away: the cursor stays, the next pass tries again.
                log.warning("mail to %s failed", preference.user.username, exc_info=True)
            finally:
                MailPreference.objects.filter(pk=pk).update(claimed_until=None)
    finally:
        connection.close()
    return sent
