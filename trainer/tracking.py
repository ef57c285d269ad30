"""Where a training run's curves and scores go besides the version directory:
TensorBoard event files as the epochs end, and an MLflow run when one is configured."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from common.settings import Settings
from model_service.model import ModelParams
from trainer import metrics
from trainer.recipe import TrainingRecipe

logger = logging.getLogger(__name__)


class TensorBoardLog:
    """Per-branch scalar event files, written as the epochs end."""

    def __init__(self, logdir: Path) -> None:
        self.logdir = logdir
        self.writers: dict[str, Any] = {}

    def write(self, branch: str, epoch: int, values: dict[str, float]) -> None:
        import tensorflow as tf

        if branch not in self.writers:
            self.writers[branch] = tf.summary.create_file_writer(str(self.logdir / branch))
        with self.writers[branch].as_default():
            for key, value in values.items():
                tf.summary.scalar(key, value, step=epoch + 1)
        self.writers[branch].flush()

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def log_to_mlflow(
    settings: Settings,
    name: str,
    params: ModelParams,
    recipe: TrainingRecipe,
    scores: dict[str, Any],
    path: Path,
) -> None:
    """Also log the run to MLflow when MLFLOW_TRACKING_URI is set (optional extra)."""
    if not settings.mlflow_tracking_uri:
        return
    try:
        import mlflow
    except ImportError:
        logger.warning(
            "MLFLOW_TRACKING_URI is set but mlflow is not installed "
            "(pip install 'shelfwise[mlflow]'): run not logged"
        )
        return
    try:
        mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
        mlflow.set_experiment("shelfwise")
        with mlflow.start_run(run_name=name):
            mlflow.log_params(params.to_dict() | recipe.to_dict())
            mlflow.log_metrics({k: float(v) for k, v in metrics.summary(scores).items()})
            for modality, values in scores.get("by_modality", {}).items():
                mlflow.log_metrics(
                    {f"{modality}_{k}": float(v) for k, v in metrics.summary(values).items()}
                )
            mlflow.log_artifacts(str(path), artifact_path=name)
    except Exception:  # tracking is a side channel: never fail a finished training for it
        logger.exception("MLflow logging failed for %s", name)
