"""Human-readable artefacts of a training run: report.md, training curves, confusion heatmap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from common.categories import CODES, name_of
from trainer.metrics import MODALITIES


def _fmt(value: object) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def write_report(
    path: Path, name: str, metrics: dict[str, Any], provenance: dict[str, Any], decision: str
) -> None:
    """A short Markdown report of one version's scores on the evaluation set."""
    cols = ("n", "accuracy", "f1_weighted", "f1_macro", "precision_weighted", "recall_weighted")
    rows = [("all (fused)", metrics)]
    rows += [(f"{m} rows (fused)", metrics["by_modality"].get(m, {})) for m in MODALITIES]
    for branch, scores in metrics.get("branches", {}).items():
        rows.append((f"{branch} branch alone", scores))
        rows.append((f"{branch} branch alone, both rows", scores.get("on_both", {})))
    lines = [
        f"# Model version {name}", "",
        f"Promotion: {decision}", "",
        f"Fusion weight (text): {metrics.get('fusion', {}).get('text_weight')}", "",
        "## Evaluation set (never trained on)", "",
        "| subset | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|",
    ]  # fmt: skip
    lines += [
        f"| {label} | " + " | ".join(_fmt(s.get(c, "")) for c in cols) + " |" for label, s in rows
    ]
    lines += ["", "## Per-class F1 (fused)", "", "| code | name | F1 |", "|---|---|---|"]
    lines += [
        f"| {code} | {name_of(int(code))} | {f1:.3f} |"
        for code, f1 in metrics.get("per_class_f1", {}).items()
    ]
    data = provenance.get("data", {})
    lines += ["", "## Data", "", "| split | rows | text | image | both |", "|---|---|---|---|---|"]
    lines += [
        f"| {split} | {c['rows']} | {c['text']} | {c['image']} | {c['both']} |"
        for split, c in data.items()
    ]
    lines += [
        "",
        f"Git revision: {provenance.get('git_revision')}",
        f"Ingestion batches: {provenance.get('ingestion_batches')}",
        "",
    ]
    path.write_text("\n".join(lines))


def plot_curves(path: Path, histories: dict[str, dict[str, list[float]]]) -> None:
    """Loss and validation F1 per epoch, one column per branch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    branches = [b for b, h in histories.items() if h]
    fig, axes = plt.subplots(
        2, max(1, len(branches)), figsize=(5 * max(1, len(branches)), 7), squeeze=False
    )
    for col, branch in enumerate(branches):
        h = histories[branch]
        for key in ("loss", "val_loss"):
            if key in h:
                axes[0, col].plot(range(1, len(h[key]) + 1), h[key], label=key)
        for key in ("val_f1_macro", "val_f1_weighted"):
            if key in h:
                axes[1, col].plot(range(1, len(h[key]) + 1), h[key], label=key)
        axes[0, col].set_title(f"{branch} branch")
        axes[1, col].set_xlabel("epoch")
        for ax in axes[:, col]:
            ax.legend()
            ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_confusion(path: Path, matrix: list[list[int]]) -> None:
    """Row-normalised confusion matrix (true class per row) as a heatmap."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = np.asarray(matrix, dtype=np.float64)
    norm = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(11, 10))
    image = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(CODES)), [str(c) for c in CODES], rotation=90)
    ax.set_yticks(range(len(CODES)), [str(c) for c in CODES])
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
