"""The arithmetic of monitoring: accuracy, weighted F1 per class, and PSI.

Plain Python on small inputs (a window of feedback or predictions), so the API
can compute it without scikit-learn; the definitions match scikit-learn's
(weighted F1 averages per-class F1 weighted by true support).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

PSI_EPSILON = 1e-4
"""Floor of a share in PSI, so a class absent on one side gives a large, finite term."""


def classification(y_true: Sequence[int], y_pred: Sequence[int]) -> dict[str, Any]:
    """``n``, ``accuracy``, ``f1_weighted`` and ``per_class`` ({code: f1, support})."""
    n = len(y_true)
    if n == 0:
        return {"n": 0, "accuracy": None, "f1_weighted": None, "per_class": {}}
    tp: Counter[int] = Counter()
    fp: Counter[int] = Counter()
    fn: Counter[int] = Counter()
    for t, p in zip(y_true, y_pred, strict=True):
        if t == p:
            tp[t] += 1
        else:
            fp[p] += 1
            fn[t] += 1
    support = Counter(y_true)
    per_class = {}
    for code in sorted(support):
        denominator = 2 * tp[code] + fp[code] + fn[code]
        f1 = 2 * tp[code] / denominator if denominator else 0.0
        per_class[str(code)] = {"f1": f1, "support": support[code]}
    f1_weighted = sum(c["f1"] * c["support"] for c in per_class.values()) / n
    return {
        "n": n,
        "accuracy": sum(tp.values()) / n,
        "f1_weighted": f1_weighted,
        "per_class": per_class,
    }


def shares(counts: Mapping[str, float]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()} if total else {}


def psi(expected: Mapping[str, float], actual: Mapping[str, float]) -> dict[str, Any]:
    """Population stability index of ``actual`` counts against ``expected`` counts.

    Per class ``(a - e) * ln(a / e)`` on shares floored at PSI_EPSILON, and
    their sum. Common reading: < 0.1 stable, 0.1-0.25 moderate, > 0.25 drift.
    """
    e_share, a_share = shares(expected), shares(actual)
    per_class = {}
    for code in sorted(set(e_share) | set(a_share), key=int):
        e = max(e_share.get(code, 0.0), PSI_EPSILON)
        a = max(a_share.get(code, 0.0), PSI_EPSILON)
        per_class[code] = (a - e) * math.log(a / e)
    return {"total": sum(per_class.values()), "per_class": per_class}


def training_distribution(
    metrics: Mapping[str, Any], provenance: Mapping[str, Any], codes: Sequence[int]
) -> tuple[dict[str, float], str]:
    """Class counts a version learned from, and where they come from.

    ``provenance["class_counts"]`` (the training split) when recorded; else the
    row sums of the evaluation set's confusion matrix, a stable-hash sample of
    the same data.
    """
    counts = provenance.get("class_counts")
    if counts:
        return {str(k): float(v) for k, v in counts.items()}, "training_set"
    matrix = metrics.get("confusion_matrix")
    if matrix:
        return {
            str(code): float(sum(row)) for code, row in zip(codes, matrix, strict=False)
        }, "evaluation_set"
    return {}, "none"
