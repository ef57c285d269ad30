"""``make bench`` (part 2): how the served path scales with model workers on this machine.

1. Throughput and latency of image+text predictions with 1 and 2 model workers
   (the same closed-loop load), and each worker's resident memory (RSS).
2. The cost of one request outside the model: the real stack with a worker whose
   model does nothing (bench.noop_worker): latency at concurrency 1, the most
   requests per second the rest of the service sustains, and CPU milliseconds
   spent per request by the API, Redis and the worker together.

Results: bench/results/scaling.json and scaling.md.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import psutil

from bench.serving import (
    load_test,
    make_version,
    product_photos,
    run_setup,
    vgg16_weights,
    write_report,
)
from scripts.stack import Stack, machine_env


def stack_env(workdir: Path) -> dict[str, str]:
    """The settings `make run` uses on one machine: workers take turns at inference."""
    return {
        **machine_env(workdir, vgg16_weights(), predict_timeout_s=120),
        "PREDICT_ANONYMOUS": "true",
        "BACKLOG_LIMIT": "100000",
    }


def processes(stack: Stack) -> dict[str, list[psutil.Process]]:
    assert stack.api is not None and stack.redis.process is not None
    api = psutil.Process(stack.api.pid)
    return {
        "api": [api, *api.children(recursive=True)],
        "workers": [psutil.Process(p.pid) for p in stack.workers.values()],
        "redis": [psutil.Process(stack.redis.process.pid)],
    }


def cpu_seconds(procs: dict[str, list[psutil.Process]]) -> float:
    total = 0.0
    for group in procs.values():
        for proc in group:
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def rss_mb(procs: list[psutil.Process]) -> list[float]:
    return [proc.memory_info().rss / 2**20 for proc in procs]


def with_workers(workdir: Path, workers: int, photos: list[bytes], n: int) -> dict:
    stack = Stack(workdir / f"n{workers}", stack_env(workdir / f"n{workers}"))
    make_version(stack.models_dir)
    try:
        stack.start(workers)
        load_test(stack.url, 4, 16, photos)  # warm every process
        result = load_test(stack.url, 16, n, photos)
        procs = processes(stack)
        result["worker_rss_mb"] = rss_mb(procs["workers"])
        result["api_rss_mb"] = sum(rss_mb(procs["api"]))
        return result
    finally:
        stack.stop()


def outside_the_model(workdir: Path, photos: list[bytes], scale: float) -> dict:
    stack = Stack(workdir / "noop", stack_env(workdir / "noop"))
    try:
        stack.start(2, module="bench.noop_worker")
        load_test(stack.url, 4, 40, photos)
        out: dict[str, dict] = {}
        for kind, pics in (("text", None), ("image+text", photos)):
            c1 = load_test(stack.url, 1, int(200 * scale), pics)
            procs = processes(stack)
            before = cpu_seconds(procs)
            c32 = load_test(stack.url, 32, int(1500 * scale), pics)
            used = cpu_seconds(procs) - before
            out[kind] = {
                "c1_p50_ms": c1["p50_ms"],
                "c1_p99_ms": c1["p99_ms"],
                "c32_throughput_per_s": c32["throughput_per_s"],
                "c32_p99_ms": c32["p99_ms"],
                "cpu_ms_per_request": 1000 * used / c32["requests"],
                "errors": c1["errors"] + c32["errors"],
            }
        return out
    finally:
        stack.stop()


def markdown(report: dict) -> str:
    lines = [
        f"# Scaling benchmark ({report['machine']})",
        "",
        f"Image+text predictions, concurrency 16, {report['requests']} requests per run; "
        f"VGG16 weights: {report['vgg16']}; workers take turns at inference (INFERENCE_LOCK).",
        "",
        "| model workers | throughput /s | p50 ms | p99 ms | errors | RSS per worker MB "
        "| API RSS MB (master + 2 processes) |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, r in report["workers"].items():
        rss = " / ".join(f"{m:.0f}" for m in r["worker_rss_mb"])
        lines.append(
            f"| {n} | {r['throughput_per_s']:.2f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} "
            f"| {r['errors']} | {rss} | {r['api_rss_mb']:.0f} |"
        )
    lines += [
        "",
        "## Outside the model (2 workers whose model does nothing)",
        "",
        "| input | p50 / p99 at c=1 ms | throughput at c=32 /s | p99 at c=32 ms "
        "| CPU ms per request (API + Redis + worker) | errors |",
        "|---|---|---|---|---|---|",
    ]
    for kind, r in report["outside_the_model"].items():
        lines.append(
            f"| {kind} | {r['c1_p50_ms']:.1f} / {r['c1_p99_ms']:.1f} "
            f"| {r['c32_throughput_per_s']:.0f} | {r['c32_p99_ms']:.0f} "
            f"| {r['cpu_ms_per_request']:.1f} | {r['errors']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (a smoke run)")
    args = parser.parse_args()
    scale = 0.3 if args.quick else 1.0
    requests_per_run = int(120 * scale)
    photos = product_photos(64)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        report = {
            **run_setup(),
            "requests": requests_per_run,
            "workers": {},
            "outside_the_model": {},
        }
        for workers in (1, 2):
            print(f"{workers} worker(s) ...", flush=True)
            report["workers"][str(workers)] = with_workers(
                workdir, workers, photos, requests_per_run
            )
        print("no-op model ...", flush=True)
        report["outside_the_model"] = outside_the_model(workdir, photos, scale)
    write_report("scaling", report, markdown(report))


if __name__ == "__main__":
    main()
