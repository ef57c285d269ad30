"""Signed callbacks: POST each answered prediction to the URL its request named.

Delivery is at least once. A callback is a JSON document in Redis
(``shelfwise:callback:<prediction id>``: target, payload, attempts) and a member
of the sorted set ``shelfwise:callbacks:due`` scored by when it is next due. A
dispatcher thread in each API process leases due callbacks (their score moves
past the lease, atomically), delivers them from a small thread pool, and then
removes them or schedules the next attempt with a doubled wait. A process that
dies mid-delivery lets its lease run out; another dispatcher delivers again.
Requests never wait for receivers: a dead receiver only occupies this pool.

Each delivery is signed with the account's callback secret:
``X-Shelfwise-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body>`` and
``X-Shelfwise-Timestamp: <unix seconds>``; a receiver refuses old timestamps.

No request to addresses a client chooses: a target must be ``https`` on a host
whose every address is public, unless an admin put its host on the allow-list
(``shelfwise:callback-hosts``). The check runs when the request names the URL
and again before each delivery; ``api.services.outbound`` connects to exactly the
addresses it resolved, reads no body and bounds the whole delivery in time.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
import requests
from sqlalchemy.orm import Session, sessionmaker

from api.errors import ApiError
from api.services import outbound
from common import keys
from common.orm import User
from common.settings import Settings

logger = logging.getLogger(__name__)

LEASE_S = 120
"""A leased callback is due again after this long: its dispatcher died."""
MAX_BACKOFF_S = 600
KEEP_S = 7 * 24 * 3600
"""How long a callback and its attempts stay readable."""

_LEASE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[2], member) end
return due
"""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def allowed_hosts(client: redis.Redis) -> set[str]:
    return {h.decode() if isinstance(h, bytes) else h for h in client.smembers(keys.CALLBACK_HOSTS)}


def refusal(url: str, allowed: set[str]) -> str | None:
    """Why ``url`` may not receive callbacks, or None when it may."""
    try:
        outbound.checked_target(url, allowed)
    except outbound.Refused as exc:
        return str(exc)
    return None


def check_target(client: redis.Redis, url: str) -> None:
    """422 ``callback_refused`` for a URL callbacks may not go to."""
    reason = refusal(url, allowed_hosts(client))
    if reason is not None:
        raise ApiError(422, "callback_refused", reason)


def callback_target(client: redis.Redis, user: User | None, url: str | None) -> dict | None:
    """The callback a request asks for (owner and URL), after every check; None for none."""
    if not url:
        return None
    if user is None:
        raise ApiError(401, "missing_token", "Callbacks are signed with an account's secret.")
    if not user.callback_secret:
        raise ApiError(
            409,
            "no_callback_secret",
            "The account has no callback secret yet: POST /account/callback-secret first.",
        )
    check_target(client, url)
    return {"owner": user.id, "url": url}


