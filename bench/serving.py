"""``make bench``: the model's cost in process, and what serving adds to it.

1. In process: the fusion model called directly (compiled graphs): latency at
   batch 1, throughput at batch 1/8/32, the text branch alone at batch 1.
2. Served: the real stack (gunicorn API, Redis, two model workers) under
   concurrency 1/8/32, image+text and text only: p50/p95/p99 and throughput.
3. Ratios served / in process, against the targets.

Results: bench/results/serving.json and serving.md. Real VGG16 weights and
Rakuten photos are used when ../shared has them (the cost is the same either way).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
RESULTS = ROOT / "bench" / "results"


def vgg16_weights() -> str:
    path = SHARED / "weights" / "vgg16_notop.h5"
    return str(path) if path.is_file() else "random"


def product_photos(n: int) -> list[bytes]:
    folder = SHARED / "data" / "rakuten" / "images"
    if folder.is_dir():
        return [p.read_bytes() for p in sorted(folder.glob("*.jpg"))[:n]]
    import io

    from PIL import Image

    photos = []
    for seed in range(n):
        pixels = np.random.default_rng(seed).integers(0, 255, (500, 500, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format="JPEG", quality=85)
        photos.append(out.getvalue())
    return photos


TITLES = [
    "Piscine tubulaire ronde 3,66 m x 0,76 m avec pompe de filtration",
    "Harry Potter à l'école des sorciers - édition collector illustrée",
    "Manette sans fil pour console de jeu, vibrations, bluetooth",
    "Figurine Dragon Ball Z Goku Super Saiyan 18 cm PVC",
    "Lot de 4 chaises de jardin empilables en résine tressée",
]


def run_setup() -> dict[str, str]:
    """What a result depends on besides the code: the machine and the VGG16 weights."""
    return {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "vgg16": "ImageNet file" if vgg16_weights() != "random" else "random init",
    }


def write_report(name: str, report: dict, markdown: str) -> None:
    """``bench/results/<name>.json`` and ``.md``; the markdown is printed too."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2))
    (RESULTS / f"{name}.md").write_text(markdown)
    print(markdown)


def make_version(models_dir: Path) -> str:
    """A full-size version with untrained heads: the cost does not depend on training."""
    from common.model_store import set_production
    from model_service.model import ModelParams, build_image_head, build_text_model
    from model_service.preprocessing import TextEncoder
    from model_service.version import ModelVersion, save_version

    params = ModelParams()
    encoder = TextEncoder([f"tok{i}" for i in range(params.vocab_size - 2)])
    version = ModelVersion(
        "v1", params, encoder, build_text_model(params), build_image_head(params), 0.5
    )
    save_version(models_dir, version)
    set_production(models_dir, "v1")
    return json.dumps(params.to_dict())


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def in_process(models_dir: Path, photos: list[bytes], repeat: int) -> dict[str, float]:
    from model_service.model import build_vgg16_base
    from model_service.predictor import Predictor, ProductInput
    from model_service.preprocessing import clean_text, load_image
    from model_service.version import load_version

    predictor = Predictor(load_version(models_dir / "v1"), build_vgg16_base(vgg16_weights()))
    predictor.warm_up()
    images = [load_image(p) for p in photos]
    items = [
        ProductInput(clean_text(TITLES[i % len(TITLES)]), images[i % len(images)])
        for i in range(32)
    ]
    result: dict[str, float] = {}
    predictor.predict(items[:1])
    result["fusion_b1_ms"] = 1000 * statistics.median(
        timed(lambda: predictor.predict(items[:1]), repeat)
    )
    for batch in (1, 8, 32):
        predictor.predict(items[:batch])
        seconds = timed(lambda b=batch: predictor.predict(items[:b]), max(3, repeat // batch))
        result[f"fusion_b{batch}_per_s"] = batch / statistics.median(seconds)
    text = [item.text for item in items[:1]]
    predictor.text_probs(text)
    result["text_b1_ms"] = 1000 * statistics.median(
        timed(lambda: predictor.text_probs(text), repeat)
    )
    return result


def load_test(
    url: str, concurrency: int, requests_total: int, photos: list[bytes] | None
) -> dict[str, float]:
    """``requests_total`` predictions from ``concurrency`` client threads, no think time."""
    latencies: list[float] = []
    outside_model: list[float] = []  # the answer's latency_ms minus its own inference_ms
    errors = 0
    first_error: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests_total))
    local = threading.local()

    def client() -> None:
        nonlocal errors
        local.session = requests.Session()
        for i in counter:
            files = None
            if photos:
                files = {"image": ("p.jpg", photos[i % len(photos)], "image/jpeg")}
            start = time.perf_counter()
            response = local.session.post(
                f"{url}/predict",
                files=files,
                timeout=60,
                data={"designation": TITLES[i % len(TITLES)]},
            )
            elapsed = time.perf_counter() - start
            with lock:
                if response.status_code == 200:
                    latencies.append(elapsed)
                    body = response.json()
                    outside_model.append(body["latency_ms"] - body["timing"]["inference_ms"])
                else:
                    errors += 1
                    first_error[:] = first_error or [f"{response.status_code} {response.text}"]

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(client)
    wall = time.perf_counter() - started
    if not latencies:
        raise RuntimeError(f"every request failed, e.g. {first_error[0][:300]}")
    ms = np.array(latencies) * 1000
    return {
        "concurrency": concurrency,
        "requests": requests_total,
        "errors": errors,
        "throughput_per_s": len(latencies) / wall,
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "outside_model_p50_ms": float(np.median(outside_model)),
    }


