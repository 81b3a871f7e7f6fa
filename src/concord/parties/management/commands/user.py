"""concord user create USERNAME --party CODE --role ROLE [--role ROLE ...]"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.parties.models import Party, Role
from concord.parties.services import ServiceError, user_create


class Command(BaseCommand):
    help = "Add a member to a party's delegation or to the secretariat."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="add a member (an act of the depositary)")
        create.add_argument("username")
        create.add_argument("--party", default="", help="party code; omit for the secretariat")
        create.add_argument(
            "--role", action="append", default=[], choices=Role.values, dest="roles"
        )
        create.add_argument("--email", default="")
        create.add_argument("--name", default="", help="full name")
        create.add_argument("--language", default="en")
        create.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        party = None
        if options["party"]:
            party = Party.objects.filter(code=options["party"].lower()).first()
            if party is None:
                raise CommandError(f"party: no party with code {options['party']!r}")
        roles = options["roles"] or ([Role.SECRETARIAT] if party is None else [Role.DELEGATE])
        password = self.stdin_line() if options["password_stdin"] else getpass.getpass("Password: ")
        try:
            user = user_create(
                agent=None,
                username=options["username"],
                party=party,
                roles=[str(r) for r in roles],
                password=password,
                email=options["email"],
                full_name=options["name"],
                language=options["language"],
            )
        except ServiceError as exc:
            raise CommandError(f"{exc.field}: {exc.message}") from None
        self.stdout.write(f"created {user.username} ({', '.join(user.roles)})")

    def stdin_line(self) -> str:
        import sys

        return sys.stdin.readline().rstrip("\n")
