"""concord token create USERNAME [--name NAME]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.parties.models import User
from concord.parties.services import ServiceError, token_create


class Command(BaseCommand):
    help = "Create an API token for a member and print it (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="print a new API token for USERNAME")
        create.add_argument("username")
        create.add_argument("--name", default="command line")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"username: no member {options['username']!r}")
        try:
            _token, raw = token_create(agent=user, user=user, name=options["name"])
        except ServiceError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from None
        self.stdout.write(raw)
