"""Live metrics and drift arithmetic on known inputs."""

from __future__ import annotations

import math

import pytest
from sklearn.metrics import accuracy_score, f1_score

from common import quality


def test_classification_matches_sklearn() -> None:
    y_true = [10, 10, 10, 40, 40, 50, 50, 50, 50, 60]
    y_pred = [10, 10, 40, 40, 50, 50, 50, 10, 50, 60]
    got = quality.classification(y_true, y_pred)
    assert got["n"] == 10
    assert got["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert got["f1_weighted"] == pytest.approx(f1_score(y_true, y_pred, average="weighted"))
    # class 10: tp 2, fp 1, fn 1 -> 4/6
    assert got["per_class"]["10"] == {"f1": pytest.approx(4 / 6), "support": 3}
    assert quality.classification([], [])["f1_weighted"] is None


def test_psi_by_hand() -> None:
    expected = {"10": 50, "40": 50}
    actual = {"10": 80, "40": 20}
    got = quality.psi(expected, actual)
    by_hand = (0.8 - 0.5) * math.log(0.8 / 0.5) + (0.2 - 0.5) * math.log(0.2 / 0.5)
    assert got["total"] == pytest.approx(by_hand)
    assert got["per_class"]["10"] == pytest.approx((0.3) * math.log(1.6))
    assert quality.psi(expected, expected)["total"] == pytest.approx(0.0)
    # a class never seen in training gets a large, finite term
    assert 0.5 < quality.psi(expected, {"10": 50, "40": 40, "50": 10})["total"] < 10


def test_training_distribution_falls_back_to_the_evaluation_set() -> None:
    counts, source = quality.training_distribution({}, {"class_counts": {"10": 3}}, [10, 40])
    assert (counts, source) == ({"10": 3.0}, "training_set")
    matrix = [[2, 1], [0, 4]]
    counts, source = quality.training_distribution({"confusion_matrix": matrix}, {}, [10, 40])
    assert (counts, source) == ({"10": 3.0, "40": 4.0}, "evaluation_set")