class CallbackDispatcher:
    """Schedules, leases and delivers callbacks; records every attempt."""

    def __init__(
        self, settings: Settings, client: redis.Redis, sessions: sessionmaker[Session]
    ) -> None:
        self.client = client
        self.sessions = sessions
        self.timeout_s = settings.callback_timeout_s
        self.max_attempts = settings.callback_max_attempts
        self.backoff_s = settings.callback_backoff_s
        self.workers = settings.callback_workers
        self.tls = ssl.create_default_context(cafile=requests.certs.where())
        self._lease = client.register_script(_LEASE)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the request side ------------------------------------------------------------

    def on_answer(self, entry: dict[str, Any], state: dict[str, Any]) -> None:
        """The collector's hook: schedule the callback of an answered prediction."""
        callback = entry.get("callback")
        if not callback:
            return
        payload = {"event": "prediction.answered", "prediction": state}
        for name in ("batch_id", "ref"):
            if entry.get(name) is not None:
                payload[name] = entry[name]
        self.schedule(state["prediction_id"], callback["owner"], callback["url"], payload)

    def schedule(self, prediction_id: str, owner: int, url: str, payload: dict[str, Any]) -> None:
        """Deliver ``payload`` to ``url`` for account ``owner``, now and until it succeeds."""
        document = {
            "prediction_id": prediction_id,
            "owner": owner,
            "url": url,
            "payload": payload,
            "status": "pending",
            "attempts": [],
            "created_at": time.time(),
        }
        key = keys.callback(prediction_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.set(key, json.dumps(document), ex=KEEP_S, nx=True)  # at most one per prediction
        pipe.zadd(keys.CALLBACKS_DUE, {prediction_id: time.time()}, nx=True)
        pipe.execute()

    def read(self, prediction_id: str) -> dict[str, Any] | None:
        raw = self.client.get(keys.callback(prediction_id))
        return json.loads(raw) if raw else None

    # --- the dispatcher ----------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="callbacks")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s + 5)

    def _loop(self) -> None:
        with ThreadPoolExecutor(self.workers, thread_name_prefix="callback") as pool:
            while not self._stop.is_set():
                try:
                    leased = self.lease(self.workers)
                    if leased:
                        list(pool.map(self.deliver, leased))
                    else:
                        self._stop.wait(0.2)
                except Exception:
                    logger.exception("callbacks: retrying")
                    self._stop.wait(1)

    def lease(self, count: int) -> list[str]:
        """Up to ``count`` due callbacks, leased to this dispatcher for LEASE_S."""
        now = time.time()
        due = self._lease(keys=[keys.CALLBACKS_DUE], args=[now, now + LEASE_S, count])
        return [d.decode() if isinstance(d, bytes) else d for d in due]

    def deliver_due(self) -> int:
        """Deliver every callback due now, one after another (tests, tools)."""
        leased = self.lease(1000)
        for prediction_id in leased:
            self.deliver(prediction_id)
        return len(leased)

    def deliver(self, prediction_id: str) -> None:
        """One attempt; then done, or due again after the backoff, or given up."""
        document = self.read(prediction_id)
        if document is None or document["status"] != "pending":
            self.client.zrem(keys.CALLBACKS_DUE, prediction_id)
            return
        attempt: dict[str, Any] = {"at": time.time()}
        started = time.perf_counter()
        try:
            status = self._post(document)
            attempt["status_code"] = status
            ok = 200 <= status < 300
            if not ok:
                attempt["error"] = f"the receiver answered {status}"
        # ValueError: a reply or URL http.client cannot parse (a bad status line, say).
        except (OSError, http.client.HTTPException, ValueError, outbound.Refused) as exc:
            attempt["error"] = str(exc)[:300] or type(exc).__name__
            ok = False
        attempt["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        document["attempts"].append(attempt)
        tries = len(document["attempts"])
        if ok or tries >= self.max_attempts:
            document["status"] = "delivered" if ok else "failed"
            next_at = None
        else:
            next_at = time.time() + min(self.backoff_s * 2 ** (tries - 1), MAX_BACKOFF_S)
            document["next_attempt_at"] = next_at
        pipe = self.client.pipeline(transaction=True)
        pipe.set(keys.callback(prediction_id), json.dumps(document), ex=KEEP_S)
        if next_at is None:
            pipe.zrem(keys.CALLBACKS_DUE, prediction_id)
        else:
            pipe.zadd(keys.CALLBACKS_DUE, {prediction_id: next_at})
        pipe.execute()
        if not ok:
            logger.warning(
                "callback %s attempt %d failed: %s", prediction_id, tries, attempt["error"]
            )

    def _post(self, document: dict[str, Any]) -> int:
        # Checked again: DNS or the allow-list may have changed since the request.
        target = outbound.checked_target(document["url"], allowed_hosts(self.client))
        with self.sessions() as session:
            user = session.get(User, document["owner"])
            secret = user.callback_secret if user is not None and user.active else None
        if not secret:
            raise outbound.Refused("the account has no callback secret")
        body = json.dumps(document["payload"], separators=(",", ":"), ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shelfwise-Callbacks/1",
            "X-Shelfwise-Delivery": document["prediction_id"],
            "X-Shelfwise-Timestamp": str(timestamp),
            "X-Shelfwise-Signature": sign(secret, timestamp, body),
        }
        return outbound.post(target, body, headers, self.timeout_s, self.tls)
