"""concord notify submit FILE.json --as USERNAME"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.charters.models import Charter
from concord.notifications import services
from concord.parties.models import User
from concord.parties.services import ServiceError


class Command(BaseCommand):
    help = "Submit a notification from a JSON file on behalf of a member."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        submit = sub.add_parser(
            "submit", help='submit FILE.json: {"charter": ..., "form": ..., "data": {...}}'
        )
        submit.add_argument("file")
        submit.add_argument("--as", dest="username", required=True, help="the submitting member")
        submit.add_argument("--draft", action="store_true", help="save as a draft only")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            if path.stat().st_size > services.MAX_DATA_BYTES + 4096:
                raise CommandError(f"{path}: larger than 1 MB")
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"{path}: cannot read: {exc.strerror}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: not valid JSON: {exc}") from None
        if not isinstance(doc, dict) or not {"charter", "form", "data"} <= doc.keys():
            raise CommandError(f'{path}: expected {{"charter": ..., "form": ..., "data": {{...}}}}')
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"--as: no active member {options['username']!r}")
        charter = Charter.objects.filter(code=str(doc["charter"]), current__isnull=False).first()
        if charter is None:
            raise CommandError(f"charter: no charter {doc['charter']!r}")
        try:
            if options["draft"]:
                draft = services.draft_save(
                    agent=user, charter=charter, form=str(doc["form"]), data=doc["data"]
                )
                self.stdout.write(f"saved draft {draft.pk}")
                return
            n = services.notification_submit(
                agent=user,
                charter=charter,
                form=str(doc["form"]),
                data=doc["data"],
                language=user.language,
            )
        except services.NotificationInvalid as exc:
            for p in exc.problems:
                self.stderr.write(f"{p.path or 'data'}: {p.label}: {p.message}")
            raise CommandError(
                f"{path}: refused, {len(exc.problems)} problem(s); nothing stored"
            ) from None
        except ServiceError as exc:
            raise CommandError(f"{exc.field or 'data'}: {exc.message}") from None
        self.stdout.write(f"submitted {n.number}, delivered to {n.receipts.count()} parties")
