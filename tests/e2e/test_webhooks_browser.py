"""A head of delegation registers a webhook, copies its secret (shown once), sends a
test event and sees it in the delivery log; the receiver gets a request signed with
that secret."""

from __future__ import annotations

import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_register_copy_the_secret_and_send_a_test_event(sign_in, page, fr, settings):  # type: ignore[no-untyped-def]
    settings.CONCORD_WEBHOOK_ALLOW_HTTP = True
    settings.CONCORD_WEBHOOK_ALLOW_PRIVATE = True
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/concord"
        sign_in(page, "fr-head")
        page.goto("/webhooks/")
        page.fill("input[name=url]", url)
        page.get_by_role("button", name="Register").click()
        secret = page.locator("#new-secret").inner_text().strip()
        assert len(secret) >= 32
        assert page.locator("#webhooks").get_by_text(url).is_visible()
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "webhooks.png"), full_page=True)
        page.get_by_role("link", name="Send a test event").click()
        page.get_by_role("button", name="Send a test event").click()
        page.wait_for_load_state()
        assert Receiver.received, "the receiver got nothing"
        headers, body = Receiver.received[-1]
        stamp = headers["Concord-Timestamp"]
        expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        assert headers["Concord-Signature"] == f"v1={expected.hexdigest()}"
        page.reload()
        assert "204" in page.locator("main").inner_text()
        page.screenshot(path=str(SHOTS / "webhook-log.png"), full_page=True)
        # The secret is not shown again.
        page.goto("/webhooks/")
        assert secret not in page.content()
    finally:
        server.shutdown()
        server.server_close()
