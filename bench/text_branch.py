"""The text branch alone, trained as the trainer trains it, under variants of its recipe.

Each variant names training parameters (``trainer train``'s flags, by field name: the
recipe's and ``ModelParams``'), resolved as a run resolves them: code defaults <
tuned defaults < the variant. The default comes first, as the baseline. Every variant
trains ``trainer.pipeline.train_text_branch`` on the database's products once a seed
and is scored by weighted F1 on rows with text:

- ``eval``: the trainer's evaluation set, which no member trains on: what to choose on;
- ``reported``: a labelled directory's split (the shared data's ``val`` by default),
  never imported, so never trained on: reported, not chosen on;
- ``out_of_fold``: the trainer's validation texts, each answered by the member that
  did not train on it (one member's answer, so it does not compare member counts).

    VAR_DIR=var/eval python -m bench.text_branch --variant text_members=3 \\
        --variant teacher_temperature=2 [--seeds 0 1 2] [--data DIR] [--split val]

Needs a database of imported products (``make eval`` leaves one in var/eval). A
variant of the default recipe takes 2 to 4 minutes a seed on 2 cores. Results:
printed, and written to bench/results/text_branch.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from bench.baselines import text_rows  # noqa: E402
from bench.serving import RESULTS, SHARED  # noqa: E402
from common.categories import CLASS_INDEX  # noqa: E402
from common.settings import load_settings  # noqa: E402
from trainer import metrics, pipeline  # noqa: E402
from trainer.context import build_context  # noqa: E402
from trainer.fit_loop import predict_token_ids  # noqa: E402
from trainer.recipe import resolve  # noqa: E402


def parse_variant(text: str) -> dict[str, Any]:
    """``"text_members=3,epochs=8"`` -> ``{"text_members": 3, "epochs": 8}`` (JSON values,
    or strings where a value is not JSON)."""
    variant: dict[str, Any] = {}
    for pair in filter(None, text.split(",")):
        name, sep, value = pair.partition("=")
        if not sep:
            raise argparse.ArgumentTypeError(f"expected name=value, got {pair!r}")
        try:
            variant[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            variant[name.strip()] = value.strip()
    return variant


def reported_texts(data: Path, split: str) -> tuple[list[str], np.ndarray]:
    """Texts and label indices of ``split``'s rows with text, as the importer cleans them."""
    frame = pd.read_csv(data / "products.csv", dtype=str, keep_default_na=False)
    rows = text_rows(frame[frame.split == split])
    labels = np.array([CLASS_INDEX[int(code)] for code in rows.prdtypecode], dtype=np.int64)
    return list(rows.text), labels


def weighted_f1(labels: np.ndarray, probs: np.ndarray) -> float:
    return round(metrics.scores(labels, probs.argmax(axis=1), detail=False)["f1_weighted"], 4)


def run_variant(
    data: pipeline.TrainingData,
    tuned_path: Path,
    variant: dict[str, Any],
    seed: int,
    reported: tuple[list[str], np.ndarray],
) -> dict[str, Any]:
    recipe, params = resolve(tuned_path, {**variant, "seed": seed})
    keras.utils.set_random_seed(seed)
    started = time.monotonic()
    text = pipeline.train_text_branch(data, params, recipe, lambda epoch, logs: None)
    seconds = time.monotonic() - started

    def probs(texts: list[str]) -> np.ndarray:
        return predict_token_ids(text.model, text.encoder.encode(texts, text.params.seq_len))

    evaluation = data.eval.subset(data.eval.has_text)
    held = data.val.has_text
    assert text.val_probs is not None  # the database has validation texts (load_data)
    return {
        "variant": variant,
        "seed": seed,
        "eval": weighted_f1(evaluation.labels, probs(evaluation.texts)),
        "reported": weighted_f1(reported[1], probs(reported[0])),
        "out_of_fold": weighted_f1(data.val.labels[held], text.val_probs[held]),
        "seconds": round(seconds),
    }


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and minimum over seeds of each variant's scores."""
    out = []
    for variant in {json.dumps(r["variant"], sort_keys=True): r["variant"] for r in rows}.values():
        mine = [r for r in rows if r["variant"] == variant]
        line: dict[str, Any] = {"variant": variant, "seeds": [r["seed"] for r in mine]}
        for key in ("eval", "reported", "out_of_fold", "seconds"):
            values = [r[key] for r in mine]
            line[key] = {"mean": round(float(np.mean(values)), 4), "min": min(values)}
        out.append(line)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--variant", type=parse_variant, action="append", default=[],
                    help="training parameters by name, e.g. text_members=3,epochs=8")  # fmt: skip
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--data", type=Path, default=SHARED / "data" / "rakuten")
    ap.add_argument("--split", default="val")
    args = ap.parse_args()

    settings = load_settings()
    ctx = build_context(settings, require_redis=False)
    data = pipeline.load_data(ctx, pipeline.TrainingRequest())
    reported = reported_texts(args.data, args.split)
    rows = []
    for variant in [{}, *args.variant]:
        for seed in args.seeds:
            rows.append(run_variant(data, settings.tuned_params_path, variant, seed, reported))
            print(json.dumps(rows[-1]), flush=True)
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "data": {"var_dir": str(settings.var_dir), "reported": f"{args.data} ({args.split})"},
        "runs": rows,
        "summary": summary(rows),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "text_branch.json").write_text(json.dumps(result, indent=2) + "\n")
    for line in result["summary"]:
        print(json.dumps(line))


if __name__ == "__main__":
    main()
