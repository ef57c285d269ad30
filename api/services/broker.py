"""The API's side of the predict stream: queue a job, wait for its answer.

Queueing is one round trip: a Lua script checks the backlog, appends the job
and records it as queued and who asked for it, atomically. Waiting is ``BLPOP`` on the job's reply
list with a deadline: no polling.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import redis

from common import keys
from common.schemas import PredictJob, dumps, loads, queued_state
from common.settings import Settings

_ENQUEUE = """
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
local entry = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 5))
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2])
redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[2])
return entry
"""


def text(raw: bytes | str) -> str:
    """A Redis reply as text (this client returns bytes)."""
    return raw.decode() if isinstance(raw, bytes) else raw


class BacklogFull(Exception):
    """The queue holds as many jobs as it may; the caller should retry later."""


@dataclass(frozen=True)
class WorkerStatus:
    live: list[dict[str, Any]]

    @property
    def trained_versions(self) -> list[str]:
        return sorted({w["model_version"] for w in self.live if w.get("trained")})


class PredictBroker:
    """Puts predict jobs on the stream and collects their answers."""

    def __init__(self, settings: Settings, client: redis.Redis, blocking: redis.Redis) -> None:
        self.client = client
        self.blocking = blocking  # its socket time-out covers the longest BLPOP
        self.backlog_limit = settings.backlog_limit
        self.result_ttl_s = settings.result_ttl_s
        self._enqueue = client.register_script(_ENQUEUE)

    def submit(self, job: PredictJob, owner: str = "") -> None:
        """Queue ``job`` for ``owner`` (a user id, empty if anonymous); BacklogFull when full."""
        args: list[Any] = [
            self.backlog_limit,
            self.result_ttl_s,
            dumps(queued_state(job.job_id, job.enqueued_at)),
            owner,
        ]
        for field, value in job.to_fields().items():
            args += [field, value]
        entry = self._enqueue(
            keys=[
                keys.PREDICT_STREAM,
                keys.prediction(job.job_id),
                keys.prediction_owner(job.job_id),
            ],
            args=args,
        )
        if entry is None:
            raise BacklogFull()

    def wait(self, job_id: str, timeout_s: float) -> dict[str, Any] | None:
        """The job's answer, or None if none came within ``timeout_s``."""
        popped = self.blocking.blpop([keys.reply(job_id)], timeout=max(timeout_s, 0.01))
        return loads(popped[1]) if popped else None

    def wait_many(self, job_ids: list[str], timeout_s: float) -> dict[str, dict[str, Any]]:
        """The answers that came within ``timeout_s``, by job id: one ``BLPOP`` on every
        reply list still empty, again until all are answered or the time is up."""
        deadline = time.monotonic() + timeout_s
        waiting = {keys.reply(job_id): job_id for job_id in job_ids}
        answers: dict[str, dict[str, Any]] = {}
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            popped = self.blocking.blpop(list(waiting), timeout=max(left, 0.01))
            if not popped:
                break
            answers[waiting.pop(text(popped[0]))] = loads(popped[1])
        return answers

    def state(self, job_id: str) -> dict[str, Any] | None:
        """What is known of a prediction: queued, done or failed; None if unknown."""
        raw = self.client.get(keys.prediction(job_id))
        return loads(raw) if raw else None

    def owner(self, job_id: str) -> str | None:
        """Who asked for a prediction still in Redis (user id, "" if anonymous), else None."""
        raw = self.client.get(keys.prediction_owner(job_id))
        return text(raw) if raw is not None else None

    def backlog(self) -> int:
        return int(self.client.xlen(keys.PREDICT_STREAM))

    def workers(self) -> WorkerStatus:
        """Workers whose heartbeat is alive; forgets those whose heartbeat expired."""
        names = sorted(text(n) for n in self.client.smembers(keys.WORKERS_SET))
        if not names:
            return WorkerStatus([])
        beats = self.client.mget([keys.heartbeat(n) for n in names])
        dead = [n for n, beat in zip(names, beats, strict=True) if beat is None]
        if dead:
            self.client.srem(keys.WORKERS_SET, *dead)
        live = [json.loads(beat) for beat in beats if beat is not None]
        return WorkerStatus(live)
