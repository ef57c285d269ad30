"""The model worker: read predict jobs in batches, run the fusion model, answer.

One loop per process. Under light load a batch of one goes straight through
(``XREADGROUP`` returns as soon as a job is queued); under heavy load batches
fill up by themselves. A heartbeat thread keeps the worker visible and its
in-flight jobs fresh; a loader thread prepares a newly promoted model version,
which the loop swaps in between two batches.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import redis

from common import keys
from common.images import InvalidImage
from common.logs import log_context
from common.model_store import production_version, version_path
from common.schemas import (
    NO_MODEL_MESSAGE,
    MalformedJob,
    PredictJob,
    Timing,
    error_answer,
    success_answer,
)
from common.settings import Settings
from model_service import observability
from model_service.consumer import Answer, Entry, StreamConsumer
from model_service.fusion import FusedPredictor, ProductInput
from model_service.preprocessing import clean_text, load_image
from model_service.runtime import NotExported, load_predictor

logger = logging.getLogger(__name__)

STANDBY_POLL_S = 0.05
"""How often a worker that is not leading looks for queued jobs."""

LoadModel = Callable[[str], FusedPredictor]
"""Builds the predictor for a production version name."""


class ModelWorker:
    """A consumer of the predict stream that answers with one loaded model version."""

    def __init__(self, settings: Settings, client: redis.Redis, load_model: LoadModel) -> None:
        self.settings = settings
        self.client = client
        self.name = settings.worker_name or f"{socket.gethostname()}-{os.getpid()}"
        self.consumer = StreamConsumer(client, self.name, settings)
        self._load_model = load_model
        self._wanted_version = production_version(settings.models_path)
        # Nothing trained yet: no model at all, never a random one passed off as a model.
        self.predictor: FusedPredictor | None = None
        if self._wanted_version:
            try:
                self.predictor = load_model(self._wanted_version)
            except NotExported as exc:
                logger.error("%s", exc)  # answers no_model until an exported version serves
        self._next_predictor: FusedPredictor | None = None
        self._in_flight: list[bytes] = []
        self._stop = threading.Event()
        self._leader_ttl_ms = int(max(3 * settings.heartbeat_s, 1.0) * 1000)
        self._lock_file = _open_lock(settings.inference_lock)
        self.started_at = time.time()

    # --- lifecycle ----------------------------------------------------------------

    def request_stop(self, *_: object) -> None:
        """Finish the current batch, answer and acknowledge it, then exit."""
        if not self._stop.is_set():
            logger.info("worker %s stopping after its current batch", self.name)
        self._stop.set()

    def run(self) -> None:
        """Serve until ``request_stop`` (SIGTERM, SIGINT)."""
        self._connect()
        threads = [
            threading.Thread(target=self._heartbeat_loop, daemon=True, name="heartbeat"),
            threading.Thread(target=self._loader_loop, daemon=True, name="loader"),
        ]
        for thread in threads:
            thread.start()
        logger.info(
            "worker %s serving model %s (max batch %d)",
            self.name,
            self.predictor.name if self.predictor else "none (nothing trained yet)",
            self.settings.max_batch,
        )
        last_reclaim = 0.0
        backoff = 0.1
        while not self._stop.is_set():
            try:
                self._swap_if_ready()
                if time.monotonic() - last_reclaim > self.settings.claim_idle_ms / 2000:
                    last_reclaim = time.monotonic()
                    self._reclaim()
                leading = self._is_leader()
                entries = self.consumer.read(self.settings.max_batch, 500 if leading else None)
                if entries:
                    self.process(entries)
                    self._lead()
                elif not leading:
                    self._stop.wait(STANDBY_POLL_S)
                backoff = 0.1
            except redis.ConnectionError as exc:
                logger.warning("Redis unreachable (%s); retrying in %.1fs", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                with contextlib.suppress(redis.RedisError):
                    self.consumer.ensure_group()
        self._leave()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def _connect(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                self.consumer.ensure_group()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self._stop.is_set():
                    raise
                logger.warning("waiting for Redis at %s", self.settings.redis_url)
                time.sleep(1)

    def _leave(self) -> None:
        with contextlib.suppress(redis.RedisError):
            pipe = self.client.pipeline()
            pipe.delete(keys.heartbeat(self.name))
            if self._is_leader():
                pipe.delete(keys.WORKER_LEADER)
            pipe.srem(keys.WORKERS_SET, self.name)
            pipe.execute()
            pending = self.client.xpending_range(
                keys.PREDICT_STREAM,
                keys.WORKER_GROUP,
                min="-",
                max="+",
                count=1,
                consumername=self.name,
            )
            if not pending:  # deleting a consumer drops its pending jobs: only when it has none
                self.client.xgroup_delconsumer(keys.PREDICT_STREAM, keys.WORKER_GROUP, self.name)
        logger.info("worker %s stopped", self.name)

    # --- the batch ---------------------------------------------------------------------

    def process(self, entries: list[Entry]) -> None:
        """Answer one batch; a bad job fails only itself, never its batch-mates."""
        self._in_flight = [entry_id for entry_id, _ in entries]
        # Every line logged for this batch names its jobs, so a request's id leads to it.
        with log_context(job_ids=[_job_id(fields) for _, fields in entries]):
            self._process(entries)
        self._in_flight = []

    def _process(self, entries: list[Entry]) -> None:
        if self.predictor is None:
            self.consumer.answer(
                [
                    Answer(entry_id, _job_id(fields) or None, _no_model(_job_id(fields)))
                    for entry_id, fields in entries
                ]
            )
            return
        received = time.time()
        answers: list[Answer] = []
        ready: list[tuple[bytes, PredictJob, ProductInput, float]] = []
        for entry_id, fields in entries:
            try:
                job = PredictJob.from_fields(fields)
            except MalformedJob as exc:
                job_id = _job_id(fields) or None
                with log_context(job_id=job_id):
                    logger.error("rejecting malformed job %r: %s", entry_id, exc)
                answers.append(
                    Answer(entry_id, job_id, error_answer(job_id or "", "malformed_job", str(exc)))
                )
                continue
            started = time.perf_counter()
            try:
                item = self._prepare(job)
            except InvalidImage as exc:
                with log_context(job_id=job.job_id):
                    logger.info("job %s rejected: %s", job.job_id, exc.code)
                answers.append(
                    Answer(entry_id, job.job_id, error_answer(job.job_id, exc.code, str(exc)))
                )
                continue
            ready.append((entry_id, job, item, (time.perf_counter() - started) * 1000))
        answers += self._infer(ready, received)
        self.consumer.answer(answers)
        logger.debug("answered batch of %d jobs", len(answers))

    # --- who waits on the stream ---------------------------------------------------------
    #
    # Redis hands a new job to the reader that has blocked longest, so idle workers
    # would take turns and each request would meet a cold process (measured: +16 ms
    # at batch 1). The worker that answered the latest batch leads: it alone blocks.
    # The others poll without blocking: they take the overflow under load, and
    # everything within STANDBY_POLL_S if the leader dies (its key then expires).

    def _is_leader(self) -> bool:
        leader = self.client.get(keys.WORKER_LEADER)
        return leader is None or leader.decode() == self.name

    def _lead(self) -> None:
        self.client.set(keys.WORKER_LEADER, self.name, px=self._leader_ttl_ms)

    def _prepare(self, job: PredictJob) -> ProductInput:
        assert self.predictor is not None
        text = clean_text(job.designation, job.description)
        image = None
        if job.image is not None:
            params = self.predictor.version.params
            image = load_image(
                job.image, self.settings.max_image_pixels, params.image_size, params.image_framing
            )
        if not text and image is None:
            raise InvalidImage("The product has neither text nor an image.", "empty_product")
        return ProductInput(text, image)

    def _infer(
        self, ready: list[tuple[bytes, PredictJob, ProductInput, float]], received: float
    ) -> list[Answer]:
        if not ready:
            return []
        predictor = self.predictor
        assert predictor is not None
        started = time.perf_counter()
        try:
            with self._inference_turn():
                probs = predictor.predict([item for _, _, item, _ in ready])
        except Exception:
            if len(ready) == 1:
                entry_id, job, _, _ = ready[0]
                with log_context(job_id=job.job_id):
                    logger.exception("inference failed for job %s", job.job_id)
                return [
                    Answer(
                        entry_id,
                        job.job_id,
                        error_answer(
                            job.job_id,
                            "inference_failed",
                            "The model could not classify this product.",
                        ),
                    )
                ]
            # Find the culprit: each job alone, so the others still get their answers.
            logger.warning("batch of %d failed; retrying its jobs one by one", len(ready))
            return [a for one in ready for a in self._infer([one], received)]
        inference_ms = (time.perf_counter() - started) * 1000
        observability.observe_batch(
            len(ready), [prep for *_, prep in ready], inference_ms, predictor.name
        )
        return [
            Answer(
                entry_id,
                job.job_id,
                success_answer(
                    job.job_id,
                    row.tolist(),
                    item.modalities,
                    predictor.name,
                    Timing(
                        queue_ms=max(0.0, (received - job.enqueued_at) * 1000),
                        preprocess_ms=prep_ms,
                        inference_ms=inference_ms,
                        runtime=predictor.runtime,
                    ),
                ),
            )
            for (entry_id, job, item, prep_ms), row in zip(ready, probs, strict=True)
        ]

    @contextlib.contextmanager
    def _inference_turn(self) -> Iterator[None]:
        """Hold the machine-wide inference lock when one is configured.

        Workers sharing cores then take turns at the forward pass, each using
        all its threads, instead of slowing each other down.
        """
        if self._lock_file is None:
            yield
            return
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _reclaim(self) -> None:
        retry, exhausted = self.consumer.reclaim(self.settings.max_batch)
        if exhausted:
            answers = []
            for (entry_id, fields), deliveries in exhausted:
                job_id = _job_id(fields) or None
                with log_context(job_id=job_id):
                    logger.warning("job %s set aside after %d deliveries", job_id, deliveries)
                answers.append(
                    Answer(
                        entry_id,
                        job_id,
                        error_answer(
                            job_id or "",
                            "delivery_limit",
                            f"The job was delivered {deliveries} times without an answer; "
                            "it has been set aside.",
                        ),
                    )
                )
            self.consumer.dead_letter(exhausted, answers)
        if retry:
            self.process(retry)

    # --- background threads -------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        ttl_ms = int(max(3 * self.settings.heartbeat_s, 1.0) * 1000)
        while not self._stop.wait(self.settings.heartbeat_s):
            try:
                pipe = self.client.pipeline()
                pipe.set(keys.heartbeat(self.name), json.dumps(self.describe()), px=ttl_ms)
                pipe.sadd(keys.WORKERS_SET, self.name)
                pipe.get(keys.WORKER_LEADER)
                leader = pipe.execute()[-1]
                if leader is not None and leader.decode() == self.name:
                    self.client.pexpire(keys.WORKER_LEADER, self._leader_ttl_ms)
                self.consumer.keep_alive(list(self._in_flight))
            except redis.RedisError as exc:
                logger.debug("heartbeat failed: %s", exc)

    def _loader_loop(self) -> None:
        while not self._stop.wait(self.settings.model_poll_s):
            self.load_if_promoted()

    def load_if_promoted(self) -> None:
        """Prepare a newly promoted version for the loop to swap in; keep serving the
        current one if the new one cannot load."""
        wanted = production_version(self.settings.models_path)
        if wanted == self._wanted_version or wanted is None:
            return
        try:
            logger.info("loading model %s", wanted)
            self._next_predictor = self._load_model(wanted)
        except NotExported as exc:
            logger.error("%s; keeping %s", exc, self._serving())
        except Exception:
            logger.exception("could not load model %s; keeping %s", wanted, self._serving())
        self._wanted_version = wanted  # tried once: a broken version is not retried in a loop

    def _swap_if_ready(self) -> None:
        if self._next_predictor is not None:
            old, self.predictor, self._next_predictor = self.predictor, self._next_predictor, None
            logger.info("switched model %s -> %s", old.name if old else None, self.predictor.name)

    def describe(self) -> dict[str, Any]:
        """What the heartbeat says about this worker (read by the API's /ready)."""
        return {
            "name": self.name,
            "pid": os.getpid(),
            "model_version": self._serving(),
            "runtime": self.predictor.runtime if self.predictor is not None else None,
            "trained": self.predictor is not None,
            "max_batch": self.settings.max_batch,
            "started_at": self.started_at,
        }

    def _serving(self) -> str | None:
        return self.predictor.name if self.predictor is not None else None


def _no_model(job_id: str) -> dict[str, Any]:
    return error_answer(job_id, "no_model", NO_MODEL_MESSAGE)


def _job_id(fields: dict[bytes, bytes]) -> str:
    return fields.get(b"id", b"").decode(errors="replace")


def _open_lock(path: Path | None) -> Any:
    if path is None:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "a+b")  # noqa: SIM115  (held for the process's lifetime)


def model_loader(settings: Settings) -> LoadModel:
    """Loads versions from the model volume as ONNX Runtime sessions (``SERVING_RUNTIME``)."""

    def load(version: str) -> FusedPredictor:
        path = version_path(settings.models_path, version)
        predictor = load_predictor(
            path, settings.serving_runtime, settings.image_engine, settings.inference_threads
        )
        predictor.warm_up()
        logger.info(
            "model %s ready: image branch %s in %s", version, predictor.runtime, predictor.engine
        )
        return predictor

    return load
