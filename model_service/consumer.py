"""The model workers' side of the predict stream: one Redis consumer group.

Reading, reclaiming the jobs of dead workers, dead-lettering jobs that keep
failing, and answering: each answer is pushed on its reply list and stored
under its prediction key in the same transaction that acknowledges the job,
so a job is never acknowledged without its answer, nor answered twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis

from common import keys
from common.logs import log_context
from common.redis_client import ensure_group
from common.schemas import dumps
from common.settings import Settings

logger = logging.getLogger(__name__)

Entry = tuple[bytes, dict[bytes, bytes]]
"""A stream entry: its id and its fields."""


@dataclass(frozen=True)
class Answer:
    entry_id: bytes
    job_id: str | None
    document: dict[str, Any]


class StreamConsumer:
    """One worker's membership of the ``model-workers`` group on the predict stream."""

    def __init__(self, client: redis.Redis, name: str, settings: Settings) -> None:
        self.client = client
        self.name = name
        self.claim_idle_ms = settings.claim_idle_ms
        self.max_deliveries = settings.max_deliveries
        self.result_ttl_s = settings.result_ttl_s
        # A reply nobody pops (its request timed out) need not outlive the request by much.
        self.reply_ttl_s = int(settings.predict_timeout_s) + 60
        self._claim_cursor = b"0-0"

    def ensure_group(self) -> None:
        """Create the stream and the group if absent (idempotent; after a Redis restart too)."""
        ensure_group(self.client, keys.PREDICT_STREAM, keys.WORKER_GROUP)

    def read(self, count: int, block_ms: int | None) -> list[Entry]:
        """New jobs for this worker: up to ``count``, returning at once when any are queued.

        ``block_ms`` None: do not wait at all when none are.
        """
        try:
            reply = self.client.xreadgroup(
                keys.WORKER_GROUP,
                self.name,
                {keys.PREDICT_STREAM: ">"},
                count=count,
                block=block_ms,
            )
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            logger.warning("consumer group missing (Redis restarted?); recreating it")
            self.ensure_group()
            return []
        return [(entry_id, fields) for _, entries in reply or [] for entry_id, fields in entries]

    def reclaim(self, count: int) -> tuple[list[Entry], list[tuple[Entry, int]]]:
        """Take over jobs left idle by dead workers.

        Returns the jobs to process again, and the jobs delivered more than
        ``max_deliveries`` times with their delivery counts (to dead-letter).
        Live workers keep their in-flight jobs' idle time low (``keep_alive``),
        so only the jobs of workers that stopped heartbeating qualify.
        """
        try:
            cursor, claimed, *_ = self.client.xautoclaim(
                keys.PREDICT_STREAM,
                keys.WORKER_GROUP,
                self.name,
                self.claim_idle_ms,
                start_id=self._claim_cursor,
                count=count,
            )
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self.ensure_group()
            return [], []
        self._claim_cursor = cursor
        entries = [(entry_id, fields) for entry_id, fields in claimed if fields]
        if not entries:
            return [], []
        retry, exhausted = [], []
        for entry in entries:
            deliveries = self._deliveries(entry[0])
            if deliveries > self.max_deliveries:
                exhausted.append((entry, deliveries))
            else:
                retry.append(entry)
        with log_context(job_ids=[f.get(b"id", b"").decode(errors="replace") for _, f in entries]):
            logger.warning(
                "reclaimed %d job(s) from dead workers (%d exhausted)", len(entries), len(exhausted)
            )
        return retry, exhausted

    def _deliveries(self, entry_id: bytes) -> int:
        pending = self.client.xpending_range(
            keys.PREDICT_STREAM, keys.WORKER_GROUP, min=entry_id, max=entry_id, count=1
        )
        return int(pending[0]["times_delivered"]) if pending else 0

    def keep_alive(self, entry_ids: list[bytes]) -> None:
        """Reset the idle time of jobs this worker is still processing.

        ``XCLAIM ... JUSTID`` by the owner does not count as a delivery.
        """
        if entry_ids:
            self.client.xclaim(
                keys.PREDICT_STREAM, keys.WORKER_GROUP, self.name, 0, entry_ids, justid=True
            )

    def answer(self, answers: list[Answer]) -> None:
        """Store and push every answer, then acknowledge and delete the jobs, atomically."""
        if not answers:
            return
        pipe = self.client.pipeline(transaction=True)
        for item in answers:
            if item.job_id is None:
                continue  # an unreadable job has nobody to answer
            body = dumps(item.document)
            pipe.set(keys.prediction(item.job_id), body, ex=self.result_ttl_s)
            pipe.rpush(keys.reply(item.job_id), body)
            pipe.expire(keys.reply(item.job_id), self.reply_ttl_s)
        ids = [item.entry_id for item in answers]
        pipe.xack(keys.PREDICT_STREAM, keys.WORKER_GROUP, *ids)
        pipe.xdel(keys.PREDICT_STREAM, *ids)
        pipe.execute()

    def dead_letter(self, entries: list[tuple[Entry, int]], answers: list[Answer]) -> None:
        """Move exhausted jobs (image included, for inspection) to the dead-letter stream."""
        if not entries:
            return
        pipe = self.client.pipeline(transaction=True)
        for (entry_id, fields), deliveries in entries:
            record = {**fields, b"entry_id": entry_id, b"deliveries": str(deliveries).encode()}
            pipe.xadd(keys.DEAD_LETTER_STREAM, record, maxlen=1000, approximate=True)
        pipe.execute()
        self.answer(answers)
