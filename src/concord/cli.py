"""The ``concord`` command: Concord's own subcommands, each a Django management command.

Any other Django management command (``migrate``, ``createsuperuser`` ...) passes
through as well, so operators need only one tool.
"""

from __future__ import annotations

import os
import sys

COMMANDS = [
    ("demo", "prepare the demonstration hub and serve it"),
    ("serve", "serve the hub over HTTP (uvicorn)"),
    ("worker", "carry out what falls due (withdrawals, reminders, ...)"),
    ("charter", "check or load a charter file: charter check FILE | charter load FILE"),
    ("party", "list parties: party list"),
    ("user", "add a member: user create USERNAME --party CODE --role ROLE"),
    ("token", "print a new API token: token create USERNAME"),
    ("notify", "submit a notification: notify submit FILE.json --as USERNAME"),
    ("record", "verify, export, vkey, checkpoint: the treaty record"),
    ("exchange", "compare-names: name matching across scripts"),
    ("mirror", "keep your party's verified copy of a hub's record and cosign it"),
    ("migrate", "bring the database schema up to date"),
]


def usage() -> str:
    lines = [
        "usage: concord COMMAND [ARGS]",
        "",
        "Concord: the software that runs a collective security treaty.",
        "",
        "commands:",
    ]
    lines += [f"  {name:<10} {summary}" for name, summary in COMMANDS]
    lines += [
        "",
        "Run `concord COMMAND --help` for a command's options. Other Django management",
        "commands are available too. The database is the demo's (var/concord.sqlite3)",
        "unless DATABASE_URL says otherwise.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return 0
    if args[0] == "demo":
        os.environ.setdefault("CONCORD_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "concord.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["concord", *args])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
