"""Recording predictions in the database without slowing the request that made them.

The request path pays one ``XADD`` to the stream ``shelfwise:prediction-log``
(Redis is already on that path, so this is a round trip of about 0.1 ms). A
recorder thread in each API process drains the stream as a consumer group,
writes each batch in one transaction, and only then acknowledges it. A process
that dies mid-batch leaves its entries pending; another recorder claims them
after ``CLAIM_IDLE_MS``. Writes are idempotent (keyed by prediction id), so a
batch written twice changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from common import keys
from common.orm import PredictionRecord
from common.redis_client import ensure_group

logger = logging.getLogger(__name__)

BATCH = 500
FLUSH_INTERVAL_S = 0.5
CLAIM_IDLE_MS = 60_000
FINAL = ("done", "failed")
BAD_RECORD = (IntegrityError, DataError, KeyError, TypeError, ValueError)
_ANSWER_FIELDS = (
    "status",
    "model_version",
    "category",
    "confidence",
    "top5",
    "modalities",
    "error_code",
)
_REQUEST_FIELDS = (
    "user_id",
    "image_sha256",
    "designation_sha256",
    "description_sha256",
    "photo_hash",
    "photo_bytes",
)


class PredictionLog:
    """The request side: append one finished prediction to the log stream."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def append(self, record: dict[str, Any]) -> None:
        self.client.xadd(keys.PREDICTION_LOG, {b"r": json.dumps(record, separators=(",", ":"))})


def record_from_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer's part of a prediction record (what came out)."""
    if answer.get("status") == "done":
        return {
            "status": "done",
            "model_version": answer.get("model_version"),
            "category": answer["category"]["code"],
            "confidence": answer.get("confidence"),
            "top5": answer.get("top5", []),
            "modalities": answer.get("modalities", []),
            "error_code": None,
        }
    return {
        "status": answer.get("status", "failed"),
        "top5": [],
        "modalities": [],
        "error_code": answer.get("error", {}).get("code"),
    }


