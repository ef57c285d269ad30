"""``make bench`` (part 3): Shelfwise against the simple design many Flask + Redis services use.

The simple design, kept minimal here: the API pushes each job onto a Redis list
and polls for its result key every 50 ms; each worker pops one job at a time
(``BRPOP``) and runs the Keras fp32 model on it alone, as that design was first
written. Shelfwise serves the same version (same weights and preprocessing) as it
does by default: the int8 image branch in OpenVINO. Same gunicorn settings.
Both designs get the same closed-loop load, image+text, at the same
concurrencies, with 2 workers each on this machine.

    python -m bench.naive            # both designs; bench/results/naive.{json,md}
    python -m bench.naive worker ... # one worker of the simple design (started by the benchmark)

Results: bench/results/naive.json and naive.md.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis

from bench.serving import (
    load_test,
    make_version,
    product_photos,
    run_setup,
    vgg16_weights,
    write_report,
)

QUEUE = "naive:jobs"
POLL_S = 0.05


def result_key(job_id: str) -> str:
    return f"naive:result:{job_id}"


def create_app(redis_url: str, timeout_s: float = 120.0):  # type: ignore[no-untyped-def]
    """The simple design's API: push the job, poll for its result every 50 ms."""
    from flask import Flask, jsonify, request

    app = Flask(__name__)
    client = redis.Redis.from_url(redis_url)

    @app.post("/predict")
    def predict():  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        job_id = uuid.uuid4().hex
        image = request.files.get("image")
        job = {
            "id": job_id,
            "designation": request.form.get("designation", ""),
            "image": base64.b64encode(image.read()).decode() if image else None,
        }
        client.lpush(QUEUE, json.dumps(job))
        deadline = started + timeout_s
        while time.perf_counter() < deadline:
            answer = client.get(result_key(job_id))
            if answer is not None:
                client.delete(result_key(job_id))
                body = json.loads(answer)
                body["latency_ms"] = 1000 * (time.perf_counter() - started)
                return jsonify(body)
            time.sleep(POLL_S)
        return jsonify({"error": {"code": "timeout", "message": job_id}}), 504

    return app


def worker(redis_url: str, models: Path, weights: str) -> None:
    """The simple design's worker: one job at a time, one forward pass each."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    from model_service.fusion import ProductInput
    from model_service.model import build_vgg16_base
    from model_service.predictor import Predictor
    from model_service.preprocessing import clean_text, load_image
    from model_service.version import load_version

    version = load_version(models / "v1")
    predictor = Predictor(version, build_vgg16_base(weights, version.params.image_size))
    predictor.warm_up()
    client = redis.Redis.from_url(redis_url)
    client.set(f"naive:ready:{os.getpid()}", 1)
    while True:
        _, raw = client.brpop([QUEUE])
        job = json.loads(raw)
        start = time.perf_counter()
        image = None
        if job["image"]:
            params = version.params
            image = load_image(
                base64.b64decode(job["image"]), size=params.image_size, framing=params.image_framing
            )
        probs = predictor.predict([ProductInput(clean_text(job["designation"]), image)])[0]
        inference_ms = 1000 * (time.perf_counter() - start)
        answer = {
            "prediction_id": job["id"],
            "category": int(probs.argmax()),
            "confidence": float(probs.max()),
            "timing": {"inference_ms": inference_ms},
        }
        client.set(result_key(job["id"]), json.dumps(answer), ex=3600)


def simple_design(workdir: Path, photos: list[bytes], runs: list[tuple[int, int]]) -> list[dict]:
    from common.local_redis import RedisServer, free_port

    models = workdir / "naive-models"
    make_version(models)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
    logs = open(workdir / "naive.log", "ab")  # noqa: SIM115
    with RedisServer() as server:
        port = free_port()
        api = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--worker-class",
                "gthread",
                "--workers",
                "2",
                "--threads",
                "64",
                "--bind",
                f"127.0.0.1:{port}",
                f"bench.naive:create_app(redis_url='{server.url}')",
            ],
            env=env,
            stdout=logs,
            stderr=subprocess.STDOUT,
        )
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "bench.naive", "worker", server.url, str(models)],
                env={**env, "VGG16_WEIGHTS": vgg16_weights()},
                stdout=logs,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        try:
            client = redis.Redis.from_url(server.url)
            deadline = time.monotonic() + 180
            while len(client.keys("naive:ready:*")) < len(workers):
                if time.monotonic() > deadline or any(w.poll() is not None for w in workers):
                    raise RuntimeError((workdir / "naive.log").read_text()[-3000:])
                time.sleep(0.5)
            url = f"http://127.0.0.1:{port}"
            load_test(url, 4, 16, photos)
            return [load_test(url, c, n, photos) for c, n in runs]
        finally:
            for process in [*workers, api]:
                process.terminate()
            for process in [*workers, api]:
                process.wait(timeout=30)


def our_design(workdir: Path, photos: list[bytes], runs: list[tuple[int, int]]) -> list[dict]:
    from bench.scaling import stack_env
    from scripts.stack import Stack

    stack = Stack(workdir / "ours", stack_env(workdir / "ours"))
    make_version(stack.models_dir)
    try:
        stack.start(2)
        load_test(stack.url, 4, 16, photos)
        return [load_test(stack.url, c, n, photos) for c, n in runs]
    finally:
        stack.stop()


def markdown(report: dict) -> str:
    lines = [
        f"# Shelfwise against the list + poll design ({report['machine']})",
        "",
        "Same version and weights, 2 workers each, gunicorn gthread 2×64 for both APIs; "
        "image+text, closed loop, no think time. Shelfwise serves its default (int8 image "
        "branch in OpenVINO); the simple design the Keras fp32 model.",
        "",
        "| concurrency | requests | design | throughput /s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for ours, simple in zip(report["shelfwise"], report["list_poll"], strict=True):
        for name, r in (
            ("Shelfwise (stream, batches, int8)", ours),
            ("list + 50 ms poll, Keras fp32", simple),
        ):
            lines.append(
                f"| {r['concurrency']} | {r['requests']} | {name} | {r['throughput_per_s']:.2f} "
                f"| {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['errors']} |"
            )
    lines += ["", "| concurrency | throughput, Shelfwise / simple | p99, Shelfwise / simple |"]
    lines += ["|---|---|---|"]
    for ours, simple in zip(report["shelfwise"], report["list_poll"], strict=True):
        speed = ours["throughput_per_s"] / simple["throughput_per_s"]
        tail = ours["p99_ms"] / simple["p99_ms"]
        lines.append(f"| {ours['concurrency']} | {speed:.2f}× | {tail:.2f}× |")
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1:2] == ["worker"]:
        worker(sys.argv[2], Path(sys.argv[3]), os.environ.get("VGG16_WEIGHTS", "random"))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    args = parser.parse_args()
    scale = 0.3 if args.quick else 1.0
    runs = [(1, int(30 * scale)), (8, int(80 * scale)), (32, int(160 * scale))]
    photos = product_photos(64)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        print("Shelfwise ...", flush=True)
        ours = our_design(workdir, photos, runs)
        print("list + poll ...", flush=True)
        simple = simple_design(workdir, photos, runs)
    report = {
        **run_setup(),
        "shelfwise": ours,
        "list_poll": simple,
    }
    write_report("naive", report, markdown(report))


if __name__ == "__main__":
    main()
