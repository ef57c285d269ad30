"""RQ jobs of the ``training`` queue: import, retrain, evaluate.

Enqueued by dotted name (``"trainer.jobs.retrain"``) by the API; each job builds
its own settings and reports progress in ``job.meta`` (``stage``, ``epoch``,
``metrics``), which ``GET /admin/jobs/<id>`` reads.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from rq import get_current_job

from common.db import init_db, session_factory
from common.settings import load_settings
from trainer import config, importer, job_control, pipeline
from trainer import evaluate as evaluate_mod

logger = logging.getLogger(__name__)


def _meta(**values: Any) -> None:
    """Merge ``values`` into the running job's meta (no-op outside a worker)."""
    job = get_current_job()
    if job is None:
        return
    job.meta.update(values, updated_at=time.time())
    job.save_meta()
    job_control.raise_if_canceled()  # progress reports are where a canceled job stops


def retrain(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Train a new version.

    ``params``: schedule/ModelParams fields, ``promote``, ``sample``, ``data``
    (``all`` or ``recent``) and ``replay`` (older products kept with ``recent``).
    """
    params = dict(params or {})
    promote = params.pop("promote", "auto")
    sample = params.pop("sample", None)
    data = params.pop("data", "all")
    replay = params.pop("replay", pipeline.DEFAULT_REPLAY)
    settings = load_settings()
    schedule, model_params = config.resolve(settings.tuned_params_path, params)
    job = get_current_job()

    def progress(stage: str, epoch: int | None, metrics: dict[str, Any]) -> None:
        _meta(stage=stage, epoch=epoch, metrics=metrics)

    result = pipeline.train(
        settings,
        schedule,
        model_params,
        promote=promote,
        sample=sample,
        data=data,
        replay=replay,
        progress=progress,
        redis_client=job.connection if job else None,
    )
    return result.to_dict()


def evaluate(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Score a version (``version``, default production) on ``data`` (default DATA_DIR)."""
    params = dict(params or {})
    settings = load_settings()
    _meta(stage="evaluate")
    return evaluate_mod.evaluate_directory(
        settings, Path(params.get("data") or settings.data_dir), params.get("version"),
        params.get("split"))  # fmt: skip


def import_products(params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Import ``path`` (default DATA_DIR), optionally one ``split`` of the shared layout."""
    params = dict(params or {})
    settings = load_settings()
    sessions = session_factory(init_db(settings))

    def on_row(done: int, total: int) -> None:
        if done % 500 == 0 or done == total:
            _meta(stage="import", done=done, total=total)

    report = importer.import_directory(
        settings,
        sessions,
        Path(params.get("path") or settings.data_dir),
        params.get("split"),
        on_row=on_row,
    )
    return report.to_dict()
