"""concord charter check FILE | concord charter load FILE"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.charters import loader
from concord.charters.services import charter_load


class Command(BaseCommand):
    help = "Check a charter file, or load it as a new version."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="validate a charter file and report every problem")
        check.add_argument("file")
        load = sub.add_parser("load", help="validate and load a charter file (an act)")
        load.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            doc = loader.load_file(options["file"])
        except loader.CharterInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{options['file']}: refused, {len(exc.problems)} problem(s)"
            ) from None
        label = f"{doc['id']}@{doc['version']}"
        if options["action"] == "check":
            self.stdout.write(f"{options['file']}: {label} is valid")
            return
        try:
            version, created = charter_load(document=doc)
        except loader.CharterInvalid as exc:
            raise CommandError(str(exc)) from None
        if created:
            self.stdout.write(f"loaded {version.label}")
        else:
            self.stdout.write(f"{version.label} is already loaded with the same content")
