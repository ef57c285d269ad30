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

from common.db import init_db, session_factory
from common.settings import Settings
from model_service.model import ModelParams
from model_service.version import ModelVersion
from trainer import config, dataset, pipeline
from trainer.errors import NoTrainingData
from trainer.features import FeatureCache
from trainer.fit import choose_text_weight, fit_encoder

logger = logging.getLogger(__name__)

STUDY = "shelfwise"


def suggest(
    trial: optuna.Trial, schedule: config.Schedule, params: ModelParams
) -> tuple[config.Schedule, ModelParams]:
    """One point of the search space (schedule and architecture of both branches)."""
    schedule = replace(
        schedule,
        learning_rate=trial.suggest_float("learning_rate", 3e-4, 5e-3, log=True),
        batch_size=trial.suggest_categorical("batch_size", [32, 64, 128]),
        image_learning_rate=trial.suggest_float("image_learning_rate", 3e-5, 1e-3, log=True),
        image_batch_size=trial.suggest_categorical("image_batch_size", [16, 32, 64]),
    )  # fmt: skip
    params = replace(
        params,
        embed_dim=trial.suggest_categorical("embed_dim", [64, 128, 256]),
        gru_units=trial.suggest_categorical("gru_units", [64, 128, 192]),
        seq_len=trial.suggest_categorical("seq_len", [48, 96, 128]),
        text_dropout=trial.suggest_float("text_dropout", 0.1, 0.6),
        image_dropout=trial.suggest_float("image_dropout", 0.2, 0.7),
    )  # fmt: skip
    return schedule, params


def tune(
    settings: Settings,
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
    schedule0, params0 = config.resolve(settings.tuned_params_path, overrides)
    sessions = session_factory(init_db(settings))
    with sessions() as session:
        examples = dataset.load_examples(session)
    if sample:
        examples = dataset.sample(examples, sample)
    parts = dataset.split(examples)
    train_ex, val_ex = parts[dataset.TRAIN], parts[dataset.VAL]
    if not len(train_ex) or not len(val_ex):
        raise NoTrainingData("too few products to tune on: import data first")
    cache = pipeline.feature_cache(settings, params0.image_size)
    cache.ensure([h for p in (train_ex, val_ex) for h in p.image_hashes if h is not None])

    def objective(trial: optuna.Trial) -> float:
        schedule, params = suggest(trial, schedule0, params0)
        return _score(trial, schedule, params, train_ex, val_ex, cache)

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
    schedule, params = suggest(optuna.trial.FixedTrial(best.params), schedule0, params0)
    config.save_tuned(
        settings.tuned_params_path,
        schedule,
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
    schedule: config.Schedule,
    params: ModelParams,
    train_ex: dataset.Examples,
    val_ex: dataset.Examples,
    cache: FeatureCache,
) -> float:
    """Fused weighted F1 on validation; prunes on each branch's per-epoch validation F1."""
    encoder = fit_encoder(train_ex.subset(train_ex.has_text).texts, params)
    params = replace(params, vocab_size=encoder.size)

    def report(offset: int) -> Any:
        def on_epoch(epoch: int, values: dict[str, float]) -> None:
            trial.report(values["val_f1_weighted"], offset + epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()

        return on_epoch

    histories: dict[str, dict[str, list[float]]] = {}
    text = pipeline.train_text(params, encoder, train_ex, val_ex, schedule, report(0), histories)
    head = pipeline.train_image(params, cache, train_ex, val_ex, schedule, report(1000), histories)
    version = ModelVersion("trial", params, encoder, text, head, pipeline.DEFAULT_TEXT_WEIGHT)
    p_text, p_image = pipeline.branch_probs(version, val_ex, cache)
    both = val_ex.has_text & val_ex.has_image
    if both.any():
        version.text_weight = choose_text_weight(p_text[both], p_image[both], val_ex.labels[both])
    fused = pipeline.fused_probs(version, val_ex, p_text, p_image)
    return float(f1_score(val_ex.labels, np.argmax(fused, axis=1), average="weighted"))
