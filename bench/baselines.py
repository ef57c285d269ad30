"""Reference scores on the shared data, for the model to beat.

1. Text: TF-IDF (word 1-2 grams + character 2-5 grams) + LinearSVC, on rows with text.
2. Image: logistic regression on frozen VGG16 ``block5_pool`` features (flattened),
   on rows with an image.

Fitted on ``split=train``, scored on ``split=val`` (weighted F1, as the issue states
the references). C is chosen by cross-validation on train. Image features come from
the trainer's feature cache, so a later ``train`` reuses them.

``--sweep`` also scores a grid of text models (n-gram ranges, C, class weights)
straight on val and reports the best: an optimistic ceiling for linear models on
this data, since it is picked on the rows it is scored on.

    python -m bench.baselines [--data DIR] [--folds 3] [--only text|image] [--sweep]

Results: printed, and written to bench/results/baselines.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import FeatureUnion, make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from bench.serving import RESULTS, SHARED, vgg16_weights  # noqa: E402
from common.image_store import ImageStore  # noqa: E402
from common.settings import load_settings  # noqa: E402
from model_service.preprocessing import clean_text  # noqa: E402
from trainer.features import FeatureCache, weights_tag  # noqa: E402


def _scores(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {
        "n": int(len(y)),
        "accuracy": float(accuracy_score(y, pred)),
        "f1_weighted": float(f1_score(y, pred, average="weighted")),
        "f1_macro": float(f1_score(y, pred, average="macro")),
    }


def text_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a ``products.csv`` frame that have text, with it cleaned as the
    importer cleans it (column ``text``)."""
    text = [clean_text(d, s) for d, s in zip(frame.designation, frame.description, strict=True)]
    frame = frame.assign(text=text)
    return frame[frame.text != ""]


def _text_splits(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = text_rows(frame)
    return frame[frame.split == "train"], frame[frame.split == "val"]


def _tfidf(words: tuple[int, int], chars: tuple[int, int]) -> FeatureUnion:
    return FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=words, min_df=2, sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=chars, min_df=2,
                                 sublinear_tf=True, max_features=300_000)),
    ])  # fmt: skip


def text_baseline(frame: pd.DataFrame, folds: int) -> dict[str, object]:
    train, val = _text_splits(frame)
    model = GridSearchCV(
        make_pipeline(_tfidf((1, 2), (2, 5)), LinearSVC(class_weight="balanced")),
        {"linearsvc__C": [0.1, 0.3, 1.0]},
        scoring="f1_weighted",
        cv=StratifiedKFold(folds, shuffle=True, random_state=0),
        n_jobs=1,
    )
    model.fit(train.text.tolist(), train.prdtypecode.to_numpy())
    pred = model.predict(val.text.tolist())
    return {
        "model": "TF-IDF word 1-2 + char_wb 2-5, LinearSVC (balanced)",
        "C": model.best_params_["linearsvc__C"],
        "train_rows": len(train),
        "val": _scores(val.prdtypecode.to_numpy(), pred),
    }


def text_sweep(frame: pd.DataFrame) -> dict[str, object]:
    """Every grid point scored on val; the best is a ceiling picked on the scored rows."""
    train, val = _text_splits(frame)
    y_val = val.prdtypecode.to_numpy()
    runs = []
    for words, chars in (((1, 2), (2, 5)), ((1, 3), (1, 6))):
        features = _tfidf(words, chars)
        x_train = features.fit_transform(train.text.tolist())
        x_val = features.transform(val.text.tolist())
        for c in (0.25, 0.5, 1.0):
            for weighting in (None, "balanced"):
                model = LinearSVC(C=c, class_weight=weighting)
                pred = model.fit(x_train, train.prdtypecode.to_numpy()).predict(x_val)
                runs.append({
                    "words": words, "chars": chars, "C": c, "class_weight": weighting,
                    "f1_weighted": float(f1_score(y_val, pred, average="weighted")),
                })  # fmt: skip
                print("sweep", json.dumps(runs[-1]), flush=True)
    return {"runs": runs, "best": max(runs, key=lambda r: r["f1_weighted"])}


def image_baseline(frame: pd.DataFrame, data: Path, folds: int) -> dict[str, object]:
    settings = load_settings(vgg16_weights=vgg16_weights())
    frame = frame[frame.image_file != ""]
    store = ImageStore(settings.images_path)
    digests = [store.put((data / "images" / f).read_bytes()) for f in frame.image_file]
    from model_service.model import build_vgg16_base

    cache = FeatureCache(
        settings.features_path,
        store,
        lambda: build_vgg16_base(settings.vgg16_weights, 224),
        224,
        weights_tag(settings.vgg16_weights),
    )
    started = time.monotonic()
    feats = cache.features(digests, progress=True).reshape(len(digests), -1)
    seconds = time.monotonic() - started
    is_train = (frame.split == "train").to_numpy()
    y = frame.prdtypecode.to_numpy()
    model = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)),
        {"logisticregression__C": [1e-4, 1e-3, 1e-2]},
        scoring="f1_weighted",
        cv=StratifiedKFold(folds, shuffle=True, random_state=0),
        n_jobs=1,
    )
    model.fit(feats[is_train], y[is_train])
    pred = model.predict(feats[~is_train])
    return {
        "model": "VGG16 block5_pool flatten (25088), StandardScaler, LogisticRegression",
        "weights": settings.vgg16_weights,
        "C": model.best_params_["logisticregression__C"],
        "train_rows": int(is_train.sum()),
        "features_computed": cache.computed,
        "features_seconds": round(seconds, 1),
        "val": _scores(y[~is_train], pred),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED / "data" / "rakuten")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--only", choices=("text", "image"))
    ap.add_argument("--sweep", action="store_true", help="also the text grid scored on val")
    args = ap.parse_args()
    frame = pd.read_csv(args.data / "products.csv", dtype=str, keep_default_na=False)
    frame["prdtypecode"] = frame.prdtypecode.astype(int)
    out: dict[str, object] = {
        "data": str(args.data),
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
    }
    for name, run in (
        ("text", lambda: text_baseline(frame, args.folds)),
        ("image", lambda: image_baseline(frame, args.data, args.folds)),
    ):
        if args.only in (None, name):
            started = time.monotonic()
            out[name] = run()
            out[name]["seconds"] = round(time.monotonic() - started, 1)  # type: ignore[index]
            print(name, json.dumps(out[name]["val"]))  # type: ignore[index]
    if args.sweep and args.only in (None, "text"):
        out["text_sweep"] = text_sweep(frame)
        print("text sweep best", json.dumps(out["text_sweep"]["best"]))  # type: ignore[index]
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / ("baselines.json" if args.only is None else f"baselines-{args.only}.json")
    target.write_text(json.dumps(out, indent=2))
    print(f"written {target}")


if __name__ == "__main__":
    main()
