"""concord serve [--host H] [--port P]"""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the hub over HTTP with uvicorn (pages, API, record)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument(
            "--no-migrate", action="store_true", help="do not apply pending migrations first"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Serving Concord at http://{options['host']}:{options['port']}/")
        uvicorn.run(
            "concord.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="warning",
            lifespan="off",
            # Live streams never end by themselves: give them a few seconds, then stop.
            timeout_graceful_shutdown=5,
        )
