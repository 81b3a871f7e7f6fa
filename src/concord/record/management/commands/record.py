"""concord record verify|export|vkey|checkpoint"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.record import checkpoints, client, verify


class Command(BaseCommand):
    help = "Verify, export and sign the treaty record."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        v = sub.add_parser(
            "verify",
            help="verify the local record, a remote hub (--url) or an export FILE",
        )
        v.add_argument("file", nargs="?", help="an export written by `concord record export`")
        v.add_argument("--url", help="a hub to verify through its read API")
        v.add_argument("--token", default="", help="API token for --url")
        v.add_argument("--vkey", help="the depositary's verifier key (note format)")
        v.add_argument(
            "--state",
            help="file keeping the last checkpoint accepted from --url, to catch rollbacks",
        )
        v.add_argument("--workers", type=int, default=None, help="processes for signatures")
        e = sub.add_parser("export", help="write a self-contained export of the record")
        e.add_argument("file")
        sub.add_parser("vkey", help="print the verifier key of the checkpoints")
        sub.add_parser("checkpoint", help="sign a checkpoint of the record now and print it")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "vkey":
            self.stdout.write(checkpoints.depositary_vkey())
        elif action == "checkpoint":
            cp = checkpoints.checkpoint_publish(force=True)
            self.stdout.write(cp.note if cp else "the record is empty\n", ending="")
        elif action == "export":
            self.export(Path(options["file"]))
        else:
            self.verify(options)

    def export(self, path: Path) -> None:
        cp = checkpoints.checkpoint_publish(force=True)
        if cp is None:
            raise CommandError("the record is empty")
        note = cp.note
        count = client.export_write(
            path,
            iter(verify.local_items(upto=cp.size)),
            note=note,
            vkey=verify._vkey_for_note(note),
        )
        self.stdout.write(f"wrote {count} entries and the checkpoint of {cp.size} to {path}")

    def _progress(self) -> Any:
        start = time.monotonic()
        tty = sys.stderr.isatty()

        def show(n: int) -> None:
            rate = n / max(time.monotonic() - start, 1e-9)
            line = f"  {n} entries checked ({rate:,.0f}/s)"
            self.stderr.write(("\r" + line) if tty else line, ending="" if tty else "\n")

        return show

    def verify(self, options: dict[str, Any]) -> None:
        progress = self._progress()
        try:
            if options["url"]:
                if not options["vkey"]:
                    raise CommandError("--vkey is required with --url (from `concord record vkey`)")
                hub = client.RecordClient(
                    options["url"],
                    options["token"],
                    vkey=options["vkey"],
                    state=Path(options["state"]) if options["state"] else None,
                )
                cp, note = hub.checkpoint()
                verdict = verify.verify_items(
                    hub.entries(cp.size),
                    note=note,
                    vkey=options["vkey"],
                    checkpoint_size=cp.size,
                    workers=options["workers"],
                    progress=progress,
                )
            elif options["file"]:
                header, items = client.export_read(Path(options["file"]))
                vkey = options["vkey"] or header["vkey"]
                if not options["vkey"]:
                    self.stderr.write(
                        "note: trusting the verifier key inside the file; pass --vkey"
                    )
                verdict = verify.verify_items(
                    items,
                    note=header["checkpoint"],
                    vkey=vkey,
                    workers=options["workers"],
                    progress=progress,
                )
            else:
                verdict = verify.verify_local(progress=progress, workers=options["workers"])
        except verify.VerificationFailed as exc:
            self.stderr.write("")
            raise CommandError(f"FAILED: {exc}") from None
        if sys.stderr.isatty():
            self.stderr.write("")
        self.stdout.write(verdict)
