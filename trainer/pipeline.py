"""One training run: database -> split -> branches -> fusion -> evaluation -> version -> registry.

``python -m trainer train`` and the RQ job ``trainer.jobs.retrain`` both call
``train``; progress goes to a callback as (stage, epoch, metrics so far).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import redis
from sqlalchemy import select

from common import model_store, registry
from common.categories import CODES
from common.db import init_db, session_factory
from common.image_store import ImageStore
from common.orm import BATCH_DONE, IngestionBatch, ModelVersionRecord, Product
from common.settings import ROOT, Settings
from model_service.model import ModelParams, build_image_head, build_text_model, build_vgg16_base
from model_service.model import fuse as fuse_one
from model_service.version import ModelVersion, load_version, save_version
from trainer import dataset, metrics, report
from trainer.config import Schedule
from trainer.errors import NoTrainingData
from trainer.features import FeatureCache, weights_tag
from trainer.fit import (
    choose_text_weight,
    fit_encoder,
    fit_image_head,
    fit_text_branch,
    predict_token_ids,
    text_teacher_targets,
)

logger = logging.getLogger(__name__)

Progress = Callable[[str, int | None, dict[str, Any]], None]
"""(stage, epoch or None, metrics so far)."""

DEFAULT_REPLAY = 2000
"""Older products replayed beside the recent ones when retraining on recent data."""

DEFAULT_TEXT_WEIGHT = 0.5
"""Fusion weight when validation has no product with both modalities to choose it on."""


@dataclass
class TrainResult:
    version: str
    path: Path
    metrics: dict[str, Any]
    promoted: bool
    decision: str
    production_f1: float | None
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "path": str(self.path),
            "promoted": self.promoted,
            "decision": self.decision,
            "production_f1_weighted": self.production_f1,
            "seconds": round(self.seconds, 1),
            "metrics": metrics.short(self.metrics),
        }


def _seed(seed: int) -> None:
    import keras  # after model_service.model, which chooses the backend

    keras.utils.set_random_seed(seed)


def _no_progress(stage: str, epoch: int | None, values: dict[str, Any]) -> None:
    pass


def train(
    settings: Settings,
    schedule: Schedule,
    params: ModelParams,
    *,
    promote: str = "auto",
    sample: int | None = None,
    data: str = "all",
    replay: int = DEFAULT_REPLAY,
    progress: Progress | None = None,
    redis_client: redis.Redis | None = None,
    show_bars: bool = False,
) -> TrainResult:
    """Train, evaluate, save and register a new version; promote it per ``promote``.

    ``data="recent"`` trains on the products ingested since production was
    trained plus about ``replay`` older ones; validation and the fixed
    evaluation set stay whole, so versions remain comparable.
    """
    report_progress = progress or _no_progress
    started = time.monotonic()
    _seed(schedule.seed)
    mode = registry.PromoteMode(promote)
    sessions = session_factory(init_db(settings))

    report_progress("load", None, {})
    with sessions() as session:
        examples = dataset.load_examples(session)
        batches = list(
            session.scalars(
                select(IngestionBatch.id)
                .where(IngestionBatch.status == BATCH_DONE)
                .order_by(IngestionBatch.id)
            )
        )
    if sample:
        examples = dataset.sample(examples, sample)
    parts = dataset.split(examples)
    counts = {name: part.counts() for name, part in parts.items()}
    logger.info("data: %s", counts)
    if not len(parts[dataset.TRAIN]) or not len(parts[dataset.VAL]):
        raise NoTrainingData(
            f"{len(examples)} products in the database: too few to train on; "
            "import labelled data first (python -m trainer import DIR)"
        )
    train_ex, val_ex, eval_ex = parts[dataset.TRAIN], parts[dataset.VAL], parts[dataset.EVAL]
    training_data: dict[str, Any] = {"mode": "all"}
    if data == "recent":
        train_ex, training_data = _recent_only(sessions, settings, train_ex, replay)

    staging = Path(tempfile.mkdtemp(dir=_ensure(settings.models_path), prefix=".staging-"))
    try:
        tb = _TensorBoard(staging / "tensorboard")
        histories: dict[str, dict[str, list[float]]] = {}

        report_progress("text_encoder", None, {})
        encoder = fit_encoder(train_ex.subset(train_ex.has_text).texts, params)
        params = replace(params, vocab_size=encoder.size)
        text_model = train_text(
            params,
            encoder,
            train_ex,
            val_ex,
            schedule,
            _epoch_hook("text", report_progress, tb),
            histories,
        )
        report_progress("features", None, {})
        cache = feature_cache(settings, params.image_size)
        digests = [h for part in parts.values() for h in part.image_hashes if h is not None]
        computed = cache.ensure(digests, progress=show_bars)
        if params.image_flip:  # the image head also trains on mirrored training photos
            train_digests = [h for h in train_ex.image_hashes if h is not None]
            computed += cache.mirrored().ensure(train_digests, progress=show_bars)
        image_head = train_image(
            params,
            cache,
            train_ex,
            val_ex,
            schedule,
            _epoch_hook("image", report_progress, tb),
            histories,
        )
        tb.close()

        # --- fusion weight on validation products with both modalities -------------
        report_progress("fusion", None, {})
        version = ModelVersion(
            "candidate", params, encoder, text_model, image_head, DEFAULT_TEXT_WEIGHT
        )
        va_b = val_ex.subset(val_ex.has_text & val_ex.has_image)
        if len(va_b):
            p_text, p_image = branch_probs(version, va_b, cache)
            version.text_weight = choose_text_weight(p_text, p_image, va_b.labels)
        else:
            logger.warning(
                "no validation product has both modalities: fusion weight %.2f", DEFAULT_TEXT_WEIGHT
            )

        # --- evaluation set ---------------------------------------------------------
        report_progress("evaluate", None, {})
        scores = evaluate_examples(version, eval_ex, cache)
        scores["fusion"] = {"text_weight": version.text_weight, "validation_both_rows": len(va_b)}
        production = model_store.production_version(settings.models_path)
        production_f1 = _production_f1(settings, production, eval_ex)
        promote_now, decision = registry.should_promote(
            mode, scores.get("f1_weighted"), production_f1
        )
        scores["compared_with"] = {"production": production, "f1_weighted": production_f1}

        # --- write the version --------------------------------------------------------
        report_progress("save", None, metrics.short(scores))
        provenance = {
            "ingestion_batches": batches, "git_revision": git_revision(),
            "data": counts, "sample": sample, "vgg16_features_computed": computed,
            "training_data": training_data,
            "class_counts": {str(CODES[i]): int(n) for i, n in  # the drift reference
                             enumerate(np.bincount(train_ex.labels, minlength=len(CODES))) if n},
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "evaluation_set": f"sha256('eval:' + productid) < {dataset.EVAL_FRACTION}",
        }  # fmt: skip
        report.plot_curves(staging / "curves.png", histories)
        if "confusion_matrix" in scores:
            report.plot_confusion(staging / "confusion.png", scores["confusion_matrix"])
        seconds = time.monotonic() - started
        training = {
            "schedule": asdict(schedule),
            "histories": histories,
            "seconds": round(seconds, 1),
        }
        path = _save(settings.models_path, version, staging, scores, provenance, training, decision)
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    # --- registry ----------------------------------------------------------------------
    with sessions.begin() as session:
        registry.record_version(
            session, version.name, params=params.to_dict() | {"schedule": asdict(schedule)},
            metrics=scores, provenance=provenance, f1_weighted=scores.get("f1_weighted"),
            training_seconds=seconds)  # fmt: skip
    if promote_now:
        registry.promote(sessions, settings.models_path, version.name, decision, redis_client)
    logger.info(
        "version %s: weighted F1 %.4f on %d evaluation products; %s",
        version.name,
        scores.get("f1_weighted", float("nan")),
        scores["n"],
        decision,
    )
    _log_mlflow(settings, version.name, params, schedule, scores, path)
    report_progress("done", None, metrics.short(scores))
    return TrainResult(
        version.name, path, scores, promote_now, decision, production_f1, time.monotonic() - started
    )


def train_text(
    params: ModelParams,
    encoder: Any,
    train_ex: dataset.Examples,
    val_ex: dataset.Examples,
    schedule: Schedule,
    on_epoch: Any,
    histories: dict[str, dict[str, list[float]]],
) -> Any:
    """The text branch trained on rows with text (untrained when there are none)."""
    tr, va = train_ex.subset(train_ex.has_text), val_ex.subset(val_ex.has_text)
    if not (len(tr) and len(va)):
        logger.warning("no text rows in train or validation: the text branch stays untrained")
        return build_text_model(params)
    result = fit_text_branch(
        params, encoder.encode(tr.texts, params.seq_len), tr.labels,
        encoder.encode(va.texts, params.seq_len), va.labels, epochs=schedule.epochs,
        batch_size=schedule.batch_size, learning_rate=schedule.learning_rate,
        patience=schedule.patience, on_epoch=on_epoch,
        soft_targets=teacher_targets(params, tr))  # fmt: skip
    histories["text"] = result.history
    return result.model


def teacher_targets(params: ModelParams, tr: dataset.Examples) -> np.ndarray | None:
    """Out-of-fold TF-IDF teacher probabilities for the text rows ``tr``, when distilling.

    None when ``params.distill_weight`` is 0, or when some class has a single text
    (out-of-fold scores need two per class): the branch then learns from labels alone.
    """
    if params.distill_weight <= 0:
        return None
    counts = np.bincount(tr.labels)
    if counts[counts > 0].min() < 2:
        logger.warning("a class has a single training text: no teacher, labels alone")
        return None
    return text_teacher_targets(tr.texts, tr.labels, params)


def train_image(
    params: ModelParams,
    cache: FeatureCache,
    train_ex: dataset.Examples,
    val_ex: dataset.Examples,
    schedule: Schedule,
    on_epoch: Any,
    histories: dict[str, dict[str, list[float]]],
) -> Any:
    """The image head trained on cached features of rows with an image."""
    tr, va = train_ex.subset(train_ex.has_image), val_ex.subset(val_ex.has_image)
    if not (len(tr) and len(va)):
        logger.warning("no image rows in train or validation: the image head stays untrained")
        return build_image_head(params)
    flipped = cache.mirrored().features(tr.image_hashes) if params.image_flip else None
    result = fit_image_head(
        params, cache.features(tr.image_hashes), tr.labels, cache.features(va.image_hashes),
        va.labels, epochs=schedule.image_epochs, batch_size=schedule.image_batch_size,
        learning_rate=schedule.image_learning_rate, patience=schedule.image_patience,
        on_epoch=on_epoch, f_train_flipped=flipped)  # fmt: skip
    histories["image"] = result.history
    return result.model


def feature_cache(settings: Settings, image_size: int) -> FeatureCache:
    """The feature cache on the model volume for VGG16 at ``image_size``."""
    return FeatureCache(
        settings.features_path, ImageStore(settings.images_path),
        lambda: build_vgg16_base(settings.vgg16_weights, image_size), image_size,
        weights_tag(settings.vgg16_weights), max_pixels=settings.max_image_pixels,
    )  # fmt: skip


def branch_probs(
    version: ModelVersion, ex: dataset.Examples, cache: FeatureCache
) -> tuple[np.ndarray, np.ndarray]:
    """Each branch's (n, 27) probabilities for every row (zeros where the modality is absent).

    The same arithmetic as ``Predictor``: encoder ids -> text model; image -> VGG16 -> head,
    with the VGG16 part read from the cache (the cache holds exactly that base's output).
    """
    k = version.params.num_classes
    p_text, p_image = np.zeros((len(ex), k), np.float32), np.zeros((len(ex), k), np.float32)
    t, i = ex.has_text, ex.has_image
    if t.any():
        ids = version.encoder.encode(
            [x for x, m in zip(ex.texts, t, strict=True) if m], version.params.seq_len
        )
        p_text[t] = predict_token_ids(version.text_model, ids)  # padding is masked: same result
    if i.any():
        feats = cache.features([h for h in ex.image_hashes if h is not None])
        p_image[i] = _predict(version.image_head, feats)
    return p_text, p_image


def fused_probs(
    version: ModelVersion, ex: dataset.Examples, p_text: np.ndarray, p_image: np.ndarray
) -> np.ndarray:
    """Per-product fusion with ``model_service.model.fuse``, exactly as served."""
    t, i = ex.has_text, ex.has_image
    return (
        np.stack(
            [
                fuse_one(
                    p_text[n] if t[n] else None, p_image[n] if i[n] else None, version.text_weight
                )
                for n in range(len(ex))
            ]
        )
        if len(ex)
        else np.zeros((0, version.params.num_classes), np.float32)
    )


def evaluate_examples(
    version: ModelVersion, ex: dataset.Examples, cache: FeatureCache
) -> dict[str, Any]:
    """Full metrics of ``version`` on ``ex`` (fused, per modality, each branch alone)."""
    p_text, p_image = branch_probs(version, ex, cache)
    fused = fused_probs(version, ex, p_text, p_image)
    return metrics.evaluation(ex.labels, fused, ex.has_text, ex.has_image, p_text, p_image)


def _predict(model: Any, x: np.ndarray, batch: int = 512) -> np.ndarray:
    return np.concatenate(
        [np.asarray(model(x[s : s + batch], training=False)) for s in range(0, len(x), batch)]
    )


def _recent_only(
    sessions: Any, settings: Settings, train_ex: dataset.Examples, replay: int
) -> tuple[dataset.Examples, dict[str, Any]]:
    """Training products ingested since production was trained, plus a replay sample."""
    production = model_store.production_version(settings.models_path)
    with sessions() as session:
        since = session.scalar(
            select(ModelVersionRecord.created_at).where(ModelVersionRecord.name == production)
        )
        if since is None:
            logger.warning("no production version to be recent against: training on all data")
            return train_ex, {"mode": "all", "reason": "no production version"}
        recent_ids = set(
            session.scalars(select(Product.productid).where(Product.updated_at > since))
        )
    chosen = dataset.recent_with_replay(train_ex, recent_ids, replay)
    new = sum(p in recent_ids for p in chosen.productids)
    if not new:
        raise NoTrainingData(f"no labelled product was ingested since {production} was trained")
    logger.info("recent data: %d new and %d replayed training products", new, len(chosen) - new)
    return chosen, {"mode": "recent", "since": since.isoformat(), "since_version": production,
                    "recent": new, "replayed": len(chosen) - new}  # fmt: skip


def _production_f1(
    settings: Settings, production: str | None, eval_ex: dataset.Examples
) -> float | None:
    """Production's weighted F1 on today's evaluation set (it may have grown since)."""
    if production is None:
        return None
    try:
        current = load_version(model_store.version_path(settings.models_path, production))
    except (OSError, ValueError, model_store.UnknownVersion) as exc:
        logger.warning(
            "production version %s cannot be loaded (%s): treating as absent", production, exc
        )
        return None
    cache = feature_cache(settings, current.params.image_size)
    return float(evaluate_examples(current, eval_ex, cache).get("f1_weighted", 0.0))


def _save(
    models_dir: Path,
    version: ModelVersion,
    staging: Path,
    scores: dict[str, Any],
    provenance: dict[str, Any],
    training: dict[str, Any],
    decision: str,
) -> Path:
    extra_files = {
        name: staging / name
        for name in ("curves.png", "confusion.png", "tensorboard")
        if (staging / name).exists()
    }
    for _ in range(5):  # another trainer may take the same name first
        version.name = model_store.next_version_name(models_dir)
        report.write_report(staging / "report.md", version.name, scores, provenance, decision)
        try:
            return save_version(
                models_dir, version,
                extra_json={"metrics.json": scores, "provenance.json": provenance,
                            "training.json": training},
                extra_files={**extra_files, "report.md": staging / "report.md"})  # fmt: skip
        except FileExistsError:
            continue
    raise RuntimeError(f"could not find a free version name in {models_dir}")


def git_revision() -> str:
    """The checkout's commit (``+dirty`` with uncommitted changes), or ``unknown``."""
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return rev + ("+dirty" if dirty.strip() else "")


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


class _TensorBoard:
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


def _epoch_hook(branch: str, progress: Progress, tb: _TensorBoard) -> Callable[[int, dict], None]:
    def on_epoch(epoch: int, values: dict[str, float]) -> None:
        tb.write(branch, epoch, values)
        progress(f"train_{branch}", epoch + 1, values)

    return on_epoch


def _log_mlflow(
    settings: Settings,
    name: str,
    params: ModelParams,
    schedule: Schedule,
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
            mlflow.log_params(params.to_dict() | asdict(schedule))
            mlflow.log_metrics({k: float(v) for k, v in metrics.summary(scores).items()})
            for modality, values in scores.get("by_modality", {}).items():
                mlflow.log_metrics(
                    {f"{modality}_{k}": float(v) for k, v in metrics.summary(values).items()}
                )
            mlflow.log_artifacts(str(path), artifact_path=name)
    except Exception:  # tracking is a side channel: never fail a finished training for it
        logger.exception("MLflow logging failed for %s", name)
