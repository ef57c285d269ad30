"""Classification scores: overall, per modality subset, and for each branch alone."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from common.categories import CODES

SUMMARY_KEYS = ("n", "accuracy", "f1_weighted", "f1_macro", "precision_weighted", "recall_weighted")
MODALITIES = ("text", "image", "both")


def scores(y_true: np.ndarray, y_pred: np.ndarray, detail: bool = True) -> dict[str, Any]:
    """Accuracy, precision/recall/F1 (macro and weighted); with ``detail`` per-class F1
    (by code, classes present in ``y_true``) and the confusion matrix (rows: true, in CODES order).

    Averages run over the classes present in either array, as sklearn does by default.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    out: dict[str, Any] = {"n": int(len(y_true))}
    if len(y_true) == 0:
        return out
    out["accuracy"] = float(accuracy_score(y_true, y_pred))
    for avg in ("macro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average=avg, zero_division=0)
        out[f"precision_{avg}"], out[f"recall_{avg}"], out[f"f1_{avg}"] = (
            float(p),
            float(r),
            float(f),
        )
    if detail:
        present = sorted(set(int(c) for c in y_true))
        per_class = f1_score(y_true, y_pred, labels=present, average=None, zero_division=0)
        out["per_class_f1"] = {
            str(CODES[c]): float(v) for c, v in zip(present, per_class, strict=True)
        }
        out["confusion_matrix"] = confusion_matrix(
            y_true, y_pred, labels=range(len(CODES))
        ).tolist()
    return out


def summary(metrics: dict[str, Any]) -> dict[str, Any]:
    """The headline numbers only."""
    return {k: metrics[k] for k in SUMMARY_KEYS if k in metrics}


def modality_masks(has_text: np.ndarray, has_image: np.ndarray) -> dict[str, np.ndarray]:
    """``text`` = text only, ``image`` = image only, ``both``."""
    return {
        "text": has_text & ~has_image,
        "image": has_image & ~has_text,
        "both": has_text & has_image,
    }


def evaluation(
    y: np.ndarray,
    p_fused: np.ndarray,
    has_text: np.ndarray,
    has_image: np.ndarray,
    p_text: np.ndarray | None = None,
    p_image: np.ndarray | None = None,
    detail: bool = True,
) -> dict[str, Any]:
    """Scores of the fused model, by modality subset, and of each branch on the rows it sees.

    ``p_text``/``p_image`` hold rows for every product (ignored where the modality is absent).
    """
    pred = np.argmax(p_fused, axis=1) if len(y) else np.zeros(0, dtype=int)
    out = scores(y, pred, detail)
    out["by_modality"] = {
        name: scores(y[m], pred[m], detail)
        for name, m in modality_masks(has_text, has_image).items()
    }
    branches: dict[str, Any] = {}
    for name, probs, mask in (("text", p_text, has_text), ("image", p_image, has_image)):
        if probs is not None:
            branch_pred = np.argmax(probs[mask], axis=1) if mask.any() else np.zeros(0, dtype=int)
            branches[name] = scores(y[mask], branch_pred, detail)
            # The branch alone on products that also have the other modality: what fusion adds.
            both = mask & has_text & has_image
            branches[name]["on_both"] = summary(
                scores(
                    y[both],
                    np.argmax(probs[both], axis=1) if both.any() else np.zeros(0, int),
                    False,
                )
            )
    if branches:
        out["branches"] = branches
    return out


def short(metrics: dict[str, Any]) -> dict[str, Any]:
    """Headline numbers overall and per modality subset (the ``evaluate`` command's output)."""
    out = summary(metrics)
    out["by_modality"] = {name: summary(m) for name, m in metrics.get("by_modality", {}).items()}
    return out


def table(result: dict[str, Any]) -> str:
    """A Markdown table of an ``evaluate`` result: fused per subset, then each branch alone."""
    cols = ("n", "accuracy", "f1_weighted", "f1_macro", "precision_weighted", "recall_weighted")
    rows = [("all rows, fused", result)]
    rows += [(f"{m} rows, fused", result.get("by_modality", {}).get(m, {})) for m in MODALITIES]
    for name, scores in result.get("branches", {}).items():
        rows += [
            (f"{name} branch alone, rows with {name}", scores),
            (f"{name} branch alone, rows with both", scores.get("on_both", {})),
        ]
    lines = ["| rows | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for label, s in rows:
        cells = [f"{s[c]:.4f}" if isinstance(s.get(c), float) else str(s.get(c, "-")) for c in cols]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
