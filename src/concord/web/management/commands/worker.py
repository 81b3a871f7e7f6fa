"""concord worker [--once] [--interval SECONDS]"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from concord.web.worker import worker_pass


class Command(BaseCommand):
    help = "Carry out what falls due: withdrawals whose notice ran out, and later deadlines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run one pass and exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            done = worker_pass()
            if done or options["verbosity"] > 1:
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in done.items()) or "idle")
            if options["once"]:
                return
            time.sleep(options["interval"])
