"""``make bench``: the model's cost in process, and what serving adds to it.

1. In process, one table: the image branch in Keras fp32 (the reference), ONNX
   Runtime fp32 and int8 at batch 1/8/32; the text branch in Keras and ONNX; the
   fused model as served. A worker's start time and memory, Keras against ONNX.
2. Served: the real stack (gunicorn API, Redis, two int8 model workers) under
   concurrency 1/8/32, image+text and text only: p50/p95/p99 and throughput.
3. The ratios against their targets.

Results: bench/results/serving.json and serving.md. Real VGG16 weights and
Rakuten photos are used when ../shared has them (the cost is the same either way).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

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


BENCH_VERSIONS = ROOT / "var" / "bench"
"""Exported full-size versions, kept between runs: an export costs about a minute."""


def make_version(models_dir: Path, trained: Path | None = None) -> str:
    """``models_dir/v1``, in production: the production version of the model directory
    ``trained`` (exported), or a full-size version with untrained heads, exported to
    ONNX: the cost does not depend on training, agreement between runtimes does.
    int8 is calibrated on product photos; the gate's verdict is not the point here
    (benchmarks name the runtime they serve)."""
    import shutil

    from common.model_store import production_version, set_production
    from model_service.runtime import read_serving

    if trained is not None:
        version = production_version(trained)
        if version is None:
            raise SystemExit(f"{trained} has no production version")
        read_serving(trained / version)  # exported, or say how to export it
        shutil.copytree(trained / version, models_dir / "v1")
        set_production(models_dir, "v1")
        return f"trained version {version} of {trained}"

    params = full_params()
    cached = BENCH_VERSIONS / f"{weights_tag()}-{hash_text(params)}" / "v1"
    if not (cached / "serving.json").is_file():
        shutil.rmtree(cached.parent, ignore_errors=True)
        export_full_version(cached.parent)
    shutil.copytree(cached, models_dir / "v1")
    set_production(models_dir, "v1")
    return f"full-size version with untrained heads: {params}"


def full_params() -> str:
    from model_service.params import ModelParams

    return json.dumps(ModelParams().to_dict())


def weights_tag() -> str:
    return "imagenet" if vgg16_weights() != "random" else "random"


def hash_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:12]


def export_full_version(models_dir: Path) -> None:
    import keras

    from model_service.fusion import ProductInput
    from model_service.model import (
        ModelParams,
        build_image_head,
        build_text_model,
    )
    from model_service.preprocessing import TextEncoder, clean_text, load_image
    from model_service.version import ModelVersion, save_version
    from trainer.backbone import cached_backbone
    from trainer.export import GateSet, export_version

    keras.utils.set_random_seed(0)
    params = ModelParams()
    encoder = TextEncoder([f"tok{i}" for i in range(params.vocab_size - 2)])
    version = ModelVersion(
        "v1", params, encoder, build_text_model(params), build_image_head(params), 0.5
    )
    path = save_version(models_dir, version)
    images = np.stack([load_image(p) for p in product_photos(96)])
    items = [ProductInput(clean_text(TITLES[i % len(TITLES)]), images[64 + i]) for i in range(32)]
    labels = np.arange(len(items)) % params.num_classes
    backbone = cached_backbone(models_dir / "backbones", params, vgg16_weights(), images[:64])
    export_version(path, version, backbone, GateSet(items, labels))


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


BATCHES = (1, 8, 32)
SERVED = "openvino int8"
"""What a worker runs by default: the int8 image branch in OpenVINO."""


def rate(fn, batch: int, repeat: int) -> float:  # type: ignore[no-untyped-def]
    """Items per second at ``batch`` (median of repeated calls, after one warm call)."""
    fn()
    return batch / statistics.median(timed(fn, max(3, repeat // batch)))


def in_process(models_dir: Path, photos: list[bytes], repeat: int) -> dict[str, Any]:
    """Each runtime called directly on the same photos and texts: Keras fp32 (the reference),
    ONNX Runtime fp32 and int8 for the image branch; Keras and ONNX for the text branch;
    the fused model as served (int8) on image+text products."""
    from model_service.fusion import ProductInput
    from model_service.model import build_vgg16_base
    from model_service.predictor import Predictor
    from model_service.preprocessing import clean_text, load_image, vgg16_input
    from model_service.runtime import ENGINES, IMAGE_FILES, OnnxPredictor, compile_model
    from model_service.version import load_version

    path = models_dir / "v1"
    predictors = {
        "keras fp32": Predictor(load_version(path), build_vgg16_base(vgg16_weights())),
        **{
            f"{engine} {runtime}": OnnxPredictor(path, runtime, engine)
            for engine in ENGINES
            for runtime in ("fp32", "int8")
        },
    }
    images = np.stack([load_image(photos[i % len(photos)]) for i in range(32)])
    texts = [clean_text(TITLES[i % len(TITLES)]) for i in range(32)]
    items = [ProductInput(t, image) for t, image in zip(texts, images, strict=True)]
    # bf16 needs no calibration: the fp32 file, its float layers run in bf16 by OpenVINO.
    bf16 = compile_model(path / IMAGE_FILES["fp32"], "openvino", precision="bf16")
    image_models = {name: p.image_probs for name, p in predictors.items()}
    image_models["openvino bf16"] = lambda x: bf16(vgg16_input(x))
    image: dict[str, dict[str, float]] = {}
    for name, run in image_models.items():
        row = {"b1_ms": 1000 / rate(lambda r=run: r(images[:1]), 1, repeat)}
        for b in BATCHES:
            row[f"b{b}_per_s"] = rate(lambda r=run, b=b: r(images[:b]), b, repeat)
        image[name] = row
    reference = predictors["keras fp32"].image_probs(images)
    for name, run in image_models.items():  # same top answer as Keras fp32, on 32 photos
        image[name]["agreement"] = float(np.mean(run(images).argmax(1) == reference.argmax(1)))
    text = {
        name: {
            "b1_ms": 1000 / rate(lambda p=predictor: p.text_probs(texts[:1]), 1, repeat),
            "b32_per_s": rate(lambda p=predictor: p.text_probs(texts), 32, repeat),
        }
        for name, predictor in predictors.items()
        if name in ("keras fp32", "onnxruntime fp32")  # every engine's text runs in ORT
    }
    served = predictors[SERVED]
    fused = {"b1_ms": 1000 / rate(lambda: served.predict(items[:1]), 1, repeat)}
    for b in BATCHES:
        fused[f"b{b}_per_s"] = rate(lambda b=b: served.predict(items[:b]), b, repeat)
    return {"image": image, "text": text, "fused_int8": fused}


WORKER_START = """
import os, sys, time, psutil
from pathlib import Path
start = time.perf_counter()
runtime = sys.argv[2]
if runtime == "keras":
    from model_service.model import build_vgg16_base
    from model_service.predictor import Predictor
    from model_service.version import load_version
    p = Predictor(load_version(Path(sys.argv[1])), build_vgg16_base(os.environ["VGG16_WEIGHTS"]))
