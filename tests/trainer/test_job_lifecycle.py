"""How admin jobs end and hold the training slot, on a real Redis with rq's SimpleWorker:
import retries and staged uploads, the callbacks' installed settings, the slot's
liveness beat and the eviction of a holder whose trainer died."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import select

from common import job_events, keys
from common.job_queue import (
    CLAIM_GRACE_S,
    IMPORT_RETRIES,
    enqueue_job,
    enqueue_retrain,
    training_slot_ttl,
)
from common.orm import Event
from common.settings import Settings
from trainer import context, job_control
from trainer.context import TrainerContext


@pytest.fixture
def ctx(settings: Settings, redis_client: redis.Redis) -> Iterator[TrainerContext]:
    """What `python -m trainer worker` installs, with a short liveness TTL."""
    found = context.build_context(settings.model_copy(update={"job_alive_ttl_s": 2}))
    context.install(found)
    yield found
    context.install(None)


def _staged(settings: Settings, name: str) -> Path:
    path = settings.uploads_path / name
    path.mkdir(parents=True)
    (path / "products.csv").write_text("not,a,layout\n")
    return path


def _events(ctx: TrainerContext, job_id: str) -> list[tuple[str, str]]:
    with ctx.sessions() as session:
        found = session.scalars(select(Event).where(Event.subject == job_id).order_by(Event.id))
        return [(e.level, e.message) for e in found]


def _queued_import(
    ctx: TrainerContext, redis_client: redis.Redis, name: str
) -> tuple[Path, Queue, Job]:
    """An import of a staged upload, queued as the API queues one (no worker yet)."""
    staging = _staged(ctx.settings, name)
    queue = Queue(ctx.settings.training_queue, connection=redis_client)
    job = enqueue_job(
        queue, ctx.settings, "import", {"path": str(staging)}, "root",
        timeout_s=60, meta={"staging": str(staging)},
    )  # fmt: skip
    return staging, queue, job


def test_a_failed_import_keeps_its_upload_until_its_last_run(ctx, redis_client):
    staging, queue, job = _queued_import(ctx, redis_client, "upload-1")
    SimpleWorker([queue], connection=redis_client).work(burst=True, max_jobs=1)
    assert job.get_status(refresh=True) == JobStatus.QUEUED  # queued again
    assert staging.is_dir()
    assert [level for level, _ in _events(ctx, job.id)] == ["warning"]

    SimpleWorker([queue], connection=redis_client).work(burst=True)
    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert job.retries_left == 0
    assert not staging.exists()
    events = _events(ctx, job.id)
    assert [level for level, _ in events] == ["warning"] * IMPORT_RETRIES + ["error"]
    assert "queued again" in events[0][1] and "queued again" not in events[-1][1]


def test_a_canceled_import_is_not_run_again(ctx, redis_client):
    staging, queue, job = _queued_import(ctx, redis_client, "upload-2")
    redis_client.set(keys.job_cancel(job.id), "root")

    SimpleWorker([queue], connection=redis_client).work(burst=True)

    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert "JobCanceled" in job.latest_result().exc_string
    assert not staging.exists()
    assert [level for level, _ in _events(ctx, job.id)] == ["error"]


def test_job_ends_are_recorded_with_the_installed_settings(
    ctx, redis_client, tmp_path, monkeypatch
):
    # The environment names another state directory; the installed settings decide.
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "elsewhere"))
    ours = _staged(ctx.settings, "upload-3")
    foreign = tmp_path / "elsewhere" / "uploads" / "upload-4"
    foreign.mkdir(parents=True)
    queue = Queue(ctx.settings.training_queue, connection=redis_client)
    jobs = [
        enqueue_job(
            queue,
            ctx.settings,
            "evaluate",
            {},
            "root",
            timeout_s=60,
            meta={"staging": str(path)},
        )  # fmt: skip
        for path in (ours, foreign)
    ]

    for job in jobs:
        job_events.on_success(job, redis_client, {"f1_weighted": 0.9})

    assert not ours.exists()
    assert foreign.is_dir()  # outside the installed uploads directory: not ours to remove
    assert _events(ctx, jobs[0].id) == [
        ("info", f"evaluate job {jobs[0].id} finished: f1_weighted=0.9")
    ]


def test_a_retrain_beat_keeps_its_own_slot_and_no_other(ctx, redis_client):
    settings = ctx.settings
    redis_client.set(keys.TRAINING_LOCK, "ours", ex=30)

    job_control.beat(redis_client, "ours", settings, training=True)
    assert redis_client.ttl(keys.TRAINING_LOCK) > 30
    assert redis_client.ttl(keys.TRAINING_LOCK) <= training_slot_ttl(settings)
    assert redis_client.exists(keys.job_alive("ours"))

    redis_client.set(keys.TRAINING_LOCK, "theirs", ex=30)
    job_control.beat(redis_client, "ours", settings, training=True)
    assert redis_client.get(keys.TRAINING_LOCK) == b"theirs"
    assert redis_client.ttl(keys.TRAINING_LOCK) <= 30

    redis_client.set(keys.TRAINING_LOCK, "evaluation", ex=30)
    job_control.beat(redis_client, "evaluation", settings, training=False)
    assert redis_client.ttl(keys.TRAINING_LOCK) <= 30  # only a retrain holds the slot


def test_the_beat_thread_refreshes_the_slot_of_a_running_retrain(ctx, redis_client):
    redis_client.set(keys.TRAINING_LOCK, "ours", ex=30)
    stop = threading.Event()
    stop.set()  # one beat, then the thread ends
    job_control._beat(redis_client, "ours", ctx.settings, True, stop)
    assert redis_client.ttl(keys.TRAINING_LOCK) > 30


def _started_long_ago(ctx: TrainerContext, job_id: str) -> Job:
    """``job_id`` as a worker leaves it when it dies mid-run: started, never ended."""
    connection = ctx.redis
    assert connection is not None
    queue = Queue(ctx.settings.training_queue, connection=connection)
    job = Job.fetch(job_id, connection=connection)
    queue.remove(job)  # the worker took it off the queue
    job.started_at = datetime.now(UTC) - timedelta(seconds=10)  # five liveness TTLs ago
    job.save()
    job.set_status(JobStatus.STARTED)
    registry = StartedJobRegistry(job.origin, connection=connection)
    connection.zadd(registry.key, {f"{job.id}:execution": datetime.now(UTC).timestamp() + 600})
    return job


def test_the_schedule_evicts_a_retrain_whose_trainer_died(ctx, redis_client):
    dead = enqueue_retrain(ctx.settings, redis_client, ctx.sessions, "periodic: 500 new")
    assert dead is not None
    _started_long_ago(ctx, dead)

    fresh = enqueue_retrain(ctx.settings, redis_client, ctx.sessions, "periodic: 600 new")

    assert fresh is not None and fresh != dead
    assert redis_client.get(keys.TRAINING_LOCK) == fresh.encode()
    assert Job.fetch(dead, connection=redis_client).get_status() == JobStatus.FAILED
    assert Queue(ctx.settings.training_queue, connection=redis_client).job_ids == [fresh]
    assert any("AbandonedJobError" in message for _, message in _events(ctx, dead))


def test_the_schedule_leaves_a_running_retrain_alone(ctx, redis_client):
    running = enqueue_retrain(ctx.settings, redis_client, ctx.sessions, "periodic: 500 new")
    assert running is not None
    _started_long_ago(ctx, running)
    job_control.beat(redis_client, running, ctx.settings, training=True)  # its trainer lives

    assert enqueue_retrain(ctx.settings, redis_client, ctx.sessions, "alert") is None
    assert redis_client.get(keys.TRAINING_LOCK) == running.encode()
    assert Job.fetch(running, connection=redis_client).get_status() == JobStatus.STARTED


def test_a_slot_claimed_for_a_job_not_queued_yet_is_kept_for_a_while(ctx, redis_client):
    # The claimer takes the slot, then queues its job: in between, the job does not exist.
    redis_client.set(keys.TRAINING_LOCK, "being-queued", ex=training_slot_ttl(ctx.settings))
    assert enqueue_retrain(ctx.settings, redis_client, ctx.sessions, "alert") is None
    assert redis_client.get(keys.TRAINING_LOCK) == b"being-queued"

    # A claimer that died before queueing its job: after the grace, the slot is free again.
    redis_client.expire(keys.TRAINING_LOCK, training_slot_ttl(ctx.settings) - CLAIM_GRACE_S - 1)
    fresh = enqueue_retrain(ctx.settings, redis_client, ctx.sessions, "alert")
    assert fresh is not None and redis_client.get(keys.TRAINING_LOCK) == fresh.encode()
