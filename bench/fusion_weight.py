"""How much of fusion's gain a weight chosen on a few products keeps.

Training chooses ``w`` on pairs of a validation photo and validation texts of its
class (``trainer.fit_fusion.same_class_pairs``: thousands of pairs from the 141 photos and
1,710 texts of the shared data's validation rows), one number per version:
"pairs" below. The rule before it chose on the validation products that have both
modalities (57): "chosen". For that one, they are pooled with the products with
both in ``--data`` (never trained on: the val split by default); in each random
draw, ``w`` is chosen on as many pooled products as validation has and scored on
the rest. Beside them: a fixed ``w = 0.5``, and the best weight for the scored
products themselves (what no rule can beat). Each number is the mean gain, in
weighted F1 points, over the better branch alone on the scored products. (The
pairs include the 57 products' own photos, each paired with 30 texts of its
class, its own text among them about a third of the time: a draw that scores one of
them gives "pairs" a glimpse of it.) A version whose text members trained on the
validation texts (cross-fitted, the default for two members or more) answers them
in-sample here, not as training chose its weight: study versions whose text branch
never trained on them (one member, ``text_members: 1`` in the tuned defaults, or
versions from before cross-fitting, as in bench/results/fusion_weight.json).

    VAR_DIR=var/eval python -m bench.fusion_weight --version v1 v2 v3 [--data DIR] [--draws 200]

Needs a database and feature cache the versions were trained from (``make eval``).
Results: printed, and written to bench/results/fusion_weight.json.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from sklearn.metrics import f1_score  # noqa: E402

from bench.serving import RESULTS, SHARED, vgg16_weights  # noqa: E402
from common.categories import CODES  # noqa: E402
from common.db import init_db, session_factory  # noqa: E402
from common.model_store import version_path  # noqa: E402
from common.settings import load_settings  # noqa: E402
from model_service.model import build_vgg16_base  # noqa: E402
from model_service.predictor import Predictor  # noqa: E402
from model_service.version import load_version  # noqa: E402
from trainer import dataset, layouts, scoring  # noqa: E402
from trainer.fit_fusion import (  # noqa: E402
    WEIGHT_GRID,
    choose_text_weight,
    same_class_pairs,
    steadiest_best_weight,
)


def gains(
    p_text: np.ndarray,
    p_image: np.ndarray,
    y: np.ndarray,
    n_choose: int,
    draws: int,
    pairs_weight: float,
):
    """Mean and spread of each rule's gain over the better branch, over ``draws`` draws."""
    rng = np.random.default_rng(0)
    grid = list(WEIGHT_GRID)

    def curve(rows: np.ndarray) -> np.ndarray:
        """Weighted F1 of ``rows`` at each weight of the grid."""
        return np.array([
            f1_score(y[rows], (w * p_text[rows] + (1 - w) * p_image[rows]).argmax(1),
                     average="weighted")
            for w in grid
        ])  # fmt: skip

    out: dict[str, list[float]] = {"pairs": [], "chosen": [], "half": [], "best_for_scored": []}
    for _ in range(draws):
        order = rng.permutation(len(y))
        choose, scored = order[:n_choose], order[n_choose:]
        scored_curve = curve(scored)
        base = max(scored_curve[0], scored_curve[-1])  # w = 0: image alone; w = 1: text alone
        chosen = steadiest_best_weight(curve(choose))
        out["pairs"].append(scored_curve[grid.index(pairs_weight)] - base)
        out["chosen"].append(scored_curve[grid.index(chosen)] - base)
        out["half"].append(scored_curve[grid.index(0.5)] - base)
        out["best_for_scored"].append(scored_curve.max() - base)
    return {
        rule: {"mean": 100 * float(np.mean(v)), "sd": 100 * float(np.std(v))}
        for rule, v in out.items()
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", nargs="+", required=True)
    ap.add_argument("--data", type=Path, default=SHARED / "data" / "rakuten")
    ap.add_argument("--split", default="val")
    ap.add_argument("--draws", type=int, default=200)
    args = ap.parse_args()
    settings = load_settings(vgg16_weights=vgg16_weights())
    with session_factory(init_db(settings))() as session:
        validation = dataset.split(dataset.load_examples(session))[dataset.VAL]
    with_both = validation.has_text & validation.has_image
    n_choose = int(with_both.sum())
    results = {}
    for name in args.version:
        version = load_version(version_path(settings.models_path, name))
        size = version.params.image_size
        _, rows, _ = layouts.read_products(args.data, args.split, settings.max_image_pixels, size)
        products = [r for r in rows if isinstance(r, layouts.Product)]
        both = [r for r in products if r.text and r.image is not None]
        val_text, val_image = scoring.branch_probs(
            version, validation, scoring.feature_cache(settings, version.params)
        )
        text_rows, image_rows = same_class_pairs(
            validation.has_text, validation.has_image, validation.labels
        )
        pairs_weight = choose_text_weight(
            val_text[text_rows], val_image[image_rows], validation.labels[image_rows]
        )
        predictor = Predictor(version, build_vgg16_base(settings.vgg16_weights, size))
        p_text = np.concatenate([val_text[with_both], predictor.text_probs([r.text for r in both])])
        images = np.stack([r.image for r in both])
        p_image = np.concatenate([val_image[with_both], predictor.image_probs(images)])
        y = np.concatenate([validation.labels[with_both], [CODES.index(r.code) for r in both]])
        results[name] = gains(p_text, p_image, y, n_choose, args.draws, pairs_weight)
        results[name]["pairs_weight"] = pairs_weight
        print(name, json.dumps(results[name]))
    out = {"validation_both": n_choose, "scored_both": len(both), "draws": args.draws}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "fusion_weight.json").write_text(json.dumps(out | {"versions": results}, indent=2))


if __name__ == "__main__":
    main()
