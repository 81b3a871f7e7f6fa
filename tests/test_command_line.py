"""The `concord` command: every subcommand answers --help, and the working ones work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CONCORD = [sys.executable, "-m", "concord.cli"]


def run(args: list[str], home: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONCORD_HOME": str(home), "DATABASE_URL": "", "CONCORD_DEMO": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [*CONCORD, *args], capture_output=True, text=True, env=env, input=stdin, timeout=120
    )


def test_help_lists_the_commands(tmp_path):
    out = run(["--help"], tmp_path).stdout
    for name in ("demo", "serve", "worker", "charter", "party", "user", "token"):
        assert f"  {name}" in out


@pytest.mark.parametrize(
    "args",
    [
        ["demo", "--help"],
        ["serve", "--help"],
        ["worker", "--help"],
        ["charter", "check", "--help"],
        ["charter", "load", "--help"],
        ["party", "list", "--help"],
        ["user", "create", "--help"],
        ["token", "create", "--help"],
    ],
)
def test_each_subcommand_has_help(tmp_path, args):
    result = run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_charter_check_reports_every_problem_with_file_and_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: '1'\ntitle: T\nlanguages: [en]\nbogus: 1\n")
    result = run(["charter", "check", str(bad)], tmp_path)
    assert result.returncode != 0
    assert f"{bad}: (top):" in result.stderr
    assert "refused" in result.stderr


def test_a_working_session_from_the_command_line(tmp_path):
    from concord.charters.loader import BUILTIN_DIR

    est = str(BUILTIN_DIR / "est-2009.yaml")
    assert run(["migrate"], tmp_path).returncode == 0
    assert "is valid" in run(["charter", "check", est], tmp_path).stdout
    assert "loaded est-2009@" in run(["charter", "load", est], tmp_path).stdout
    assert "already loaded" in run(["charter", "load", est], tmp_path).stdout
    created = run(
        ["user", "create", "sec1", "--role", "secretariat", "--password-stdin"],
        tmp_path,
        stdin="a long enough passphrase\n",
    )
    assert created.returncode == 0, created.stderr
    refused = run(["user", "create", "sec2", "--password-stdin"], tmp_path, stdin="short\n")
    assert refused.returncode != 0
    assert "password" in refused.stderr
    token = run(["token", "create", "sec1"], tmp_path).stdout.strip()
    assert token.startswith("cnc_")
    assert run(["token", "create", "nobody"], tmp_path).returncode != 0
    assert run(["party", "list"], tmp_path).returncode == 0
    assert run(["worker", "--once"], tmp_path).returncode == 0
