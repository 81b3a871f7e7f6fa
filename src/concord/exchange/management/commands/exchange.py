"""concord exchange compare-names"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.exchange.names import MATCH_THRESHOLD, name_compare, name_normalise

ERR_BAD_DATE = "{option}: not a date in the form YYYY-MM-DD: {value!r}"
ERR_BAD_THRESHOLD = "--threshold: must be a number between 0 and 1: {value!r}"


def _date_option(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(ERR_BAD_DATE.format(option=option, value=value)) from None


class Command(BaseCommand):
    help = "Tools of the law-enforcement exchange."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        compare = sub.add_parser(
            "compare-names",
            help="whether two names (any script) designate the same person",
        )
        compare.add_argument("name_a", metavar="NAME_A")
        compare.add_argument("name_b", metavar="NAME_B")
        compare.add_argument("--birth-a", help="date of birth of NAME_A (YYYY-MM-DD)")
        compare.add_argument("--birth-b", help="date of birth of NAME_B (YYYY-MM-DD)")
        compare.add_argument(
            "--threshold",
            help=f"score from which the verdict is 'match' (default {MATCH_THRESHOLD})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "compare-names":
            self.compare_names(options)

    def compare_names(self, options: dict[str, Any]) -> None:
        birth_a = _date_option(options["birth_a"], "--birth-a")
        birth_b = _date_option(options["birth_b"], "--birth-b")
        threshold = None
        if options["threshold"] is not None:
            try:
                threshold = float(options["threshold"])
            except ValueError:
                threshold = -1.0
            if not 0.0 <= threshold <= 1.0:
                raise CommandError(ERR_BAD_THRESHOLD.format(value=options["threshold"]))
        result = name_compare(
            options["name_a"],
            options["name_b"],
            birth_a=birth_a,
            birth_b=birth_b,
            threshold=threshold,
        )
        self.stdout.write(f"A folded:  {' '.join(name_normalise(options['name_a']))}")
        self.stdout.write(f"B folded:  {' '.join(name_normalise(options['name_b']))}")
        self.stdout.write(f"score:     {result.score:.3f}")
        self.stdout.write(f"verdict:   {result.verdict}")
        self.stdout.write(f"reason:    {result.reason}")
