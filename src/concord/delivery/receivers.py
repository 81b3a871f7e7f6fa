"""Receivers of webhooks: which URLs may receive (https, public addresses, checked
again at each connection against every address a name resolves to) and posting a body
to them with short time limits, one kept-alive connection per receiver, no redirects
followed and no more of the answer kept than a short prefix."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_noop

# A receiver's answer is read up to this size (so the connection can be reused) and
# only its first characters are kept for the log.
RESPONSE_READ_MAX = 64 * 1024
RESPONSE_KEEP = 200
ERROR_KEEP = 300

ERR_URL_SCHEME = gettext_noop("The URL must start with https://.")
ERR_URL_HTTP_LOCAL = gettext_noop(
    "The URL must start with https:// (http:// is allowed for 127.0.0.1 and localhost only)."
)
ERR_URL_FORM = gettext_noop("The URL must name a host, without a user name or password.")
ERR_URL_LENGTH = gettext_noop("The URL is longer than 500 characters.")
ERR_URL_ADDRESS = gettext_noop(
    "The URL points to a local or private network address, which this hub does not post to."
)
ERR_REDIRECT = "redirect to {location} not followed"


class ReceiverRefused(Exception):
    """The receiver's address is one this hub does not post to."""


# --- who may receive ---------------------------------------------------------------

_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def _address_allowed(address: str, *, host_is_loopback: bool) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return host_is_loopback and bool(settings.CONCORD_WEBHOOK_ALLOW_HTTP)
    # Never: "this host" (0.0.0.0 reaches local services), link-local (cloud metadata).
    if ip.is_unspecified or ip.is_link_local or ip.is_multicast or ip.is_reserved:
        return False
    if ip.is_global:
        return True
    return bool(settings.CONCORD_WEBHOOK_ALLOW_PRIVATE) and ip.is_private


def url_problem(url: str) -> str | None:
    """Why ``url`` may not receive webhooks (an ERR_ constant), or None.

    https only; http:// only for 127.0.0.1 and localhost and only where the operator
    allows it (development). A literal address must be public unless allowed; host
    names are checked again when connecting, against every address they resolve to."""
    if len(url) > 500:
        return ERR_URL_LENGTH
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ERR_URL_FORM
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"https", "http"}:
        return ERR_URL_SCHEME
    if not host or parts.username is not None or parts.password is not None:
        return ERR_URL_FORM
    if port == 0:
        return ERR_URL_FORM
    loopback = host in _LOOPBACK_NAMES
    if parts.scheme == "http" and not (loopback and settings.CONCORD_WEBHOOK_ALLOW_HTTP):
        return ERR_URL_HTTP_LOCAL if settings.CONCORD_WEBHOOK_ALLOW_HTTP else ERR_URL_SCHEME
    if loopback and not settings.CONCORD_WEBHOOK_ALLOW_HTTP:
        return ERR_URL_ADDRESS
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return None  # a name: checked when connecting
    return None if _address_allowed(host, host_is_loopback=loopback) else ERR_URL_ADDRESS


def _resolve(host: str, port: int) -> str:
    """An address of ``host`` that may receive; refuses a name that resolves to any
    address that may not (so a name cannot be pointed at the hub's own network)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    loopback = host.lower() in _LOOPBACK_NAMES
    if not addresses or not all(_address_allowed(a, host_is_loopback=loopback) for a in addresses):
        raise ReceiverRefused(f"{host} resolves to an address this hub does not post to")
    return addresses[0]


# --- posting -----------------------------------------------------------------------


@dataclass
class Outcome:
    """What one POST came to."""

    status: int | None
    error: str = ""
    response_prefix: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """Connects only to an address the receiver rules allow."""

    def connect(self) -> None:
        address = _resolve(self.host, self.port)
        self.sock = socket.create_connection((address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to an allowed address, verifying the certificate for the URL's host name."""

    def __init__(self, host: str, port: int | None, *, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)

    def connect(self) -> None:
        address = _resolve(self.host, self.port)
        raw = socket.create_connection((address, self.port), self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


class Poster:
    """Posts bodies to receivers, keeping one connection open per receiver. Redirects
    are never followed: a 3xx answer is a failed delivery that names where it pointed."""

    def __init__(self, *, timeout: float | None = None) -> None:
        self.timeout = float(timeout if timeout is not None else settings.CONCORD_WEBHOOK_TIMEOUT)
        self._connections: dict[tuple[str, str, int], http.client.HTTPConnection] = {}

    def _connection(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        key = (scheme, host, port)
        conn = self._connections.get(key)
        if conn is None:
            if scheme == "https":
                conn = _CheckedHTTPSConnection(host, port, timeout=self.timeout)
            else:
                conn = _CheckedHTTPConnection(host, port, timeout=self.timeout)
            self._connections[key] = conn
        return conn

    def _drop(self, key: tuple[str, str, int]) -> None:
        conn = self._connections.pop(key, None)
        if conn is not None:
            conn.close()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
        port = parts.port or (443 if scheme == "https" else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = (scheme, host, port)
        started = time.perf_counter()
        for retry_on_stale in (True, False):
            conn = self._connection(scheme, host, port)
            reused = conn.sock is not None
            try:
                conn.request("POST", target, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read(RESPONSE_READ_MAX + 1)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self._drop(key)
                # A kept-alive connection the receiver has since closed: try once afresh.
                if reused and retry_on_stale:
                    continue
                return self._failed(exc, started)
            except (OSError, http.client.HTTPException, ReceiverRefused) as exc:
                self._drop(key)
                return self._failed(exc, started)
            # Reuse the connection only once the whole answer has been read.
            if len(data) > RESPONSE_READ_MAX or not response.isclosed() or response.will_close:
                self._drop(key)
            error = ""
            if 300 <= response.status < 400:
                location = (response.getheader("Location") or "?")[:200]
                error = ERR_REDIRECT.format(location=location)
            elif not 200 <= response.status < 300:
                error = f"HTTP {response.status}"
            return Outcome(
                status=response.status,
                error=error,
                response_prefix=data[:RESPONSE_KEEP].decode("utf-8", "replace"),
                duration_ms=int((time.perf_counter() - started) * 1000),
            )
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _failed(exc: BaseException, started: float) -> Outcome:
        kind = "timed out" if isinstance(exc, TimeoutError | socket.timeout) else type(exc).__name__
        message = f"{kind}: {exc}" if str(exc) and kind != str(exc) else kind
        return Outcome(
            status=None,
            error=message[:ERROR_KEEP],
            duration_ms=int((time.perf_counter() - started) * 1000),
        )

    def close(self) -> None:
        for key in list(self._connections):
            self._drop(key)
