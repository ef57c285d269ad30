"""Shrinkage linear discriminant analysis, fitted in closed form for wide features.

The image head's features (10,304 with ``bilinear``) outnumber its training photos
five to one, so their pooled within-class covariance has rank below the photo count.
Shrinking it toward a scaled identity makes it invertible and regularises it; the
inverse then has a closed form through the thin SVD of the class-centred features,
which costs one decomposition of an n×d matrix instead of a d×d covariance
(scikit-learn's shrinkage solvers build and solve that matrix: 10,304² numbers,
850 MB).
"""

from __future__ import annotations

import numpy as np


def shrinkage_lda(
    x: np.ndarray, y: np.ndarray, shrinkage: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(classes, coef, intercept)`` of LDA with equal class priors on ``x`` (n, d).

    ``classes`` are the labels present in ``y``, sorted; the discriminant of class
    ``classes[i]`` is ``x @ coef[i] + intercept[i]``, and their softmax is the
    posterior under Gaussian classes that share one covariance. That covariance is the
    pooled within-class covariance ``S``, shrunk: ``(1 - a) S + a (trace(S) / d) I``
    with ``a = shrinkage`` in (0, 1].
    """
    if not 0 < shrinkage <= 1:
        raise ValueError(f"shrinkage must lie in (0, 1], got {shrinkage}")
    classes, index = np.unique(y, return_inverse=True)
    x = np.asarray(x, dtype=np.float64)
    n, d = x.shape
    means = np.stack([x[index == i].mean(axis=0) for i in range(len(classes))])
    residuals = x - means[index]
    dof = max(n - len(classes), 1)
    _, singular, vt = np.linalg.svd(residuals, full_matrices=False)
    variances = singular**2 / dof  # S's eigenvalues along vt's rows; 0 elsewhere
    floor = shrinkage * variances.sum() / d  # the identity's share: a * trace(S) / d
    if floor == 0:  # no spread within any class (one photo each): nearest class mean
        floor = 1.0
    # Σ⁻¹μ = μ / floor + V ((1 / ((1-a)λ + floor) - 1 / floor) ⊙ Vᵀμ)
    correction = 1 / ((1 - shrinkage) * variances + floor) - 1 / floor
    coef = means / floor + ((means @ vt.T) * correction) @ vt
    intercept = -0.5 * np.einsum("kd,kd->k", means, coef)
    return classes, coef, intercept


MAX_TEMPERATURE = 1e4


def temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The ``T`` whose ``softmax(logits / T)`` has the least log-loss on ``labels``.

    A discriminant's softmax is far too sure of itself in thousands of dimensions
    (log-loss 14 in cross-validation, where the regression's is 2): fusion averages
    probabilities, so they must mean what they say. Dividing by one ``T`` keeps
    every answer and ranking as they were.
    """
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    logits = np.asarray(logits, np.float64)
    rows = np.arange(len(labels))

    def loss(log_t: float) -> float:
        return float(-log_softmax(logits / np.exp(log_t), axis=1)[rows, labels].mean())

    best = minimize_scalar(loss, bounds=(0.0, np.log(MAX_TEMPERATURE)), method="bounded")
    return float(np.exp(best.x))
