"""SIGKILL of a real server during a burst of concurrent appends leaves no gap and
loses no act whose request was answered."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

CONCORD = [sys.executable, "-m", "concord.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(args: list[str], env: dict[str, str], stdin: str = "") -> str:
    result = subprocess.run(
        [*CONCORD, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def post_token(base: str, token: str, name: str) -> str | None:
    request = urllib.request.Request(
        f"{base}/api/v1/tokens",
        data=json.dumps({"name": name}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(json.loads(response.read())["prefix"])
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def test_sigkill_during_a_burst_loses_no_committed_act(tmp_path: Path):
    env = {
        **os.environ,
        "CONCORD_HOME": str(tmp_path),
        "DATABASE_URL": "",
        "CONCORD_SECRET_KEY": "crash-test",
        "CONCORD_CHECKPOINT_INTERVAL": "0",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    run(["migrate"], env)
    run(
        ["user", "create", "sec", "--role", "secretariat", "--password-stdin"],
        env,
        "a long enough passphrase\n",
    )
    token = run(["token", "create", "sec"], env).strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [*CONCORD, "serve", "--port", str(port), "--no-migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if post_token(base, token, "warm-up"):
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the server did not start")
        answered: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()

        def burst(worker: int) -> None:
            i = 0
            while not stop.is_set():
                prefix = post_token(base, token, f"burst-{worker}-{i}")
                if prefix is None:
                    return
                with lock:
                    answered.append(prefix)
                i += 1

        threads = [threading.Thread(target=burst, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        while len(answered) < 60 and time.monotonic() < deadline + 30:
            time.sleep(0.02)
        os.kill(server.pid, signal.SIGKILL)
        stop.set()
        for t in threads:
            t.join(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=10)

    assert len(answered) >= 60
    db = sqlite3.connect(tmp_path / "var" / "concord.sqlite3")
    seqs = [row[0] for row in db.execute("SELECT seq FROM record_act ORDER BY seq")]
    assert seqs == list(range(len(seqs))), "the record has a gap"
    (size,) = db.execute("SELECT size FROM record_recordhead WHERE id = 1").fetchone()
    assert size == len(seqs)
    recorded = {
        json.loads(content)["token"]
        for (content,) in db.execute("SELECT content FROM record_act WHERE type = 'token.created'")
    }
    missing = set(answered) - recorded
    assert not missing, f"answered but not in the record: {sorted(missing)[:5]}"
    db.close()
    verdict = run(["record", "verify", "--workers", "1"], env)
    assert verdict.startswith("OK:")
