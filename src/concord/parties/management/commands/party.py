"""concord party list"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from concord.parties.models import Party


class Command(BaseCommand):
    help = "List the parties and their status under each charter."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        lst = sub.add_parser("list", help="list parties")
        lst.add_argument("--charter", default="", help="only parties taking part in this charter")

    def handle(self, *args: Any, **options: Any) -> None:
        parties = Party.objects.prefetch_related("participations__charter").order_by("code")
        if options["charter"]:
            parties = parties.filter(participations__charter__code=options["charter"])
        for party in parties:
            statuses = ", ".join(
                f"{p.charter.code}:{p.effective_status()}" for p in party.participations.all()
            )
            self.stdout.write(f"{party.code:<8} {party.kind:<13} {party.name:<40} {statuses}")
