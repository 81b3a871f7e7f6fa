"""concord mirror URL --token T [--dir DIR] [--cosign-key FILE] [--once] ...

Runs a party's mirror of a hub's record (concord.delivery.mirror). Also:
``concord mirror --init-key FILE [--name NAME | URL --token T]`` makes a witness key,
and ``concord mirror --dir DIR --verify-copy`` checks a copy again from its files.

Exit status: 0 when done, 1 when the mirror cannot run or gave up on an absent hub,
2 on an alarm (the mirror then refuses to go on until ALARM.json is removed).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from concord.delivery import mirror, mirror_copy
from concord.record import cosign, verify

EXIT_ALARM = 2


class Command(BaseCommand):
    help = (
        "Follow a hub's record through its tlog-tiles API, check every checkpoint and "
        "entry, keep a full copy in a directory, and cosign checkpoints back to the hub."
    )
    # A mirror needs no database and none of the hub's configuration.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", nargs="?", help="the hub, e.g. https://hub.example.org")
        parser.add_argument(
            "--token",
            default=os.environ.get("CONCORD_MIRROR_TOKEN", ""),
            help="an API token of a member of your party (or CONCORD_MIRROR_TOKEN)",
        )
        parser.add_argument(
            "--dir",
            default=str(Path(settings.VAR_DIR) / "mirror"),
            help="the directory that holds the copy (default: var/mirror)",
        )
        parser.add_argument(
            "--vkey",
            help="the hub's verifier key (`concord record vkey`); pinned on first use",
        )
        parser.add_argument(
            "--repin", action="store_true", help="accept a --vkey other than the one pinned"
        )
        parser.add_argument(
            "--interval", type=float, default=60.0, help="seconds between rounds (default 60)"
        )
        parser.add_argument("--once", action="store_true", help="one round, then exit")
        parser.add_argument(
            "--retries",
            type=int,
            default=5,
            help="with --once, how often to try again while the hub is away (default 5)",
        )
        parser.add_argument(
            "--backoff",
            type=float,
            default=1.0,
            help="first wait in seconds before trying again; it doubles up to 300",
        )
        parser.add_argument("--cosign-key", help="your party's witness key file")
        parser.add_argument(
            "--name", help="the witness name (default: <record origin>/witness/<party>)"
        )
        parser.add_argument(
            "--replace-key",
            action="store_true",
            help="register this witness key in place of the one in force under its name",
        )
        parser.add_argument(
            "--init-key", metavar="FILE", help="create a witness key in FILE, print its vkey"
        )
        parser.add_argument(
            "--verify-copy", action="store_true", help="check the copy in --dir from its files"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"])
        if options["init_key"]:
            self.init_key(Path(options["init_key"]), options)
            return
        if options["verify_copy"]:
            try:
                self.stdout.write(mirror_copy.copy_verify(directory))
            except (verify.VerificationFailed, mirror_copy.MirrorError) as exc:
                raise CommandError(f"FAILED: {exc}") from None
            return
        if not options["url"]:
            raise CommandError("give the hub's URL (or --init-key FILE, or --verify-copy)")
        signer = self.signer(options)
        if signer is None:
            self.stderr.write(
                "note: no --cosign-key, so this mirror keeps a copy but cosigns nothing"
            )
        node = mirror.Mirror(
            directory,
            url=options["url"],
            token=options["token"],
            vkey=options["vkey"],
            repin=options["repin"],
            signer=signer,
            replace_key=options["replace_key"],
            backoff=(options["backoff"], 300.0),
            say=self.stdout.write,
            warn=self.stderr.write,
        )
        stop = threading.Event()
        if not options["once"] and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            node.run(
                once=options["once"],
                interval=options["interval"],
                retries=options["retries"],
                stop=stop,
            )
        except mirror.MirrorAlarm as alarm:
            self.stderr.write(mirror.alarm_text(alarm, directory))
            raise CommandError(
                f"ALARM ({alarm.kind}): {alarm.message}", returncode=EXIT_ALARM
            ) from None
        except mirror_copy.MirrorError as exc:
            raise CommandError(str(exc)) from None
        except KeyboardInterrupt:
            self.stdout.write("stopped")

    def signer(self, options: dict[str, Any]) -> cosign.WitnessSigner | None:
        if not options["cosign_key"]:
            return None
        try:
            signer = cosign.WitnessSigner.parse(Path(options["cosign_key"]).read_text())
        except (OSError, cosign.CosignatureError) as exc:
            raise CommandError(f"--cosign-key: {exc}") from None
        if options["name"] and options["name"] != signer.name:
            raise CommandError(
                f"--name {options['name']} is not the name in the key file ({signer.name})"
            )
        return signer

    def init_key(self, path: Path, options: dict[str, Any]) -> None:
        name = options["name"]
        try:
            if not name:
                if not options["url"]:
                    raise CommandError("give --name, or the hub's URL and --token to derive it")
                name = mirror.witness_name_default(options["url"], options["token"])
            signer = cosign.WitnessSigner.generate(name)
        except (mirror_copy.MirrorError, cosign.CosignatureError) as exc:
            raise CommandError(str(exc)) from None
        except mirror.client.HubUnreachable as exc:
            raise CommandError(str(exc)) from None
        try:
            # Readable by its owner only, and never over an existing key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(
                f"{path} exists already; a witness key is never overwritten"
            ) from None
        with os.fdopen(fd, "w") as f:
            f.write(signer.text())
        self.stderr.write(
            f"wrote the witness key {path}; keep it secret. The mirror registers its public "
            "half with the hub on its first run (a head of delegation's or verification "
            "officer's token)."
        )
        self.stdout.write(signer.key.vkey)
