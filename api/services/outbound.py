"""Requests to addresses a client chose: checked, pinned to what was checked, bounded.

A URL may be used only if it is ``https`` on a host whose every address is public,
unless an admin put its host on an allow-list. A request connects to exactly the
addresses that check resolved, so a name cannot resolve elsewhere in between (DNS
rebinding); it reads the receiver's status line and headers only, never its body,
and ends after its time in all, however slowly the receiver answers.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
from typing import NamedTuple
from urllib.parse import urlsplit

import requests

MAX_URL_CHARS = 2000


class Refused(Exception):
    """Nothing may (or can any longer) be sent to this URL."""


class Target(NamedTuple):
    """A checked callback URL: where to connect, and what to name in Host and TLS."""

    https: bool
    host: str
    port: int
    path: str
    addresses: list[str] | None
    """The checked addresses to connect to; None for an allow-listed host (any address)."""


def checked_target(url: str, allowed: set[str]) -> Target:
    """``url`` resolved and checked; ``Refused`` saying why nothing may be sent there."""
    if len(url) > MAX_URL_CHARS:
        raise Refused(f"callback_url has more than {MAX_URL_CHARS} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("callback_url is not a valid URL.") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise Refused("callback_url must be an absolute https URL.")
    if parts.username or parts.password:
        raise Refused("callback_url must not carry credentials.")
    https = parts.scheme == "https"
    port = port or (443 if https else 80)
    path = requests.utils.requote_uri(parts.path or "/") + (
        f"?{parts.query}" if parts.query else ""
    )
    try:
        ascii_host = host.encode("idna").decode("ascii")  # for the Host header and TLS
    except UnicodeError:
        raise Refused(f"The host {host} cannot be resolved.") from None
    if host in allowed:
        return Target(https, ascii_host, port, path, None)
    if not https:
        raise Refused("callback_url must use https (or its host be on the admins' allow-list).")
    try:
        infos = socket.getaddrinfo(ascii_host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise Refused(f"The host {host} cannot be resolved.") from None
    addresses: list[str] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        mapped = getattr(address, "ipv4_mapped", None)
        if not address.is_global or (mapped is not None and not mapped.is_global):
            raise Refused(
                f"The host {host} resolves to {address}, a loopback, private, link-local or "
                "reserved address; an admin can allow the host."
            )
        if str(address) not in addresses:
            addresses.append(str(address))
    return Target(https, ascii_host, port, path, addresses)


def post(
    target: Target, body: bytes, headers: dict[str, str], timeout_s: float, tls: ssl.SSLContext
) -> int:
    """POST ``body`` to a checked ``target``: the receiver's status code, or
    ``TimeoutError`` once ``timeout_s`` have passed in all."""
    deadline = _Deadline(timeout_s)
    connection: http.client.HTTPConnection = (
        http.client.HTTPSConnection(target.host, target.port, context=tls)
        if target.https
        else http.client.HTTPConnection(target.host, target.port)
    )
    late = f"the receiver took longer than {timeout_s:g} s in all"
    try:
        # The socket is ours, so http.client never resolves the name again; the
        # connection still names the host in the Host header, TLS SNI and cert check.
        connection.sock = _connect(target, deadline, tls)
        connection.request("POST", target.path, body=body, headers=headers)
        # Status line and headers only (http.client bounds their size); the body is
        # never read, so an endless one costs nothing.
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if deadline.finish():
            raise TimeoutError(late) from exc
        raise
    finally:
        connection.close()
    if deadline.finish():  # headers cut off mid-way can still parse as a whole answer
        raise TimeoutError(late)
    return status


def _connect(target: Target, deadline: _Deadline, tls: ssl.SSLContext) -> socket.socket:
    """A connected (TLS) socket to one of the target's checked addresses."""
    if target.addresses is None:
        sock = socket.create_connection((target.host, target.port), deadline.remaining())
    else:
        sock = _connect_any(target.addresses, target.port, deadline)
    try:
        deadline.watch(sock)
        if not target.https:
            return sock
        sock = tls.wrap_socket(sock, server_hostname=target.host, do_handshake_on_connect=False)
        deadline.watch(sock)  # wrapping took the socket over
        sock.do_handshake()
        return sock
    except BaseException:
        sock.close()
        raise


def _connect_any(addresses: list[str], port: int, deadline: _Deadline) -> socket.socket:
    error: OSError = OSError("no address")
    for address in addresses:  # each in the time the delivery has left
        try:
            return socket.create_connection((address, port), deadline.remaining())
        except OSError as exc:
            error = exc
    raise error


class _Deadline:
    """Cuts a delivery's connection when its time is up: socket timeouts bound each read,
    not a receiver that trickles its answer a byte at a time."""

    def __init__(self, seconds: float) -> None:
        self.ends_at = time.monotonic() + seconds
        self.expired = False
        self._done = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        """Seconds left, for a blocking connect (a socket the timer cannot cut yet)."""
        left = self.ends_at - time.monotonic()
        if left <= 0:
            raise TimeoutError("the delivery ran out of time while connecting")
        return left

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                raise TimeoutError("the delivery ran out of time while connecting")

    def finish(self) -> bool:
        """Stops the clock; whether it ran out first."""
        self._timer.cancel()
        with self._lock:
            self._done = True
            self._sock = None
            return self.expired

    def _cut(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            if self._sock is not None:
                try:
                    # socket.socket's own shutdown: it wakes the blocked read (SSLSocket's
                    # would first drop its TLS state under the reading thread).
                    socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
                except OSError:
                    pass
