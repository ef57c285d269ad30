"""Nothing accepted is lost: dead workers, warm shutdown, dead letters, Redis outages.

A worker is held "mid-batch" deterministically: it is started with an
inference lock file that the test holds, so it has read its batch but cannot
run the model until the test lets go.
"""

from __future__ import annotations

import fcntl
import signal
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
import requests

from common import keys
from common.schemas import PredictJob
from scripts.stack import Stack
from tests.factories import make_tiny_version
from tests.serving.conftest import start_stack
from tests.waiting import wait_for


@contextmanager
def held(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def pending_of(client: redis.Redis, consumer: str) -> int:
    for info in client.xinfo_consumers(keys.PREDICT_STREAM, keys.WORKER_GROUP):
        if info["name"].decode() == consumer:
            return int(info["pending"])
    return 0


def send_many(pool: ThreadPoolExecutor, stack: Stack, n: int) -> list[Future]:
    return [
        pool.submit(
            requests.post, f"{stack.url}/predict", data={"designation": f"produit {i}"}, timeout=60
        )
        for i in range(n)
    ]


@pytest.fixture
def locked_stack(tmp_path: Path) -> Iterator[tuple[Stack, Path]]:
    """A stack whose single worker w0 runs the model only when the test allows it."""
    lock = tmp_path / "inference.lock"
    lock.touch()
    stack = start_stack(tmp_path, workers=1, INFERENCE_LOCK=str(lock))
    yield stack, lock
    stack.stop()


def test_sigkill_mid_batch_jobs_are_answered_by_another_worker(
    locked_stack: tuple[Stack, Path],
) -> None:
    stack, lock = locked_stack
    client = redis.Redis.from_url(stack.redis.url)
    with ThreadPoolExecutor(8) as pool:
        with held(lock):
            futures = send_many(pool, stack, 8)
            held_jobs = wait_for(lambda: pending_of(client, "w0"), what="w0 to read a batch")
            stack.workers["w0"].kill()  # SIGKILL while the batch waits for the model
            stack.workers["w0"].wait()
        stack.start_worker("w1", INFERENCE_LOCK="")
        responses = [f.result() for f in futures]
    assert held_jobs >= 1
    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    assert client.xlen(keys.PREDICT_STREAM) == 0
    assert client.xpending(keys.PREDICT_STREAM, keys.WORKER_GROUP)["pending"] == 0


def test_sigterm_finishes_the_batch_before_exiting(locked_stack: tuple[Stack, Path]) -> None:
    stack, lock = locked_stack
    client = redis.Redis.from_url(stack.redis.url)
    worker = stack.workers["w0"]
    with ThreadPoolExecutor(6) as pool:
        with held(lock):
            futures = send_many(pool, stack, 6)
            wait_for(lambda: pending_of(client, "w0"), what="w0 to read a batch")
            worker.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            assert worker.poll() is None  # still holding its batch
        assert worker.wait(timeout=30) == 0
        assert "stopped" in stack.read_log("w0")
        stack.start_worker("w1", INFERENCE_LOCK="")  # takes what w0 had not read yet
        responses = [f.result() for f in futures]
    assert [r.status_code for r in responses] == [200] * 6
    assert client.xpending(keys.PREDICT_STREAM, keys.WORKER_GROUP)["pending"] == 0


def test_timeout_answers_504_and_the_late_answer_is_kept(tmp_path: Path) -> None:
    lock = tmp_path / "inference.lock"
    lock.touch()
    stack = start_stack(tmp_path, workers=1, INFERENCE_LOCK=str(lock), PREDICT_TIMEOUT_S="1")
    try:
        with held(lock):
            response = requests.post(
                f"{stack.url}/predict", data={"designation": "lent"}, timeout=30
            )
            assert response.status_code == 504
            error = response.json()["error"]
            assert error["code"] == "timeout"
            status_url = f"{stack.url}{error['status_url']}"
            assert requests.get(status_url, timeout=5).status_code == 202
        late = wait_for(
            lambda: (r := requests.get(status_url, timeout=5)).status_code == 200 and r,
            what="the late answer",
        )
        assert late.json()["prediction_id"] == error["prediction_id"]
    finally:
        stack.stop()


def test_backlog_over_the_limit_gets_503_with_retry_after(tmp_path: Path) -> None:
    lock = tmp_path / "inference.lock"
    lock.touch()
    stack = start_stack(tmp_path, workers=1, INFERENCE_LOCK=str(lock), BACKLOG_LIMIT="2")
    client = redis.Redis.from_url(stack.redis.url)
    try:
        with ThreadPoolExecutor(2) as pool:
            with held(lock):
                futures = send_many(pool, stack, 2)
                wait_for(lambda: client.xlen(keys.PREDICT_STREAM) == 2, what="a full backlog")
                shed = requests.post(f"{stack.url}/predict", data={"designation": "x"}, timeout=10)
            assert [f.result().status_code for f in futures] == [200, 200]
        assert shed.status_code == 503
        assert shed.json()["error"]["code"] == "overloaded"
        assert shed.headers["Retry-After"]
    finally:
        stack.stop()


def test_job_delivered_too_often_is_dead_lettered(stack: Stack) -> None:
    """A job that took down three consumers is answered with an error and set aside."""
    client = redis.Redis.from_url(stack.redis.url)
    job = PredictJob("poison-pill", designation="boom")
    # Park the job with consumers that will never answer, delivering it three times.
    client.xgroup_createconsumer(keys.PREDICT_STREAM, keys.WORKER_GROUP, "ghost")
    pipe = client.pipeline(transaction=True)
    pipe.xadd(keys.PREDICT_STREAM, job.to_fields())
    pipe.xreadgroup(keys.WORKER_GROUP, "ghost", {keys.PREDICT_STREAM: ">"}, count=1)
    entry_id = pipe.execute()[0]
    for _ in range(2):
        client.xclaim(keys.PREDICT_STREAM, keys.WORKER_GROUP, "ghost", 0, [entry_id])
    state = wait_for(lambda: client.get(keys.prediction("poison-pill")), what="dead-lettering")
    assert b'"delivery_limit"' in state
    dead = client.xrange(keys.DEAD_LETTER_STREAM)
    assert [fields[b"id"] for _, fields in dead] == [b"poison-pill"]
    assert dead[0][1][b"deliveries"] == b"4"
    assert client.xpending(keys.PREDICT_STREAM, keys.WORKER_GROUP)["pending"] == 0


def test_redis_down_gives_503_quickly_and_recovers_without_restarts(fresh_stack: Stack) -> None:
    stack = fresh_stack
    stack.redis.stop()
    response = requests.post(f"{stack.url}/predict", data={"designation": "x"}, timeout=15)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "broker_unavailable"
    ready = requests.get(f"{stack.url}/ready", timeout=15)
    assert ready.status_code == 503 and ready.json()["checks"]["redis"]["ok"] is False

    stack.redis.start()  # same port, empty: the group and scripts must come back by themselves

    def answered() -> bool:
        r = requests.post(f"{stack.url}/predict", data={"designation": "x"}, timeout=15)
        return r.status_code == 200

    wait_for(answered, timeout_s=30, what="recovery after Redis came back")
    assert stack.workers["w0"].poll() is None and stack.api is not None
    assert stack.api.poll() is None


def test_promoted_version_is_served_without_restart(stack: Stack) -> None:
    from common.model_store import set_production

    make_tiny_version(stack.models_dir, "v2", promote=False, seed=1)
    set_production(stack.models_dir, "v2")
    try:

        def serves_v2() -> bool:
            answers = [
                requests.post(f"{stack.url}/predict", data={"designation": "x"}, timeout=10).json()
                for _ in range(4)
            ]
            return all(a["model_version"] == "v2" for a in answers)

        wait_for(serves_v2, what="workers to switch to v2")
    finally:
        set_production(stack.models_dir, "v1")
        wait_for(
            lambda: (
                requests.get(f"{stack.url}/ready", timeout=5).json()["checks"]["model"]["versions"]
                == ["v1"]
            ),
            what="workers back on v1",
        )


def test_heartbeats_show_every_worker(stack: Stack) -> None:
    client = redis.Redis.from_url(stack.redis.url)
    names = {n.decode() for n in client.smembers(keys.WORKERS_SET)}
    assert names == {"w0", "w1"}
    assert all(client.exists(keys.heartbeat(n)) for n in names)