class Recorder:
    """Drains the prediction log into the ``predictions`` table, batch by batch."""

    def __init__(
        self,
        client: redis.Redis,
        sessions: sessionmaker[Session],
        name: str = "",
        claim_idle_ms: int = CLAIM_IDLE_MS,
    ) -> None:
        self.client = client  # its socket time-out must exceed the blocking read
        self.sessions = sessions
        self.name = name or f"{socket.gethostname()}-{os.getpid()}"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._group_ready = False
        self.claim_idle_ms = claim_idle_ms

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True, name="recorder")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        ensure_group(self.client, keys.PREDICTION_LOG, keys.RECORDER_GROUP)
        self._group_ready = True

    def _loop(self) -> None:
        pending_first = True  # after a restart or a failed write, our own pending entries first
        while not self._stop.is_set():
            try:
                written = self.drain_once(block_ms=1000, own_pending=pending_first)
                pending_first = False
                if 0 < written < BATCH:
                    # Let the next entries gather: one transaction per interval, not per
                    # prediction, keeps the recorder's CPU away from the requests.
                    self._stop.wait(FLUSH_INTERVAL_S)
            except redis.ResponseError as exc:
                if "NOGROUP" in str(exc):
                    self._group_ready = False  # Redis lost the group: make it again
                logger.warning("recorder: %s", exc)
                self._stop.wait(1)
            except Exception:
                logger.exception("recorder: could not write predictions; retrying")
                pending_first = True
                self._stop.wait(1)

    def drain_once(self, block_ms: int = 0, own_pending: bool = False) -> int:
        """Write one batch (claimed, own pending, or new entries); returns its size."""
        self._ensure_group()
        reply: Any = self.client.xautoclaim(
            keys.PREDICTION_LOG,
            keys.RECORDER_GROUP,
            self.name,
            self.claim_idle_ms,
            "0-0",
            count=BATCH,
        )
        entries = list(reply[1])
        if not entries and own_pending:
            read: Any = self.client.xreadgroup(
                keys.RECORDER_GROUP, self.name, {keys.PREDICTION_LOG: "0"}, count=BATCH
            )
            entries = [e for _, batch in read or [] for e in batch]
        if not entries:
            read = self.client.xreadgroup(
                keys.RECORDER_GROUP,
                self.name,
                {keys.PREDICTION_LOG: ">"},
                count=BATCH,
                block=block_ms or None,
            )
            entries = [e for _, batch in read or [] for e in batch]
        if not entries:
            return 0
        # An entry deleted while pending comes back without fields: just acknowledge it.
        self.write_all([json.loads(fields[b"r"]) for _, fields in entries if fields])
        ids = [entry_id for entry_id, _ in entries]
        pipe = self.client.pipeline()
        pipe.xack(keys.PREDICTION_LOG, keys.RECORDER_GROUP, *ids)
        pipe.xdel(keys.PREDICTION_LOG, *ids)
        pipe.execute()
        return len(entries)

    def write_all(self, records: list[dict[str, Any]]) -> None:
        """``write`` the batch; if it fails, each record alone, so one bad record cannot
        hold the others back (a record that fails alone is logged and dropped)."""
        if not records:
            return
        try:
            self.write(records)
            return
        except BAD_RECORD:  # an unreachable database raises something else: retried later
            if len(records) == 1:
                logger.exception("recorder: dropping unwritable record %s", records[0].get("id"))
                return
            logger.warning("recorder: batch of %d failed; writing one by one", len(records))
        for record in records:
            self.write_all([record])

    def write(self, records: list[dict[str, Any]]) -> None:
        """Insert new records; complete earlier ``timeout`` ones with their late answer."""
        by_id: dict[str, dict[str, Any]] = {}
        for record in records:
            by_id[record["id"]] = _merged(by_id.get(record["id"]), record)
        with self.sessions.begin() as session:
            existing = {
                r.id: r
                for r in session.scalars(
                    select(PredictionRecord).where(PredictionRecord.id.in_(list(by_id)))
                )
            }
            for pid, record in by_id.items():
                row = existing.get(pid)
                if row is None:
                    session.add(_new_row(record))
                else:
                    if row.status == "timeout" and record.get("status") in FINAL:
                        for name in _ANSWER_FIELDS:
                            if name in record:
                                setattr(row, name, record[name])
                    for name in _REQUEST_FIELDS:
                        if getattr(row, name) is None and record.get(name) is not None:
                            setattr(row, name, record[name])


def _merged(first: dict[str, Any] | None, later: dict[str, Any]) -> dict[str, Any]:
    """Two records of one prediction in one batch, in either order: a final answer wins
    over ``timeout``, and no request field is lost to a record that lacks it."""
    if first is None:
        return dict(later)
    if first.get("status") in FINAL and later.get("status") not in FINAL:
        first, later = later, first  # the timeout record came second: the answer stays
    merged = first | later
    for name in _REQUEST_FIELDS:
        if merged.get(name) is None:
            merged[name] = first.get(name)
    return merged


def _new_row(record: dict[str, Any]) -> PredictionRecord:
    created = record.get("created_at")
    return PredictionRecord(
        id=record["id"],
        user_id=record.get("user_id"),
        created_at=datetime.fromtimestamp(created, UTC) if created else datetime.now(UTC),
        status=record.get("status", "done"),
        model_version=record.get("model_version"),
        category=record.get("category"),
        confidence=record.get("confidence"),
        top5=record.get("top5") or [],
        modalities=record.get("modalities") or [],
        latency_ms=record.get("latency_ms"),
        image_sha256=record.get("image_sha256"),
        designation_sha256=record.get("designation_sha256"),
        description_sha256=record.get("description_sha256"),
        error_code=record.get("error_code"),
        photo_hash=record.get("photo_hash"),
        photo_bytes=record.get("photo_bytes"),
    )


def stop_quietly(recorder: Recorder | None) -> None:
    with contextlib.suppress(Exception):
        if recorder is not None:
            recorder.stop()