else:
    from model_service.runtime import OnnxPredictor
    p = OnnxPredictor(Path(sys.argv[1]), runtime)
p.warm_up()
tf = any(m.startswith(("tensorflow", "keras")) for m in sys.modules)
print(time.perf_counter() - start, psutil.Process().memory_info().rss / 2**20, tf)
"""


def worker_start(models_dir: Path) -> dict[str, dict[str, float | bool]]:
    """Seconds from a fresh interpreter to a warmed-up model, and its resident memory."""
    out: dict[str, dict[str, float | bool]] = {}
    for runtime in ("keras", "int8"):
        done = subprocess.run(
            [sys.executable, "-c", WORKER_START, str(models_dir / "v1"), runtime],
            capture_output=True, text=True, check=True, cwd=ROOT,
            env={**os.environ, "VGG16_WEIGHTS": vgg16_weights()},
        )  # fmt: skip
        seconds, rss, tf = done.stdout.split()[-3:]
        out[runtime] = {"start_s": float(seconds), "rss_mb": float(rss), "tensorflow": tf == "True"}
    return out


def load_test(
    url: str, concurrency: int, requests_total: int, photos: list[bytes] | None
) -> dict[str, float]:
    """``requests_total`` predictions from ``concurrency`` client threads, no think time."""
    latencies: list[float] = []
    outside_model: list[float] = []  # the answer's latency_ms minus its own inference_ms
    runtimes: set[str | None] = set()
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
                    runtimes.add(body["timing"].get("runtime"))
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
        "runtime": "/".join(sorted(str(r) for r in runtimes)),
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
        f"Model: {report['model_params']}; VGG16 weights: {report['vgg16']}. Agreement: "
        "share of 32 product photos where a runtime's top answer is Keras fp32's.",
        "",
        "## In process: each runtime called directly, same photos and texts",
        "",
        "| image branch | batch 1 latency, ms | batch 1 /s | batch 8 /s | batch 32 /s "
        "| same top answer as Keras |",
        "|---|---|---|---|---|---|",
        *(
            f"| {name} | {r['b1_ms']:.1f} | {r['b1_per_s']:.1f} | {r['b8_per_s']:.1f} | "
            f"{r['b32_per_s']:.1f} | {r['agreement']:.0%} |"
            for name, r in ip["image"].items()
        ),
        "",
        "| text branch | batch 1 latency, ms | batch 32 /s |",
        "|---|---|---|",
        *(
            f"| {name} | {r['b1_ms']:.1f} | {r['b32_per_s']:.0f} |"
            for name, r in ip["text"].items()
        ),
        "",
        f"Fused image+text products as served ({SERVED}): "
        f"batch 1 {ip['fused_int8']['b1_ms']:.1f} ms; "
        + ", ".join(f"batch {b} {ip['fused_int8'][f'b{b}_per_s']:.1f}/s" for b in BATCHES)
        + ".",
        "",
        "## A worker's start: fresh interpreter to a warmed-up model",
        "",
        "| runtime | seconds | resident memory, MB | TensorFlow imported |",
        "|---|---|---|---|",
        *(
            f"| {name} | {r['start_s']:.1f} | {r['rss_mb']:.0f} | {r['tensorflow']} |"
            for name, r in report["worker_start"].items()
        ),
        "",
        f"## Served (HTTP + Redis, {report['workers']} model workers, int8)",
        "",
        "| input | concurrency | requests | errors | throughput /s | p50 ms | p95 ms | p99 ms "
        "| outside the model, p50 ms | runtime |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, rows in report["served"].items():
        lines += [
            f"| {kind} | {r['concurrency']} | {r['requests']} | {r['errors']} | "
            f"{r['throughput_per_s']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['outside_model_p50_ms']:.1f} | {r['runtime']} |"
            for r in rows
        ]
    lines += ["", "## Against the targets", "", "| measure | value | target |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {target} |" for name, value, target in report["ratios"]]
    return "\n".join(lines) + "\n"


def ratios(ip: dict[str, Any], sv: dict[str, list[dict[str, float]]]) -> list[tuple[str, str, str]]:
    keras, int8 = ip["image"]["keras fp32"], ip["image"][SERVED]
    best = max(ip["fused_int8"]["b8_per_s"], ip["fused_int8"]["b32_per_s"])
    c32 = sv["image+text"][-1]["throughput_per_s"]
    p50_it, p50_t = sv["image+text"][0]["p50_ms"], sv["text"][0]["p50_ms"]
    return [
        ("int8 image branch (OpenVINO) / Keras fp32, batch 8",
         f"x{int8['b8_per_s'] / keras['b8_per_s']:.2f}", ">= x3"),
        ("served image+text at c=32 / in-process int8 batched", f"{c32 / best:.2f}", ">= 0.95"),
        ("p50 at c=1 - in-process int8 batch 1, image+text",
         f"{p50_it - ip['fused_int8']['b1_ms']:+.1f} ms", "<= +10 ms"),
        ("p50 at c=1 - in-process text branch batch 1, text only",
         f"{p50_t - ip['text']['onnxruntime fp32']['b1_ms']:+.1f} ms", "<= +10 ms"),
        ("served image+text products/s at c=32", f"{c32:.1f}", "stretch >= 45"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="request counts multiplier")
    parser.add_argument("--repeat", type=int, default=30, help="in-process repetitions")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--models",
        type=Path,
        help="a model directory whose production version to measure "
        "(trained and exported: the runtimes' agreement then means something)",
    )
    args = parser.parse_args()

    photos = product_photos(64)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        models = workdir / "var" / "models"
        params = make_version(models, args.models)
        print("in process ...", flush=True)
        ip = in_process(models, photos, args.repeat)
        print(json.dumps(ip, indent=1), flush=True)
        starts = worker_start(models)
        print("served ...", flush=True)
        sv = served(workdir, photos, args.scale, args.workers)

    report = {
        **run_setup(),
        "model_params": params,
        "workers": args.workers,
        "in_process": ip,
        "worker_start": starts,
        "served": sv,
        "ratios": ratios(ip, sv),
    }
    write_report("serving", report, markdown(report))


if __name__ == "__main__":
    main()
