"""``make bench``: the image branch in process, from photo bytes to probabilities.

Four image branches on the same photos, in the same run:

- ``earlier``: the whole photo scaled to 224x224, ``block5_pool`` flattened (25,088
  numbers) through two Dense(512) layers: the default of the first versions;
- ``pooled``: the photo cropped to the square around the product, global average
  and max of ``block4_pool`` and ``block5_conv3`` (2,048 numbers) into one softmax;
- ``grid``: ``pooled`` plus each layer's average over a 2x2 grid (6,144 numbers);
- ``default``: ``grid`` plus each layer's second-order pooling (10,304 numbers,
  ``bilinear``).

Each is timed end to end (decoding and framing included) at batch 1 and batch 8, as
workers run it (exported, int8, OpenVINO: calibrated on the same few photos, so the
timing is real and the answers are not) and in Keras fp32; and the preparation of a
photo alone (decode, frame, scale) for each framing.
Results: bench/results/image_branch.json and .md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.serving import product_photos, run_setup, timed, vgg16_weights, write_report  # noqa: E402

PREPARE_PHOTOS = 64


def branches():  # type: ignore[no-untyped-def]
    from model_service.params import ModelParams

    default = ModelParams(vocab_size=2)
    earlier = replace(default, image_framing="whole", image_features="flat", image_hidden=512)
    return {
        "earlier": earlier,
        "pooled": replace(default, image_features="pooled"),
        "grid": replace(default, image_features="grid"),
        "default": default,
    }


def measure(repeat: int, workdir: Path) -> dict[str, dict[str, float]]:
    from model_service.model import build_image_head, build_vgg16_base
    from model_service.predictor import Predictor
    from model_service.preprocessing import TextEncoder, load_image, vgg16_input
    from model_service.runtime import compile_model
    from model_service.version import ModelVersion, untrained_version
    from trainer.backbone import attach_head, cached_backbone
    from trainer.export import export_head

    base = build_vgg16_base(vgg16_weights())
    photos = product_photos(max(8, PREPARE_PHOTOS))
    text = untrained_version().text_model
    results = {}
    for name, params in branches().items():
        head = build_image_head(params)
        version = ModelVersion("v", params, TextEncoder([]), text, head, 0.5)

        def prepare(batch: list[bytes], p=params) -> np.ndarray:  # type: ignore[no-untyped-def]
            return np.stack(
                [load_image(b, size=p.image_size, framing=p.image_framing) for b in batch]
            )

        int8, head_file = workdir / f"{name}.int8.onnx", workdir / f"{name}.head.onnx"
        calibration = prepare(photos[:8])
        backbone = cached_backbone(workdir / "backbones", params, vgg16_weights(), calibration)
        export_head(version, head_file)
        attach_head(backbone.int8, head_file, int8)  # type: ignore[arg-type]
        served = compile_model(int8)
        keras = Predictor(version, base)
        runs = {
            "int8": lambda batch, run=served: run(vgg16_input(prepare(batch))),
            "keras": lambda batch, p=keras: p.image_probs(prepare(batch)),
        }
        row: dict[str, float] = {
            "framing": params.image_framing,  # type: ignore[dict-item]
            "features": params.image_features,  # type: ignore[dict-item]
            "head_inputs": int(np.prod(head.input_shape[1:])),
            "head_weights": int(head.count_params()),
        }
        for runtime, run in runs.items():
            for batch in (1, 8):  # compile, trace and warm each shape first
                run(photos[:batch])
            b1 = timed(lambda run=run: run(photos[:1]), repeat)
            b8 = timed(lambda run=run: run(photos[:8]), max(3, repeat // 4))
            row[f"{runtime}_b1_ms"] = 1000 * statistics.median(b1)
            row[f"{runtime}_b8_per_s"] = 8 / statistics.median(b8)
        prep = timed(lambda prepare=prepare: prepare(photos[:PREPARE_PHOTOS]), 3)
        row["prepare_ms"] = 1000 * statistics.median(prep) / PREPARE_PHOTOS
        results[name] = row
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        results = measure(args.repeat, Path(workdir))
    ratios = {
        f"{runtime}_{metric}_{name}_over_{base}": results[name][f"{runtime}_{metric}"]
        / results[base][f"{runtime}_{metric}"]
        for name, base in (("default", "earlier"), ("default", "grid"))
        for runtime in ("int8", "keras")
        for metric in ("b1_ms", "b8_per_s")
    }
    lines = [
        "# Image branch in process, photo bytes to probabilities",
        "",
        f"Setup: {run_setup()}",
        "",
        "| branch | framing | features | head weights | preparing a photo, ms "
        "| int8 OpenVINO: batch 1, ms | batch 8, photos/s "
        "| Keras fp32: batch 1, ms | batch 8, photos/s |",
        "|---|---|---|---|---|---|---|---|---|",
        *(
            f"| {name} | {r['framing']} | {r['features']} ({r['head_inputs']:,}) "
            f"| {r['head_weights']:,} | {r['prepare_ms']:.2f} "
            f"| {r['int8_b1_ms']:.1f} | {r['int8_b8_per_s']:.1f} "
            f"| {r['keras_b1_ms']:.1f} | {r['keras_b8_per_s']:.1f} |"
            for name, r in results.items()
        ),
        "",
        *(
            f"{name} / {base}, int8: latency "
            f"x{ratios[f'int8_b1_ms_{name}_over_{base}']:.3f}, throughput "
            f"x{ratios[f'int8_b8_per_s_{name}_over_{base}']:.3f}; Keras fp32: latency "
            f"x{ratios[f'keras_b1_ms_{name}_over_{base}']:.3f}, throughput "
            f"x{ratios[f'keras_b8_per_s_{name}_over_{base}']:.3f}\n"
            for name, base in (("default", "earlier"), ("default", "grid"))
        ),
    ]
    write_report("image_branch", {"setup": run_setup(), **results, **ratios}, "\n".join(lines))


if __name__ == "__main__":
    main()