def served(
    workdir: Path, photos: list[bytes], scale: float, workers: int
) -> dict[str, list[dict[str, float]]]:
    from scripts.stack import Stack, machine_env

    # The predict path itself is measured: anonymous clients, no token checks.
    stack = Stack(
        workdir,
        {
            **machine_env(workdir, vgg16_weights(), predict_timeout_s=60),
            "PREDICT_ANONYMOUS": "true",
        },
    )
    try:
        stack.start(workers)
        load_test(stack.url, 4, 16, photos)  # warm the API threads and both workers
        out: dict[str, list[dict[str, float]]] = {"image+text": [], "text": []}
        for concurrency in (1, 8, 32):
            n = int(max(concurrency * 6, 30) * scale)
            out["image+text"].append(load_test(stack.url, concurrency, n, photos))
            out["text"].append(load_test(stack.url, concurrency, n * 4, None))
        return out
    finally:
        stack.stop()


def markdown(report: dict) -> str:
    ip = report["in_process"]
    lines = [
        f"# Serving benchmark ({report['machine']})",
        "",
        f"Model: {report['model_params']}; VGG16 weights: {report['vgg16']}.",
        "",
        "## In process (the model called directly)",
        "",
        "| measure | value |",
        "|---|---|",
        f"| fusion latency, batch 1 | {ip['fusion_b1_ms']:.1f} ms |",
        *(
            f"| fusion throughput, batch {b} | {ip[f'fusion_b{b}_per_s']:.1f} products/s |"
            for b in (1, 8, 32)
        ),
        f"| text branch latency, batch 1 | {ip['text_b1_ms']:.1f} ms |",
        "",
        f"## Served (HTTP + Redis, {report['workers']} model workers)",
        "",
        "| input | concurrency | requests | errors | throughput /s | p50 ms | p95 ms | p99 ms "
        "| outside the model, p50 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, rows in report["served"].items():
        lines += [
            f"| {kind} | {r['concurrency']} | {r['requests']} | {r['errors']} | "
            f"{r['throughput_per_s']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['outside_model_p50_ms']:.1f} |"
            for r in rows
        ]
    lines += ["", "## Served against in process", "", "| ratio | value | target |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {target} |" for name, value, target in report["ratios"]]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="request counts multiplier")
    parser.add_argument("--repeat", type=int, default=30, help="in-process repetitions")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    photos = product_photos(64)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        models = workdir / "var" / "models"
        params = make_version(models)
        print("in process ...", flush=True)
        ip = in_process(models, photos, args.repeat)
        print(json.dumps(ip, indent=1), flush=True)
        print("served ...", flush=True)
        sv = served(workdir, photos, args.scale, args.workers)

    best = max(ip["fusion_b8_per_s"], ip["fusion_b32_per_s"])
    c32 = sv["image+text"][-1]["throughput_per_s"]
    p50_it, p50_t = sv["image+text"][0]["p50_ms"], sv["text"][0]["p50_ms"]
    ratios = [
        ("served throughput at c=32 / best in-process batched", f"{c32 / best:.2f}", ">= 0.90"),
        (
            "p50 at c=1 - in-process batch-1 latency, image+text",
            f"{p50_it - ip['fusion_b1_ms']:+.1f} ms",
            "<= +15 ms",
        ),
        (
            "p50 at c=1 - in-process text branch batch-1, text only",
            f"{p50_t - ip['text_b1_ms']:+.1f} ms",
            "<= +15 ms",
        ),
        (
            "cost outside the model at c=1 (latency_ms - the worker's own inference_ms), "
            "image+text / text",
            f"{sv['image+text'][0]['outside_model_p50_ms']:.1f} ms / "
            f"{sv['text'][0]['outside_model_p50_ms']:.1f} ms",
            "<= 15 ms",
        ),
    ]
    report = {
        **run_setup(),
        "model_params": params,
        "workers": args.workers,
        "in_process": ip,
        "served": sv,
        "ratios": ratios,
    }
    write_report("serving", report, markdown(report))


if __name__ == "__main__":
    main()
