"""``make bench``: the image branch in process, from photo bytes to probabilities.

Two image branches on the same photos, in the same run:

- ``earlier``: the whole photo scaled to 224x224, ``block5_pool`` flattened (25,088
  numbers) through two Dense(512) layers: the default of earlier versions;
- ``default``: the photo cropped to the square around the product, global average
  and max of ``block4_pool`` and ``block5_conv3`` (2,048 numbers) into one softmax.

Each is timed end to end (decoding and framing included) at batch 1 and batch 8,
and the preparation of a photo alone (decode, frame, scale) for each framing, so
its cost can be set beside the int8 branch's in ``bench/results/serving.md``.
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

PREPARE_PHOTOS = 64


def branches():  # type: ignore[no-untyped-def]
    from model_service.params import ModelParams

    default = ModelParams(vocab_size=2)
    earlier = replace(default, image_framing="whole", image_features="flat", image_hidden=512)
    return {"earlier": earlier, "default": default}


def measure(repeat: int) -> dict[str, dict[str, float]]:
    from model_service.model import build_image_head, build_vgg16_base
    from model_service.predictor import Predictor
    from model_service.preprocessing import TextEncoder, load_image
    from model_service.version import ModelVersion, untrained_version

    base = build_vgg16_base(vgg16_weights())
    photos = product_photos(max(8, PREPARE_PHOTOS))
    text = untrained_version().text_model
    results = {}
    for name, params in branches().items():
        head = build_image_head(params)
        predictor = Predictor(ModelVersion("v", params, TextEncoder([]), text, head, 0.5), base)

        def run(batch: list[bytes], p=params, predictor=predictor) -> None:  # type: ignore[no-untyped-def]
            pixels = [load_image(b, size=p.image_size, framing=p.image_framing) for b in batch]
            predictor.image_probs(np.stack(pixels))

        def prepare(p=params) -> None:  # type: ignore[no-untyped-def]
            for b in photos[:PREPARE_PHOTOS]:
                load_image(b, size=p.image_size, framing=p.image_framing)

        for batch in (1, 8):  # trace and warm each shape first
            run(photos[:batch])
        b1 = timed(lambda run=run: run(photos[:1]), repeat)
        b8 = timed(lambda run=run: run(photos[:8]), max(3, repeat // 4))
        prep = timed(prepare, 3)
        results[name] = {
            "framing": params.image_framing,
            "features": params.image_features,
            "head_inputs": int(np.prod(head.input_shape[1:])),
            "head_weights": int(head.count_params()),
            "prepare_ms": 1000 * statistics.median(prep) / PREPARE_PHOTOS,
            "b1_ms": 1000 * statistics.median(b1),
            "b8_per_s": 8 / statistics.median(b8),
        }
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    results = measure(args.repeat)
    earlier, default = results["earlier"], results["default"]
    ratios = {
        "b1_latency_default_over_earlier": default["b1_ms"] / earlier["b1_ms"],
        "b8_throughput_default_over_earlier": default["b8_per_s"] / earlier["b8_per_s"],
    }
    lines = [
        "# Image branch in process (Keras fp32), photo bytes to probabilities",
        "",
        f"Setup: {run_setup()}",
        "",
        "| branch | framing | features | head weights | preparing a photo, ms "
        "| batch 1 latency, ms | batch 8 throughput, photos/s |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {name} | {r['framing']} | {r['features']} ({r['head_inputs']:,}) "
            f"| {r['head_weights']:,} | {r['prepare_ms']:.2f} | {r['b1_ms']:.1f} "
            f"| {r['b8_per_s']:.1f} |"
            for name, r in results.items()
        ),
        "",
        f"default / earlier: latency x{ratios['b1_latency_default_over_earlier']:.3f}, "
        f"throughput x{ratios['b8_throughput_default_over_earlier']:.3f}",
        "",
    ]
    write_report("image_branch", {"setup": run_setup(), **results, **ratios}, "\n".join(lines))


if __name__ == "__main__":
    main()
