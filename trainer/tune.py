"""``trainer tune``: Optuna search over both branches' hyperparameters on the validation split.

TPE sampling with median pruning (each branch reports its validation weighted F1
per epoch). The study lives in the project database, so runs resume and can be
inspected; the best parameters become the defaults of the next ``train``.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import numpy as np
import optuna
from sklearn.metrics import f1_score

from common.settings import Settings
from model_service.model import ModelParams
from model_service.version import ModelVersion
from trainer import pipeline, scoring
from trainer.context import TrainerContext
from trainer.recipe import TrainingRecipe, resolve, save_tuned

logger = logging.getLogger(__name__)

STUDY = "shelfwise"


def suggest(
    trial: optuna.Trial, recipe: TrainingRecipe, params: ModelParams
) -> tuple[TrainingRecipe, ModelParams]:
    """One point of the search space (training recipe and architecture of both branches)."""
    recipe = replace(
        recipe,
        learning_rate=trial.suggest_float("learning_rate", 3e-4, 5e-3, log=True),
        batch_size=trial.suggest_categorical("batch_size", [32, 64, 128]),
        image_learning_rate=trial.suggest_float("image_learning_rate", 3e-5, 1e-3, log=True),
        image_batch_size=trial.suggest_categorical("image_batch_size", [16, 32, 64]),
        image_linear_c=trial.suggest_float("image_linear_c", 3e-4, 3e-2, log=True),
        image_lda_shrinkage=trial.suggest_float("image_lda_shrinkage", 0.5, 0.99),
    )  # fmt: skip
    params = replace(
        params,
        embed_dim=trial.suggest_categorical("embed_dim", [64, 128, 256]),
        gru_units=trial.suggest_categorical("gru_units", [64, 128, 192]),
        seq_len=trial.suggest_categorical("seq_len", [48, 96, 128]),
        text_dropout=trial.suggest_float("text_dropout", 0.1, 0.6),
        image_dropout=trial.suggest_float("image_dropout", 0.2, 0.7),
    )  # fmt: skip
    return recipe, params


def tune(
    ctx: TrainerContext,
    trials: int,
    *,
    sample: int | None = None,
    overrides: dict[str, Any] | None = None,
    timeout_s: float | None = None,
    show_progress: bool = False,
) -> dict[str, Any]:
    """Run ``trials`` trials, save the best parameters as the next ``train``'s defaults.

    ``show_progress``: a bar of trials with the best F1 so far (Optuna's, on stderr).
    """
    recipe0, params0 = resolve(ctx.settings.tuned_params_path, overrides)
    settings = ctx.settings
    data = pipeline.load_data(ctx, pipeline.TrainingRequest(sample=sample))

    def objective(trial: optuna.Trial) -> float:
        recipe, params = suggest(trial, recipe0, params0)
        return _score(trial, settings, recipe, params, data)

    study = optuna.create_study(
        study_name=STUDY, storage=settings.database_url, load_if_exists=True,
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2),
    )  # fmt: skip
    study.optimize(
        objective,
        n_trials=trials,
        timeout=timeout_s,
        catch=(ValueError,),
        show_progress_bar=show_progress,
    )
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not complete:
        raise RuntimeError("no tuning trial completed")
    best = study.best_trial
    recipe, params = suggest(optuna.trial.FixedTrial(best.params), recipe0, params0)
    save_tuned(
        settings.tuned_params_path,
        recipe,
        params,
        {"val_f1_weighted": best.value, "trial": best.number, "study": STUDY},
    )
    logger.info(
        "best trial %d: val weighted F1 %.4f; saved to %s",
        best.number,
        best.value,
        settings.tuned_params_path,
    )
    return {
        "best_value": best.value,
        "best_params": best.params,
        "trials": len(study.trials),
        "saved_to": str(settings.tuned_params_path),
    }


def _score(
    trial: optuna.Trial,
    settings: Settings,
    recipe: TrainingRecipe,
    params: ModelParams,
    data: pipeline.TrainingData,
) -> float:
    """Fused weighted F1 on validation; prunes on each branch's per-epoch validation F1."""

    def report(offset: int) -> Any:
        def on_epoch(epoch: int, values: dict[str, float]) -> None:
            trial.report(values["val_f1_weighted"], offset + epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()

        return on_epoch

    text = pipeline.train_text_branch(data, params, recipe, report(0))
    image = pipeline.train_image_branch(settings, data, text.params, recipe, report(1000))
    version = ModelVersion(
        "trial", text.params, text.encoder, text.model, image.head, pipeline.DEFAULT_TEXT_WEIGHT
    )
    p_text, p_image = pipeline.held_out_probs(version, data, text, image)  # never trained on
    pipeline.choose_fusion_weight(version, data.val, p_text, p_image)
    fused = scoring.fused_probs(version, data.val, p_text, p_image)
    return float(f1_score(data.val.labels, np.argmax(fused, axis=1), average="weighted"))
