"""``make bench``: the image branch in process, for each kind of image head.

The ``flat`` head reads ``block5_pool`` flattened (25,088 numbers); the ``pooled``
head reads global average and max of three VGG16 layers (2,560 numbers) from the
same forward pass. Same photos, same run: latency at batch 1, throughput at batch 8.
Results: bench/results/image_branch.json and .md.
"""

from __future__ import annotations

import argparse
import os
import statistics
from dataclasses import replace

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.serving import product_photos, run_setup, timed, vgg16_weights, write_report  # noqa: E402


def measure(repeat: int) -> dict[str, dict[str, float]]:
    from model_service.model import IMAGE_FEATURES, ModelParams, build_image_head, build_vgg16_base
    from model_service.predictor import Predictor
    from model_service.preprocessing import TextEncoder, load_image
    from model_service.version import ModelVersion, untrained_version

    base = build_vgg16_base(vgg16_weights())
    images = np.stack([load_image(p) for p in product_photos(8)])
    text = untrained_version().text_model
    results = {}
    for kind in IMAGE_FEATURES:
        params = replace(ModelParams(vocab_size=2), image_features=kind)
        version = ModelVersion("v", params, TextEncoder([]), text, build_image_head(params), 0.5)
        predictor = Predictor(version, base)
        for batch in (1, 8):  # trace and warm each shape first
            predictor.image_probs(images[:batch])
        b1 = timed(lambda p=predictor: p.image_probs(images[:1]), repeat)
        b8 = timed(lambda p=predictor: p.image_probs(images), max(3, repeat // 4))
        results[kind] = {
            "b1_ms": 1000 * statistics.median(b1),
            "b8_per_s": 8 / statistics.median(b8),
            "head_inputs": int(np.prod(build_image_head(params).input_shape[1:])),
        }
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    results = measure(args.repeat)
    flat, pooled = results["flat"], results["pooled"]
    ratios = {
        "b1_latency_pooled_over_flat": pooled["b1_ms"] / flat["b1_ms"],
        "b8_throughput_pooled_over_flat": pooled["b8_per_s"] / flat["b8_per_s"],
    }
    lines = [
        "# Image branch in process: flat vs pooled head",
        "",
        f"Setup: {run_setup()}",
        "",
        "| head | inputs | batch 1 latency, ms | batch 8 throughput, photos/s |",
        "|---|---|---|---|",
        *(
            f"| {kind} | {r['head_inputs']:,} | {r['b1_ms']:.1f} | {r['b8_per_s']:.1f} |"
            for kind, r in results.items()
        ),
        "",
        f"pooled / flat: latency x{ratios['b1_latency_pooled_over_flat']:.3f}, "
        f"throughput x{ratios['b8_throughput_pooled_over_flat']:.3f}",
        "",
    ]
    write_report("image_branch", {"setup": run_setup(), **results, **ratios}, "\n".join(lines))


if __name__ == "__main__":
    main()
