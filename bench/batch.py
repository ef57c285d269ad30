"""``make bench`` (part 4): one request of 64 products against 64 concurrent single requests.

The same model (one version, the same VGG16 weights), the same stack (gunicorn API,
Redis, two model workers), the same 64 products (photo + title). Each round sends
them either as 64 ``POST /predict`` at once from 64 client threads, or as one
``POST /predict/batch``; rounds alternate so both see the same machine.
Throughput is products answered per second of wall time; p95 is over the
latencies a product sees (for the batch, the request's).

Results: bench/results/batch.json and batch.md.
"""

from __future__ import annotations

import argparse
import base64
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

from bench.serving import (
    TITLES,
    make_version,
    product_photos,
    run_setup,
    vgg16_weights,
    write_report,
)

PRODUCTS = 64


def singles(url: str, photos: list[bytes]) -> tuple[float, list[float], int]:
    """64 concurrent /predict: (wall seconds, per-product latencies, errors)."""

    def one(i: int) -> tuple[float, bool]:
        start = time.perf_counter()
        response = requests.post(
            f"{url}/predict",
            files={"image": ("p.jpg", photos[i], "image/jpeg")},
            data={"designation": TITLES[i % len(TITLES)]},
            timeout=300,
        )
        return time.perf_counter() - start, response.status_code == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(PRODUCTS) as pool:
        results = list(pool.map(one, range(PRODUCTS)))
    wall = time.perf_counter() - started
    return wall, [t for t, _ in results], sum(not ok for _, ok in results)


def batch(url: str, body: dict) -> tuple[float, list[float], int]:
    """One /predict/batch of 64: (wall seconds, the latency each product saw, errors)."""
    started = time.perf_counter()
    response = requests.post(f"{url}/predict/batch", json=body, timeout=300)
    wall = time.perf_counter() - started
    if response.status_code != 200:
        return wall, [], PRODUCTS
    results = response.json()["results"]
    errors = sum(r["status"] != "done" for r in results)
    return wall, [wall] * (PRODUCTS - errors), errors


def summary(walls: list[float], latencies: list[float], errors: int) -> dict[str, float]:
    ms = np.array(latencies) * 1000 if latencies else np.array([float("nan")])
    return {
        "rounds": len(walls),
        "products": PRODUCTS * len(walls),
        "errors": errors,
        "throughput_per_s": PRODUCTS * len(walls) / sum(walls),
        "wall_median_s": statistics.median(walls),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
    }


def run(workdir: Path, rounds: int, workers: int) -> dict[str, dict[str, float]]:
    from scripts.stack import Stack, machine_env

    photos = product_photos(PRODUCTS)
    body = {
        "products": [
            {
                "ref": f"p{i}",
                "designation": TITLES[i % len(TITLES)],
                "image_base64": base64.b64encode(photo).decode(),
            }
            for i, photo in enumerate(photos)
        ]
    }
    stack = Stack(
        workdir,
        {
            **machine_env(workdir, vgg16_weights(), predict_timeout_s=300),
            "PREDICT_ANONYMOUS": "true",
            "MAX_UPLOAD_MB": "64",
        },
    )
    make_version(stack.models_dir)
    measured: dict[str, tuple[list[float], list[float], list[int]]] = {
        "64 concurrent /predict": ([], [], []),
        "one /predict/batch of 64": ([], [], []),
    }
    try:
        stack.start(workers)
        batch(stack.url, body)  # warm the API threads and both workers
        for _ in range(rounds):
            for name, send in (
                ("64 concurrent /predict", lambda: singles(stack.url, photos)),
                ("one /predict/batch of 64", lambda: batch(stack.url, body)),
            ):
                wall, latencies, errors = send()
                walls, all_latencies, all_errors = measured[name]
                walls.append(wall)
                all_latencies.extend(latencies)
                all_errors.append(errors)
                print(f"{name}: {wall:.1f} s, {errors} errors", flush=True)
    finally:
        stack.stop()
    return {name: summary(w, lat, sum(e)) for name, (w, lat, e) in measured.items()}


def markdown(report: dict) -> str:
    lines = [
        f"# 64 products: one batch against 64 concurrent requests ({report['machine']})",
        "",
        f"{report['workers']} model workers, the same full-size version; VGG16 weights: "
        f"{report['vgg16']}; image + title per product; {report['rounds']} rounds each, "
        "alternating.",
        "",
        "| how | products | errors | throughput /s | wall per 64, median s | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in report["runs"].items():
        lines.append(
            f"| {name} | {r['products']} | {r['errors']} | {r['throughput_per_s']:.2f} | "
            f"{r['wall_median_s']:.1f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round (a smoke run)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    with tempfile.TemporaryDirectory() as tmp:
        runs = run(Path(tmp), rounds, args.workers)
    report = {**run_setup(), "workers": args.workers, "rounds": rounds, "runs": runs}
    write_report("batch", report, markdown(report))


if __name__ == "__main__":
    main()
