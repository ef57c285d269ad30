"""Signed callbacks: a real receiver on 127.0.0.1 (allowed by the admins' allow-list) checks
the signature; retries with backoff, every attempt recorded; private targets refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from api.services.callbacks import refusal, sign
from common import keys
from tests.api.conftest import FakeWorker, api_settings, bearer, token_for
from tests.waiting import wait_for


class Receiver:
    """An HTTP server that keeps what it is sent and answers the statuses it is told
    (HTTPS with ``tls``, a server context)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.release = threading.Event()
        self.release.set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.release.wait(30)
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verify(self, request: dict[str, Any], secret: str) -> dict[str, Any]:
        """What a receiver does: check the signature over timestamp and body."""
        timestamp = request["headers"]["X-Shelfwise-Timestamp"]
        expected = hmac.new(
            secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(
            request["headers"]["X-Shelfwise-Signature"], f"sha256={expected}"
        )
        return json.loads(request["body"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.release.set()
    found.server.shutdown()


@pytest.fixture
def make_hooked(tmp_path, redis_server, redis_client):
    """Makes an API whose callbacks retry fast, a user with a secret, 127.0.0.1 allowed."""
    from api.app import create_app
    from api.services.accounts import create_user

    made = []

    def make(**overrides: Any):
        values: dict[str, Any] = dict(callback_backoff_s=0.05, callback_max_attempts=3)
        settings = api_settings(tmp_path, redis_server.url, **(values | overrides))
        app = create_app(settings, record_predictions=False)
        svc = app.extensions["shelfwise"]
        worker = FakeWorker(settings)
        worker.thread.start()
        made.append((worker, svc))
        client = app.test_client()
        alice = bearer(token_for(app, create_user(svc.sessions, "alice", "Correct-Horse-42")))
        admin = bearer(
            token_for(app, create_user(svc.sessions, "root", "Correct-Horse-42", "admin"))
        )
        secret = client.post("/account/callback-secret", headers=alice).get_json()["secret"]
        allowed = client.put("/admin/callback-hosts", json={"hosts": ["127.0.0.1"]}, headers=admin)
        assert allowed.status_code == 200 and allowed.get_json() == {"hosts": ["127.0.0.1"]}
        return app, svc, client, alice, admin, secret

    yield make
    for worker, svc in made:
        worker.stop.set()
        svc.callbacks.stop()


@pytest.fixture
def hooked(make_hooked):
    return make_hooked()


class RawReceiver:
    """A TCP server on 127.0.0.1 that answers every connection with ``answer`` (the
    request's bytes, a callable that writes to the socket until it fails); counts them."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.connections = 0
        self.hung_up = threading.Event()  # the client closed while we were still writing
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)  # the request (small enough for one read here)
                self.answer(conn, self.stop)
            except OSError:
                self.hung_up.set()

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


def trickle_body(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    while not stop.wait(0.02):
        conn.sendall(b"x" * 1024)  # a body without end


def trickle_headers(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stop.wait(0.05):
        conn.sendall(b"a")  # each byte well within the read timeout; the line never ends


@pytest.fixture
def raw_receiver() -> Iterator[Any]:
    made: list[RawReceiver] = []

    def make(answer) -> RawReceiver:
        made.append(RawReceiver(answer))
        return made[-1]

    yield make
    for found in made:
        found.close()


def settle(svc, deliveries: int = 1) -> None:
    """Collect answers and deliver callbacks until ``deliveries`` callbacks are settled."""

    def step() -> bool:
        svc.collector.collect_once(block_ms=50)
        svc.callbacks.deliver_due()
        settled = [
            json.loads(raw)["status"] != "pending"
            for key in svc.redis.scan_iter(keys.callback("*"))
            if (raw := svc.redis.get(key))
        ]
        return len(settled) >= deliveries and all(settled)

    wait_for(step, 20, "callbacks settled")


def called_back(svc, client, headers, url: str, designation: str = "piscine") -> tuple[str, dict]:
    """Predict asynchronously with a callback to ``url``, let it settle: the prediction's
    id and its callback as ``GET /predictions/<id>/callback`` shows it."""
    pid = client.post(
        "/predict?wait=false",
        json={"designation": designation, "callback_url": url},
        headers=headers,
    ).get_json()["prediction_id"]
    settle(svc)
    return pid, client.get(f"/predictions/{pid}/callback", headers=headers).get_json()


def test_the_secret_is_shown_once_and_rotates(client, alice, bob):
    assert client.get("/account/callback-secret", headers=alice).get_json() == {
        "configured": False,
        "created_at": None,
    }
    first = client.post("/account/callback-secret", headers=alice)
    assert first.status_code == 201 and first.get_json()["secret"].startswith("sws_")
    state = client.get("/account/callback-secret", headers=alice).get_json()
    assert state["configured"] and "secret" not in state
    second = client.post("/account/callback-secret", headers=alice).get_json()["secret"]
    assert second != first.get_json()["secret"]
    assert client.get("/account/callback-secret", headers=bob).get_json()["configured"] is False
    assert client.post("/account/callback-secret").status_code == 401


def test_a_signed_callback_reaches_the_receiver(hooked, receiver):
    app, svc, client, alice, admin, secret = hooked
    response = client.post(
        "/predict?wait=false",
        json={"designation": "piscine", "callback_url": receiver.url},
        headers=alice,
    )
    assert response.status_code == 202, response.get_json()
    pid = response.get_json()["prediction_id"]
    settle(svc)
    [request] = receiver.received
    payload = receiver.verify(request, secret)
    assert payload["event"] == "prediction.answered"
    assert payload["prediction"]["prediction_id"] == pid
    assert payload["prediction"]["status"] == "done"
    assert request["headers"]["X-Shelfwise-Delivery"] == pid
    seen = client.get(f"/predictions/{pid}/callback", headers=alice)
    assert seen.status_code == 200
    body = seen.get_json()
    assert body["status"] == "delivered" and [a["status_code"] for a in body["attempts"]] == [200]
    assert client.get(f"/predictions/{pid}/callback", headers=admin).status_code == 200
    from api.services.accounts import create_user

    bob = bearer(token_for(app, create_user(svc.sessions, "bob", "Correct-Horse-42")))
    assert client.get(f"/predictions/{pid}/callback", headers=bob).status_code == 403
    assert client.get("/predictions/nope/callback", headers=alice).status_code == 404


def test_a_synchronous_prediction_answers_before_its_callback_is_delivered(hooked, receiver):
    _, svc, client, alice, _, secret = hooked
    receiver.release.clear()  # the receiver hangs
    svc.callbacks.start()
    svc.collector.start()
    try:
        response = client.post(
            "/predict", json={"designation": "livre", "callback_url": receiver.url}, headers=alice
        )
        assert response.status_code == 200  # while the receiver has not answered
        assert receiver.received == []
        receiver.release.set()
        wait_for(lambda: receiver.received, 20, "the delivery")
        assert (
            receiver.verify(receiver.received[0], secret)["prediction"]["prediction_id"]
            == (response.get_json()["prediction_id"])
        )
    finally:
        svc.collector.stop()


def test_failures_are_retried_with_backoff_and_every_attempt_recorded(hooked, receiver):
    _, svc, client, alice, _, secret = hooked
    receiver.statuses = [500, 503]
    pid, body = called_back(svc, client, alice, receiver.url, "console")
    assert body["status"] == "delivered"
    assert [a["status_code"] for a in body["attempts"]] == [500, 503, 200]
    times = [a["at"] for a in body["attempts"]]
    assert times[2] - times[1] >= 0.1 > 0  # the second wait doubled the first (0.05 s)
    assert times[1] - times[0] >= 0.05
    assert len(receiver.received) == 3
    assert all(receiver.verify(r, secret)["prediction"]["prediction_id"] == pid
               for r in receiver.received)  # fmt: skip


def test_retries_are_bounded(hooked, receiver):
    _, svc, client, alice, _, _ = hooked
    receiver.statuses = [500] * 10
    pid, body = called_back(svc, client, alice, receiver.url, "console")
    assert body["status"] == "failed" and len(body["attempts"]) == 3  # CALLBACK_MAX_ATTEMPTS
    assert svc.redis.zcard(keys.CALLBACKS_DUE) == 0


def test_a_batch_calls_back_once_per_product(hooked, receiver):
    _, svc, client, alice, _, secret = hooked
    sent = [{"ref": "a", "designation": "livre"}, {"ref": "b", "designation": "jeu"}]
    response = client.post(
        "/predict/batch",
        json={"products": sent, "callback_url": receiver.url},
        headers=alice | {"Prefer": "respond-async"},
    )
    assert response.status_code == 202
    settle(svc, 2)
    payloads = [receiver.verify(r, secret) for r in receiver.received]
    assert sorted(p["ref"] for p in payloads) == ["a", "b"]
    assert {p["batch_id"] for p in payloads} == {response.get_json()["batch_id"]}


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://100.64.0.1/hook",
        "http://93.184.216.34/hook",
        "ftp://93.184.216.34/hook",
        "https://user:pw@93.184.216.34/hook",
        "not a url",
    ],
)
def test_private_and_plain_targets_are_refused(client, svc, alice, url):
    client.post("/account/callback-secret", headers=alice)
    response = client.post(
        "/predict", json={"designation": "x", "callback_url": url}, headers=alice
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        422,
        "callback_refused",
    ), response.get_json()
    assert svc.redis.xlen(keys.PREDICT_STREAM) == 0  # nothing was queued


def test_a_public_https_address_is_accepted_by_the_check():
    assert refusal("https://93.184.216.34/hook", set()) is None
    assert refusal("http://127.0.0.1:9/hook", {"127.0.0.1"}) is None
    assert refusal("http://localhost/hook", {"127.0.0.1"}) is not None


def test_callbacks_need_a_secret(client, svc, alice):
    response = client.post(
        "/predict",
        json={"designation": "x", "callback_url": "https://93.184.216.34/hook"},
        headers=alice,
    )
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        409,
        "no_callback_secret",
    )


def test_only_admins_set_the_allow_list(client, alice, admin):
    assert client.get("/admin/callback-hosts", headers=alice).status_code == 403
    assert (
        client.put("/admin/callback-hosts", json={"hosts": ["x"]}, headers=alice).status_code == 403
    )
    bad = client.put("/admin/callback-hosts", json={"hosts": ["a/b"]}, headers=admin)
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (422, "invalid_host")
    assert client.get("/admin/callback-hosts", headers=admin).get_json() == {"hosts": []}


def test_the_signature_covers_timestamp_and_body():
    assert sign("k", 1, b"{}") != sign("k", 2, b"{}") != sign("k", 1, b"[]")
    assert sign("k", 1, b"{}").startswith("sha256=")


@pytest.mark.timeout(120)  # reading the endless body would hang here for ever
def test_an_endless_body_is_never_read(hooked, raw_receiver):
    _, svc, client, alice, _, _ = hooked
    receiver = raw_receiver(trickle_body)
    _, body = called_back(svc, client, alice, f"http://127.0.0.1:{receiver.port}/")
    assert body["status"] == "delivered"
    assert [a["status_code"] for a in body["attempts"]] == [200]
    wait_for(receiver.hung_up.is_set, 20, "the delivery to hang up on the body")
    assert receiver.connections == 1


@pytest.mark.timeout(120)
def test_a_receiver_that_never_finishes_its_headers_is_cut_off(make_hooked, raw_receiver):
    _, svc, client, alice, _, _ = make_hooked(callback_timeout_s=0.5)
    receiver = raw_receiver(trickle_headers)
    _, body = called_back(svc, client, alice, f"http://127.0.0.1:{receiver.port}/")
    assert body["status"] == "failed" and len(body["attempts"]) == 3
    for attempt in body["attempts"]:
        assert "status_code" not in attempt
        assert "took longer than 0.5 s in all" in attempt["error"]
    assert receiver.connections == 3


def test_a_name_that_rebinds_after_its_check_is_not_followed(
    make_hooked, raw_receiver, monkeypatch
):
    """The name answers a public address first, then 127.0.0.1 (DNS rebinding): the
    delivery connects only to the address it checked, never to the local receiver."""
    from common.orm import User

    _, svc, _, _, _, _ = make_hooked(callback_timeout_s=1, callback_max_attempts=2)
    receiver = raw_receiver(trickle_body)
    real = socket.getaddrinfo
    lookups: list[str] = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    real_connect = socket.create_connection
    dialled: list[str] = []

    def public_host_down(address, *args, **kwargs):
        if address[0] != "93.184.216.34":
            return real_connect(address, *args, **kwargs)
        dialled.append(address[0])  # the public address stays unreached: no test leaves home
        raise ConnectionRefusedError("the public host is down")

    monkeypatch.setattr(socket, "create_connection", public_host_down)
    with svc.sessions() as session:
        owner = session.query(User).filter_by(username="alice").one().id
    url = f"https://rebind.test:{receiver.port}/hook"
    svc.callbacks.schedule("rebound", owner, url, {"event": "prediction.answered"})
    settle(svc)
    document = svc.callbacks.read("rebound")
    assert document["status"] == "failed"
    assert receiver.connections == 0
    assert dialled == ["93.184.216.34"]  # the first attempt dialled what its check resolved
    assert lookups  # the name was looked up, and each attempt failed without a status
    assert all("status_code" not in a for a in document["attempts"])
    assert "resolves to 127.0.0.1" in document["attempts"][-1]["error"]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate (and its key) for the name ``hooks.test``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make the receiver's test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=hooks.test",
         "-addext", "subjectAltName=DNS:hooks.test"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.parametrize(
    ("host", "status"), [("hooks.test", "delivered"), ("other.test", "failed")]
)
def test_an_https_callback_goes_to_the_checked_address_under_the_host_s_name(
    make_hooked, certificate, monkeypatch, host, status
):
    """A public name (``host`` resolves to a public address, routed here to 127.0.0.1): the
    delivery dials that address and speaks TLS to the name, whose certificate must match."""
    _, svc, client, alice, _, secret = make_hooked()
    cert, key = certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    receiver = Receiver(tls=server_tls)
    port = receiver.server.server_port
    svc.callbacks.tls = ssl.create_default_context(cafile=str(cert))  # trusts the test CA
    public = "93.184.216.34"
    real_lookup, real_connect = socket.getaddrinfo, socket.create_connection
    dialled: list[str] = []

    def lookup(name, *args, **kwargs):
        if name != host:
            return real_lookup(name, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (public, port))]

    def connect(address, *args, **kwargs):
        if address[0] != public:
            return real_connect(address, *args, **kwargs)
        dialled.append(address[0])  # the public address, routed to the local receiver
        return real_connect(("127.0.0.1", address[1]), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(socket, "create_connection", connect)
    try:
        pid, body = called_back(svc, client, alice, f"https://{host}:{port}/hook")
    finally:
        receiver.server.shutdown()
    assert body["status"] == status and set(dialled) == {public}
    if status == "failed":  # the certificate names hooks.test, not the host asked for
        assert not receiver.received
        assert all("certificate" in a["error"].lower() for a in body["attempts"])
        return
    (request,) = receiver.received
    assert request["headers"]["Host"] == f"{host}:{port}"
    assert receiver.verify(request, secret)["prediction"]["prediction_id"] == pid
