"""concord demo [--reset] [--no-serve]"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from concord.charters.services import builtin_charters_load
from concord.web import demo


class Command(BaseCommand):
    help = "Prepare the demonstration hub (charters, parties, delegations, history) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="rebuild the demo from scratch")
        parser.add_argument("--no-serve", action="store_true", help="prepare only, do not serve")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            demo.database_reset()
        call_command("migrate", interactive=False, verbosity=0)
        password = demo.password()
        if demo.is_loaded():
            self.stdout.write("The demo is already prepared; keeping it (--reset rebuilds it).")
            for version, created in builtin_charters_load():
                if created:
                    self.stdout.write(f"  loaded the new version {version.label}")
        else:
            self.stdout.write("Preparing the demo: charters, parties, delegations, history ...")
            summary = demo.load(password=password)
            self.stdout.write(
                f"  {summary['parties']} parties, {summary['users']} accounts, "
                f"{summary['acts']} acts in the record"
            )
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(f"Concord demo: {url}")
        self.stdout.write("Sign in as any of these, all with the password below:")
        self.stdout.write("  secretariat            the treaty secretariat (depositary)")
        self.stdout.write(
            "  <code>-head            head of delegation, e.g. fr-head, ru-head, nato-head"
        )
        self.stdout.write("  <code>-delegate        delegate, e.g. de-delegate, csto-delegate")
        self.stdout.write("  <code>-contact         law-enforcement contact point, e.g. kz-contact")
        self.stdout.write(
            "  (<code>: lower-case ISO 3166 alpha-2 for states, the short id for organisations)"
        )
        self.stdout.write(f"Password: {password}")
        self.stdout.write(f"Database: {settings.DATABASES['default']['NAME']}")
        self.stdout.write("")
        if not options["no_serve"]:
            call_command("serve", port=options["port"], no_migrate=True)
