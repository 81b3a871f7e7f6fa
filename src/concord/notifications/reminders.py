"""Reminders of notification deadlines, sent by e-mail to the members of a delegation
who may submit, once per deadline (the Reminder row makes a second pass a no-op)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from concord import clock
from concord.charters.models import Charter
from concord.notifications.models import Reminder
from concord.notifications.selectors import Deadline, deadlines_for
from concord.parties.models import Party, Role, User
from concord.parties.services import charter_roles


def reminders_due() -> int:
    """Send every reminder that has come due; returns how many were sent."""
    sent = 0
    now = clock.now()
    charters = {c.code: c for c in Charter.objects.filter(current__isnull=False)}
    horizon = settings.CONCORD_REMINDER_DAYS
    for party in Party.objects.filter(participations__status="party").distinct():
        # The same deadlines, in the same order, named in each member's language.
        named: dict[str, list[Deadline]] = {}
        for index, deadline in enumerate(deadlines_for(party, horizon_days=horizon)):
            if deadline.due_at < now:
                continue
            charter = charters[deadline.charter]
            try:
                with transaction.atomic():
                    reminder = Reminder.objects.create(
                        party=party,
                        charter=charter,
                        form=deadline.form,
                        due_at=deadline.due_at,
                        sent_at=now,
                    )
            except IntegrityError:
                continue  # already reminded, by this worker or another
            roles = charter_roles(charter, "notify", (Role.HEAD, Role.DELEGATE))
            members = User.objects.filter(party=party, is_active=True).exclude(email="")
            count = 0
            for member in members:
                if not any(member.has_role(r) for r in roles):
                    continue
                language = (member.language or settings.LANGUAGE_CODE)[:2]
                if language not in named:
                    named[language] = deadlines_for(party, horizon_days=horizon, language=language)
                shown = named[language][index]
                with translation.override(member.language):
                    send_mail(
                        _("Concord: %(form)s due %(due)s")
                        % {"form": shown.title, "due": f"{deadline.due_at:%Y-%m-%d %H:%M} UTC"},
                        _(
                            "Your party's %(form)s (%(subject)s) under %(charter)s is due on "
                            "%(due)s. Submit it from the Notifications page of Concord."
                        )
                        % {
                            "form": shown.title,
                            "subject": shown.subject,
                            "charter": deadline.charter,
                            "due": f"{deadline.due_at:%Y-%m-%d %H:%M} UTC",
                        },
                        None,
                        [member.email],
                    )
                count += 1
            Reminder.objects.filter(pk=reminder.pk).update(recipients=count)
            sent += 1
    return sent
