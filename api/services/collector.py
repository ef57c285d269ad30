"""Answers to asynchronous predictions, collected without a request waiting for them.

An asynchronous request appends its prediction to the stream ``shelfwise:async``
and returns at once. A collector thread in each API process reads that stream
as a consumer group, waits on the answers (``BLPOP`` on their reply lists,
then one ``MGET`` of their states), records each answered prediction and hands
it to the callbacks; only then is the entry acknowledged. A process that dies
leaves its entries pending: another collector claims them after
``CLAIM_IDLE_MS`` and finds their answers in the prediction keys.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import redis

from api.services.recorder import PredictionLog, record_from_answer
from common import keys
from common.redis_client import ensure_group
from common.schemas import loads

logger = logging.getLogger(__name__)

CLAIM_IDLE_MS = 60_000
KEEP_CLAIM_S = 20.0
"""How often a collector renews its claim on the entries it still waits for."""
MAX_PENDING = 2000
WAIT_S = 0.5

Finished = Callable[[dict[str, Any], dict[str, Any]], None]
"""Called with the tracked entry and the prediction's final state."""


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


class AnswerCollector:
    """Tracks asynchronous predictions until their answers exist."""

    def __init__(
        self,
        client: redis.Redis,
        predictions: PredictionLog,
        name: str = "",
        claim_idle_ms: int = CLAIM_IDLE_MS,
    ) -> None:
        self.client = client  # its socket time-out must exceed the blocking reads
        self.predictions = predictions
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self.claim_idle_ms = claim_idle_ms
        self.on_finished: list[Finished] = []
        self.pending: dict[str, tuple[bytes, dict[str, Any]]] = {}
        self._claimed_at = time.monotonic()
        self._group_ready = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def track(self, entry: dict[str, Any]) -> None:
        """Follow a queued prediction: ``entry`` holds its record (``id`` …) and, optionally,
        its ``callback`` and ``batch_id``/``ref``."""
        self.client.xadd(keys.ASYNC_STREAM, {b"e": json.dumps(entry, separators=(",", ":"))})

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="collector")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.collect_once()
            except redis.ResponseError as exc:
                if "NOGROUP" in str(exc):
                    self._group_ready = False
                logger.warning("collector: %s", exc)
                self._stop.wait(1)
            except Exception:
                logger.exception("collector: retrying")
                self._stop.wait(1)

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        ensure_group(self.client, keys.ASYNC_STREAM, keys.COLLECTOR_GROUP)
        self._group_ready = True

    def collect_once(self, block_ms: int = 1000) -> int:
        """Take in new (or abandoned) entries, wait a little for answers, finish the answered
        ones; returns how many were finished."""
        self._ensure_group()
        self._take_entries(block_ms)
        if not self.pending:
            return 0
        waiting = [keys.reply(job_id) for job_id in list(self.pending)[:500]]
        self.client.blpop(waiting, timeout=WAIT_S)  # wakes on the first answer
        ids = list(self.pending)
        states = self.client.mget([keys.prediction(job_id) for job_id in ids])
        finished = 0
        for job_id, raw in zip(ids, states, strict=True):
            state = loads(raw) if raw else None
            if state is not None and state.get("status") == "queued":
                continue
            self._finish(job_id, state)
            finished += 1
        self._keep_claim()
        return finished

    def _take_entries(self, block_ms: int) -> None:
        room = MAX_PENDING - len(self.pending)
        if room <= 0:
            return
        reply: Any = self.client.xautoclaim(
            keys.ASYNC_STREAM,
            keys.COLLECTOR_GROUP,
            self.name,
            self.claim_idle_ms,
            "0-0",
            count=room,
        )
        entries = list(reply[1])
        if not entries:
            read: Any = self.client.xreadgroup(
                keys.COLLECTOR_GROUP,
                self.name,
                {keys.ASYNC_STREAM: ">"},
                count=room,
                block=None if self.pending else (block_ms or None),
            )
            entries = [e for _, batch in read or [] for e in batch]
        for entry_id, fields in entries:
            if not fields:  # deleted while pending
                self.client.xack(keys.ASYNC_STREAM, keys.COLLECTOR_GROUP, entry_id)
                continue
            entry = json.loads(fields[b"e"])
            self.pending[entry["record"]["id"]] = (entry_id, entry)

    def _finish(self, job_id: str, state: dict[str, Any] | None) -> None:
        entry_id, entry = self.pending[job_id]
        if state is None:
            logger.warning("collector: prediction %s expired before its answer", job_id)
        else:
            record = dict(entry["record"])
            record["latency_ms"] = round((time.time() - record["created_at"]) * 1000, 2)
            self.predictions.append(record | record_from_answer(state))
            for hook in self.on_finished:
                hook(entry, state)
        pipe = self.client.pipeline()
        pipe.xack(keys.ASYNC_STREAM, keys.COLLECTOR_GROUP, entry_id)
        pipe.xdel(keys.ASYNC_STREAM, entry_id)
        pipe.execute()
        del self.pending[job_id]

    def _keep_claim(self) -> None:
        # Entries waiting long in the queue must not look abandoned to other collectors.
        if time.monotonic() - self._claimed_at < KEEP_CLAIM_S or not self.pending:
            return
        self._claimed_at = time.monotonic()
        entry_ids: list[Any] = [entry_id for entry_id, _ in self.pending.values()]
        self.client.xclaim(
            keys.ASYNC_STREAM, keys.COLLECTOR_GROUP, self.name, 0, entry_ids, justid=True
        )


def wants_async(prefer: str, wait: bool) -> bool:
    """``Prefer: respond-async`` (RFC 7240) or ``?wait=false``."""
    preferences = {p.split(";")[0].strip().lower() for p in prefer.split(",")}
    return "respond-async" in preferences or not wait
