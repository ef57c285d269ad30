from __future__ import annotations

import numpy as np
import pytest

from common.categories import CODES
from trainer import metrics


def _onehot(idx):
    out = np.zeros((len(idx), len(CODES)))
    out[np.arange(len(idx)), idx] = 1.0
    return out


def test_scores_overall_by_modality_and_per_branch():
    y = np.array([0, 0, 1, 1, 2, 2])
    fused = _onehot([0, 0, 1, 2, 2, 2])
    has_text = np.array([True, True, True, False, True, True])
    has_image = np.array([False, False, True, True, True, True])
    p_text = _onehot([0, 1, 1, 0, 2, 2])
    m = metrics.evaluation(y, fused, has_text, has_image, p_text, fused)
    assert m["n"] == 6 and m["accuracy"] == pytest.approx(5 / 6)
    assert m["per_class_f1"][str(CODES[2])] == pytest.approx(0.8)
    assert np.trace(np.array(m["confusion_matrix"])) == 5
    assert m["by_modality"]["text"]["n"] == 2 and m["by_modality"]["image"]["accuracy"] == 0.0
    assert m["by_modality"]["both"]["n"] == 3
    assert m["branches"]["text"]["n"] == 5 and m["branches"]["text"]["accuracy"] == 0.8
    short = metrics.short(m)
    assert set(short) == set(metrics.SUMMARY_KEYS) | {"by_modality"}
    assert set(short["by_modality"]) == {"text", "image", "both"}
