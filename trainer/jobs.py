"""Every job of the ``training`` queue, in one place.

RQ calls them by the dotted names in ``common.keys.TRAINING_JOBS`` (the API and
the schedule queue them through ``common.job_queue``). Each takes one ``params``
dict, reaches settings, database and Redis through the process's
``TrainerContext``, reports progress in ``job.meta`` (``stage``, ``epoch``,
``metrics``; ``GET /admin/jobs/<id>`` reads it) and runs ``@supervised``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from trainer import evaluate as evaluate_mod
from trainer import importer, pipeline, recent, recipe, scheduler
from trainer.context import current
from trainer.errors import NoModel, NoTrainingData
from trainer.job_control import report, supervised

logger = logging.getLogger(__name__)


@supervised("retrain")
def retrain(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train a new version.

    ``params``: recipe/ModelParams fields, ``promote``, ``sample``, ``data``
    (``all`` or ``recent``) and ``replay`` (older products kept with ``recent``).
    """
    params = dict(params or {})
    request = pipeline.TrainingRequest(
        promote=params.pop("promote", "auto"),
        sample=params.pop("sample", None),
        data=params.pop("data", "all"),
        replay=params.pop("replay", pipeline.DEFAULT_REPLAY),
    )
    ctx = current()
    training_recipe, model_params = recipe.resolve(ctx.settings.tuned_params_path, params)

    def progress(stage: str, epoch: int | None, metrics: dict[str, Any]) -> None:
        # A cancel seen once the version is written would lose a version that exists.
        cancelable = stage not in pipeline.WRITTEN_STAGES
        report(stage=stage, epoch=epoch, metrics=metrics, cancelable=cancelable)

    result = pipeline.train(ctx, training_recipe, model_params, request, progress=progress)
    return result.to_dict()


@supervised("evaluate")
def evaluate(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Score a version (``version``, default production) on ``data`` (default DATA_DIR)."""
    params = dict(params or {})
    settings = current().settings
    report(stage="evaluate")
    return evaluate_mod.evaluate_directory(
        settings, Path(params.get("data") or settings.data_dir), params.get("version"),
        params.get("split"))  # fmt: skip


@supervised("import")
def import_products(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Import ``path`` (default DATA_DIR), optionally one ``split`` of the shared layout."""
    params = dict(params or {})
    ctx = current()

    def on_row(done: int, total: int) -> None:
        if done % 500 == 0 or done == total:
            report(stage="import", done=done, total=total)

    result = importer.import_directory(
        ctx.settings, ctx.sessions, Path(params.get("path") or ctx.settings.data_dir),
        params.get("split"), on_row=on_row,
    )  # fmt: skip
    return result.to_dict()


@supervised("evaluate_recent")
def evaluate_recent(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Score ``version`` (default production) on products ingested after it was trained."""
    return recent.evaluate_recent(current(), (params or {}).get("version"))


@supervised("scheduled_evaluation")
def scheduled_evaluation(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Score production on products newer than it, keep the score and alert if it is low."""
    ctx = current()
    try:
        result = recent.evaluate_recent(ctx, None)
    except (NoModel, NoTrainingData) as exc:
        logger.info("scheduled evaluation skipped: %s", exc)
        return {"skipped": str(exc)}
    result["alerted"] = scheduler.record_evaluation(ctx, result)
    return result
