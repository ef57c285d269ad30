"""Metrics and the schedule of real processes: a model worker, two trainer workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from prometheus_client.parser import text_string_to_metric_families

from common.local_redis import RedisServer, free_port
from scripts.stack import Stack
from tests.factories import make_tiny_version

ROOT = Path(__file__).resolve().parents[2]


def scrape(port: int) -> tuple[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    """The /metrics text, and each sample's value by (name, sorted labels)."""
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    return text, samples


def wait_for(
    check: Callable[[], bool], what: str, processes: list[subprocess.Popen[bytes]]
) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if check():
            return
        for process in processes:
            assert process.poll() is None, f"{process.args} exited while waiting for {what}"
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def json_lines(path: Path) -> list[dict[str, Any]]:
    """The JSON log records of a process (TensorFlow's own start-up lines are not JSON)."""
    records = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- a model worker ---------------------------------------------------------------------


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path, {"PREDICT_ANONYMOUS": "true", "LOG_FORMAT": "json"})
    make_tiny_version(running.models_dir)
    yield running
    running.stop()


def test_a_model_worker_serves_its_batch_metrics(stack: Stack) -> None:
    port = free_port()
    stack.redis.start()
    stack.start_api()
    stack.start_worker("w0", METRICS_PORT=str(port))
    stack.wait_ready(1)
    for name in ("Piscine", "Livre", "Console"):
        answer = requests.post(f"{stack.url}/predict", json={"designation": name}, timeout=30)
        assert answer.status_code == 200, answer.text

    # The worker counts a batch before it answers: the metrics are complete by now.
    _, samples = scrape(port)
    batches = samples[("shelfwise_worker_batch_size_count", ())]
    assert samples[("shelfwise_worker_batch_size_sum", ())] == 3  # one job per prediction
    assert 1 <= batches <= 3
    assert samples[("shelfwise_worker_batch_size_bucket", (("le", "+Inf"),))] == batches
    assert samples[("shelfwise_worker_inference_seconds_count", ())] == batches
    assert samples[("shelfwise_worker_inference_seconds_sum", ())] > 0
    assert samples[("shelfwise_worker_preprocess_seconds_count", ())] == 3
    assert samples[("shelfwise_worker_model_info", (("version", "v1"),))] == 1


# --- two trainer workers on one Redis -------------------------------------------------


@pytest.fixture
def trainers(tmp_path: Path) -> Iterator[tuple[redis.Redis, list[dict[str, Any]]]]:
    server = RedisServer()
    server.start()
    started: list[dict[str, Any]] = []
    try:
        for i in range(2):
            port = free_port()
            env = {
                **os.environ,
                "REDIS_URL": server.url,
                # One database each: the schedule's slots live in Redis, not in the database.
                "VAR_DIR": str(tmp_path / f"var{i}"),
                "FEEDBACK_DIR": str(tmp_path / f"feedback{i}"),
                "DATA_DIR": str(tmp_path / "data"),
                "METRICS_PORT": str(port),
                "LOG_FORMAT": "json",
                "SCHEDULE_TICK_S": "0.1",
                "MONITOR_INTERVAL_S": "3600",
                "EVALUATION_INTERVAL_S": "3600",
                # Due every second: whoever takes it proves its schedule is ticking.
                "RETRAIN_INTERVAL_S": "1",
                "TF_INTRA_THREADS": "1",
                "TF_INTER_THREADS": "1",
                "PYTHONUNBUFFERED": "1",
            }
            log = tmp_path / f"trainer{i}.log"
            with open(log, "wb") as out:
                process = subprocess.Popen(
                    [sys.executable, "-m", "trainer", "worker"],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            started.append({"process": process, "port": port, "log": log})
        yield redis.Redis.from_url(server.url), started
    finally:
        stop([t["process"] for t in started])
        server.stop()


def test_two_trainers_run_each_due_task_once_and_serve_metrics(
    trainers: tuple[redis.Redis, list[dict[str, Any]]],
) -> None:
    client, started = trainers
    processes = [t["process"] for t in started]

    def ran_retrain_check(trainer: dict[str, Any]) -> bool:
        return any(
            r["message"].startswith("periodic retrain skipped") for r in json_lines(trainer["log"])
        )

    def finished_evaluations() -> float:
        total = 0.0
        for trainer in started:
            try:
                _, samples = scrape(trainer["port"])
            except requests.RequestException:
                return 0.0
            key = (
                "shelfwise_trainer_jobs_total",
                (("kind", "scheduled_evaluation"), ("outcome", "finished")),
            )
            total += samples.get(key, 0.0)
        return total

    # Each trainer has taken the every-second task at least once, so each has also
    # ticked past the hourly tasks; the queued evaluation has run on one of them.
    for trainer in started:
        wait_for(
            lambda t=trainer: ran_retrain_check(t), f"{trainer['log'].name} ticking", processes
        )
    wait_for(lambda: finished_evaluations() >= 1, "the scheduled evaluation", processes)

    records = [r for t in started for r in json_lines(t["log"])]
    due = [r["message"] for r in records if r["message"].startswith("scheduled task ")]
    assert sum(m.startswith("scheduled task monitor due") for m in due) == 1
    assert sum(m.startswith("scheduled task evaluate due") for m in due) == 1
    assert sum(m.startswith("scheduled task retrain due") for m in due) >= 2
    assert finished_evaluations() == 1

    jobs = [key.decode() for key in client.scan_iter("rq:job:*") if client.type(key) == b"hash"]
    assert len(jobs) == 1
    skipped = next(r for r in records if r["message"].startswith("scheduled evaluation skipped"))
    assert skipped["job_id"] == jobs[0].removeprefix("rq:job:")  # the job's lines name it

    for trainer in started:
        text, _ = scrape(trainer["port"])
        assert "# TYPE shelfwise_trainer_job_seconds histogram" in text
        assert "# TYPE shelfwise_trainer_jobs_total counter" in text
        assert "# TYPE shelfwise_last_evaluated_f1 gauge" in text
