"""One training run, as stages: load and split -> text branch -> image branch -> fusion
weight -> evaluation -> version directory -> registry (and promotion).

``python -m trainer train`` and the RQ job ``trainer.jobs.retrain`` both call
``train``; each stage is a function that takes and returns plain dataclasses, and
progress goes to a callback as (stage, epoch, metrics so far).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from common import model_store, registry
from common.categories import CODES
from common.image_store import ImageStore
from common.orm import BATCH_DONE, IngestionBatch, ModelVersionRecord, Product
from common.settings import ROOT, Settings
from model_service.fusion import ProductInput
from model_service.model import ModelParams, build_image_head, build_text_model
from model_service.preprocessing import load_image
from model_service.version import ModelVersion, load_version, save_version
from trainer import dataset, metrics, report, tracking
from trainer.context import TrainerContext
from trainer.errors import NoTrainingData
from trainer.features import FeatureCache
from trainer.fit_fusion import choose_text_weight, same_class_pairs
from trainer.fit_image import fit_image_head
from trainer.fit_loop import EpochCallback, predict_token_ids
from trainer.fit_text import fit_encoder, fit_text_branch, text_teacher_targets
from trainer.recipe import TrainingRecipe
from trainer.scoring import evaluate_examples, feature_cache, image_probs, text_probs

logger = logging.getLogger(__name__)

Progress = Callable[[str, int | None, dict[str, Any]], None]
"""(stage, epoch or None, metrics so far)."""

WRITTEN_STAGES = frozenset({"export", "done"})
"""Stages reported once the version is written: a run must not be canceled from here on."""

DEFAULT_REPLAY = 2000
"""Older products replayed beside the recent ones when retraining on recent data."""

DEFAULT_TEXT_WEIGHT = 0.5
"""Fusion weight when no validation photo shares a class with a validation text."""


@dataclass(frozen=True)
class TrainingRequest:
    """What a run was asked for, besides its recipe."""

    promote: str = "auto"  # registry.PromoteMode
    sample: int | None = None  # train on about this many products only (quick runs)
    data: str = "all"  # or "recent": products since production was trained, plus a replay
    replay: int = DEFAULT_REPLAY


@dataclass
class TrainingData:
    """The products of one run, split, with where they came from."""

    train: dataset.Examples
    val: dataset.Examples
    eval: dataset.Examples
    counts: dict[str, Any]
    batches: list[int]
    mode: dict[str, Any]

    def image_hashes(self) -> list[str]:
        return [h for part in (self.train, self.val, self.eval) for h in part.image_hashes if h]


@dataclass
class TextBranch:
    encoder: Any
    model: Any
    params: ModelParams  # with the vocabulary size the encoder ended up with
    history: dict[str, list[float]] = field(default_factory=dict)
    val_probs: np.ndarray | None = None
    """(len(val), classes): each validation text's probabilities from members that did not
    train on it (zeros for rows without text); None when the branch is untrained."""


@dataclass
class ImageBranch:
    head: Any
    cache: FeatureCache
    computed: int  # photos run through VGG16 by this run (0 when all were cached)
    history: dict[str, list[float]] = field(default_factory=dict)


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


def _no_progress(stage: str, epoch: int | None, values: dict[str, Any]) -> None:
    pass


def train(
    ctx: TrainerContext,
    recipe: TrainingRecipe,
    params: ModelParams,
    request: TrainingRequest | None = None,
    *,
    progress: Progress | None = None,
    show_bars: bool = False,
) -> TrainResult:
    """Train, evaluate, save and register a new version; promote it per ``request.promote``.

    ``request.data="recent"`` trains on the products ingested since production was
    trained plus about ``request.replay`` older ones; validation and the fixed
    evaluation set stay whole, so versions remain comparable.
    """
    request = request or TrainingRequest()
    report_progress = progress or _no_progress
    started = time.monotonic()
    mode = registry.PromoteMode(request.promote)
    _seed(recipe.seed)

    report_progress("load", None, {})
    data = load_data(ctx, request)
    staging = Path(tempfile.mkdtemp(dir=_ensure(ctx.settings.models_path), prefix=".staging-"))
    try:
        tb = tracking.TensorBoardLog(staging / "tensorboard")
        report_progress("text_encoder", None, {})
        text = train_text_branch(data, params, recipe, _epoch_hook("text", report_progress, tb))
        report_progress("features", None, {})
        image = train_image_branch(
            ctx.settings, data, text.params, recipe,
            _epoch_hook("image", report_progress, tb), show_bars,
        )  # fmt: skip
        tb.close()
        version = ModelVersion(
            "candidate", text.params, text.encoder, text.model, image.head, DEFAULT_TEXT_WEIGHT
        )
        report_progress("fusion", None, {})
        pairs = choose_fusion_weight(version, data.val, *held_out_probs(version, data, text, image))
        report_progress("evaluate", None, {})
        scores = evaluate_candidate(ctx.settings, version, data, image.cache, pairs)
        production_f1 = scores["compared_with"]["f1_weighted"]
        promote_now, decision = registry.should_promote(
            mode, scores.get("f1_weighted"), production_f1
        )
        report_progress("save", None, metrics.short(scores))
        provenance = _provenance(data, request, image.computed)
        histories = {k: h for k, h in (("text", text.history), ("image", image.history)) if h}
        seconds = time.monotonic() - started
        training = {"recipe": recipe.to_dict(), "histories": histories, "seconds": round(seconds)}
        path = write_version(
            ctx.settings.models_path, version, staging, scores, provenance, training, decision
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)

    report_progress("export", None, {})
    try:
        scores["serving"] = export_for_serving(ctx.settings, path, version, data)
    except Exception as exc:  # the Keras weights stay; `trainer export` can try again
        logger.exception("ONNX export of %s failed", version.name)
        scores["serving"] = {"error": f"{type(exc).__name__}: {exc}"}
        if promote_now:
            promote_now, decision = False, "not promoted: workers cannot serve it (export failed)"
    write_metrics(path, scores)
    register_and_promote(ctx, version, recipe, scores, provenance, seconds, promote_now, decision)
    tracking.log_to_mlflow(ctx.settings, version.name, version.params, recipe, scores, path)
    report_progress("done", None, metrics.short(scores))
    return TrainResult(
        version.name, path, scores, promote_now, decision, production_f1, time.monotonic() - started
    )


# --- the stages, in order ---------------------------------------------------------------


def load_data(ctx: TrainerContext, request: TrainingRequest) -> TrainingData:
    """Labelled products from the database, split by stable hashes of their ids."""
    with ctx.sessions() as session:
        examples = dataset.load_examples(session)
        batches = list(
            session.scalars(
                select(IngestionBatch.id)
                .where(IngestionBatch.status == BATCH_DONE)
                .order_by(IngestionBatch.id)
            )
        )
    if request.sample:
        examples = dataset.sample(examples, request.sample)
    parts = dataset.split(examples)
    counts = {name: part.counts() for name, part in parts.items()}
    logger.info("data: %s", counts)
    if not len(parts[dataset.TRAIN]) or not len(parts[dataset.VAL]):
        raise NoTrainingData(
            f"{len(examples)} products in the database: too few to train on; "
            "import labelled data first (python -m trainer import DIR)"
        )
    train_ex, mode = parts[dataset.TRAIN], {"mode": "all"}
    if request.data == "recent":
        train_ex, mode = _recent_only(ctx, train_ex, request.replay)
    return TrainingData(train_ex, parts[dataset.VAL], parts[dataset.EVAL], counts, batches, mode)


def train_text_branch(
    data: TrainingData, params: ModelParams, recipe: TrainingRecipe, on_epoch: EpochCallback
) -> TextBranch:
    """The vocabulary and the BiGRU members, trained on rows with text (untrained when there
    are none), cross-fitted on the validation texts.

    The validation texts are cut into one fold a member (``dataset.member_folds``):
    member m stops early on fold m and trains on the training texts plus the other
    folds, with a teacher of its own fitted on the same texts. So every validation
    text trains all members but one, and the one that never saw it gives its
    out-of-fold probabilities (``TextBranch.val_probs``), on which the fusion weight
    is chosen. One member trains on the training texts alone, as do all when there
    are fewer validation texts than members.
    """
    tr, va = data.train.subset(data.train.has_text), data.val.subset(data.val.has_text)
    members = params.text_members
    folds = dataset.member_folds(va.productids, members) if 1 < members <= len(va) else None
    encoder = fit_encoder(tr.texts + (va.texts if folds is not None else []), params, recipe)
    params = replace(params, vocab_size=encoder.size)
    if not (len(tr) and len(va)):
        logger.warning("no text rows in train or validation: the text branch stays untrained")
        return TextBranch(encoder, build_text_model(params), params)
    x_train, x_val = (
        encoder.encode(tr.texts, params.seq_len),
        encoder.encode(va.texts, params.seq_len),
    )
    model = build_text_model(params)
    out_of_fold = np.zeros((len(data.val), params.num_classes), np.float32)
    val_text_rows = np.flatnonzero(data.val.has_text)
    history: dict[str, list[float]] = {}
    for m in range(members):  # one after the other, each from its own start
        held = folds == m if folds is not None else np.ones(len(va), dtype=bool)
        texts = tr.texts + [t for t, h in zip(va.texts, held, strict=True) if not h]
        x_fit = np.concatenate([x_train, x_val[~held]])
        y_fit = np.concatenate([tr.labels, va.labels[~held]])
        done = len(history.get("loss", []))  # epochs count on across members
        result = fit_text_branch(
            params, recipe, x_fit, y_fit, x_val[held], va.labels[held],
            on_epoch=lambda epoch, logs, done=done: on_epoch(done + epoch, logs),
            soft_targets=teacher_targets(params, recipe, texts, y_fit),
        )  # fmt: skip
        member = model if members == 1 else model.get_layer(f"text_member_{m}")
        member.set_weights(result.model.get_weights())
        if folds is not None:
            out_of_fold[val_text_rows[held]] = predict_token_ids(result.model, x_val[held])
        for key, values in result.history.items():
            history.setdefault(key, []).extend(values)
    if folds is None:  # no member trained on a validation text: the branch answers them all
        out_of_fold[val_text_rows] = predict_token_ids(model, x_val)
    return TextBranch(encoder, model, params, history, out_of_fold)


def teacher_targets(
    params: ModelParams, recipe: TrainingRecipe, texts: list[str], labels: np.ndarray
) -> np.ndarray | None:
    """Out-of-fold TF-IDF teacher probabilities for the training ``texts``, when distilling.

    None when ``recipe.distill_weight`` is 0, or when some class has a single text
    (out-of-fold scores need two per class): the branch then learns from labels alone.
    """
    if recipe.distill_weight <= 0:
        return None
    counts = np.bincount(labels)
    if counts[counts > 0].min() < 2:
        logger.warning("a class has a single training text: no teacher, labels alone")
        return None
    return text_teacher_targets(texts, labels, params.num_classes, recipe.teacher_temperature)


def train_image_branch(
    settings: Settings,
    data: TrainingData,
    params: ModelParams,
    recipe: TrainingRecipe,
    on_epoch: EpochCallback,
    show_bars: bool = False,
) -> ImageBranch:
    """VGG16 features of every photo (cached), then the head trained on rows with a photo."""
    cache = feature_cache(settings, params)
    computed = cache.ensure(data.image_hashes(), progress=show_bars)
    tr, va = data.train.subset(data.train.has_image), data.val.subset(data.val.has_image)
    flipped = None
    if recipe.image_flip:  # the head also trains on mirrored training photos
        mirrored = cache.mirrored()
        computed += mirrored.ensure(tr.image_hashes, progress=show_bars)
        flipped = mirrored.features(tr.image_hashes)
    if not (len(tr) and len(va)):
        logger.warning("no image rows in train or validation: the image head stays untrained")
        return ImageBranch(build_image_head(params), cache, computed)
    result = fit_image_head(
        params, recipe, cache.features(tr.image_hashes), tr.labels,
        cache.features(va.image_hashes), va.labels, on_epoch=on_epoch, f_train_flipped=flipped,
    )  # fmt: skip
    return ImageBranch(result.model, cache, computed, result.history)


def held_out_probs(
    version: ModelVersion, data: TrainingData, text: TextBranch, image: ImageBranch
) -> tuple[np.ndarray, np.ndarray]:
    """Each branch's probabilities on the validation rows (``scoring.branch_probs``), the text
    branch's from the members that did not train on them (``TextBranch.val_probs``)."""
    p_text = text_probs(version, data.val) if text.val_probs is None else text.val_probs
    return p_text, image_probs(version, data.val, image.cache)


def choose_fusion_weight(
    version: ModelVersion, val: dataset.Examples, p_text: np.ndarray, p_image: np.ndarray
) -> int:
    """Set ``version.text_weight`` on pairs of a validation photo and a validation text of
    its class (``same_class_pairs``), from each branch's probabilities on ``val``
    (``held_out_probs``); how many pairs."""
    text_rows, image_rows = same_class_pairs(val.has_text, val.has_image, val.labels)
    if len(text_rows):
        version.text_weight = choose_text_weight(
            p_text[text_rows], p_image[image_rows], val.labels[image_rows]
        )
    else:
        logger.warning(
            "no validation photo shares a class with a validation text: fusion weight %.2f",
            DEFAULT_TEXT_WEIGHT,
        )
    return len(text_rows)


def evaluate_candidate(
    settings: Settings,
    version: ModelVersion,
    data: TrainingData,
    cache: FeatureCache,
    fusion_pairs: int,
) -> dict[str, Any]:
    """Metrics on the fixed evaluation set, beside production's score on the same products."""
    scores = evaluate_examples(version, data.eval, cache)
    scores["fusion"] = {"text_weight": version.text_weight, "validation_pairs": fusion_pairs}
    production = model_store.production_version(settings.models_path)
    scores["compared_with"] = {
        "production": production,
        "f1_weighted": _production_f1(settings, production, data.eval),
    }
    return scores


def write_version(
    models_dir: Path,
    version: ModelVersion,
    staging: Path,
    scores: dict[str, Any],
    provenance: dict[str, Any],
    training: dict[str, Any],
    decision: str,
) -> Path:
    """The version directory, with its report and plots, under the next free name."""
    report.plot_curves(staging / "curves.png", training["histories"])
    if "confusion_matrix" in scores:
        report.plot_confusion(staging / "confusion.png", scores["confusion_matrix"])
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


def export_for_serving(
    settings: Settings, path: Path, version: ModelVersion, data: TrainingData
) -> dict[str, Any]:
    """The ONNX files workers serve, int8 calibrated on training photos and gated on the
    evaluation products (``trainer.export``); the export record."""
    from trainer import export
    from trainer.backbone import cached_backbone

    store = ImageStore(settings.images_path)
    size, framing = version.params.image_size, version.params.image_framing

    def decode(digest: str) -> np.ndarray:
        return load_image(store.get(digest), settings.max_image_pixels, size, framing)

    # A fixed sample: the first photos in hash order, a content-random, repeatable choice.
    sample = sorted({h for h in data.train.image_hashes if h})[: export.CALIBRATION_PHOTOS]
    calibration = np.stack([decode(h) for h in sample]) if sample else np.zeros((0, size, size, 3))
    backbone = cached_backbone(
        settings.backbones_path, version.params, settings.vgg16_weights,
        calibration.astype(np.uint8),
    )  # fmt: skip
    ex = data.eval
    gate_set = export.GateSet(
        [
            ProductInput(t, decode(h) if h else None)
            for t, h in zip(ex.texts, ex.image_hashes, strict=True)
        ],
        ex.labels,
    )
    return export.export_version(path, version, backbone, gate_set, settings.image_engine)


def export_existing(ctx: TrainerContext, path: Path) -> dict[str, Any]:
    """``trainer export``: the ONNX files of a version trained before workers served ONNX.

    Calibration and gate products come from the database as training would take them.
    """
    version = load_version(path)
    record = export_for_serving(ctx.settings, path, version, load_data(ctx, TrainingRequest()))
    metrics_file = path / "metrics.json"
    scores = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {}
    write_metrics(path, scores | {"serving": record})
    registry.record_serving(ctx.sessions, path.name, record)
    return record


def write_metrics(path: Path, scores: dict[str, Any]) -> None:
    """Replace the version's ``metrics.json`` (atomically: readers see old or new)."""
    tmp = path / ".metrics.json.tmp"
    tmp.write_text(json.dumps(scores, indent=2, ensure_ascii=False))
    os.replace(tmp, path / "metrics.json")


def register_and_promote(
    ctx: TrainerContext,
    version: ModelVersion,
    recipe: TrainingRecipe,
    scores: dict[str, Any],
    provenance: dict[str, Any],
    seconds: float,
    promote_now: bool,
    decision: str,
) -> None:
    """Record the version in the registry; make it production when the rule says so."""
    with ctx.sessions.begin() as session:
        registry.record_version(
            session, version.name, params=version.params.to_dict() | {"recipe": recipe.to_dict()},
            metrics=scores, provenance=provenance, f1_weighted=scores.get("f1_weighted"),
            training_seconds=seconds)  # fmt: skip
    if promote_now:
        registry.promote(ctx.sessions, ctx.settings.models_path, version.name, decision, ctx.redis)
    logger.info(
        "version %s: weighted F1 %.4f on %d evaluation products; %s",
        version.name, scores.get("f1_weighted", float("nan")), scores["n"], decision,
    )  # fmt: skip


def _provenance(data: TrainingData, request: TrainingRequest, computed: int) -> dict[str, Any]:
    return {
        "ingestion_batches": data.batches, "git_revision": git_revision(),
        "data": data.counts, "sample": request.sample, "vgg16_features_computed": computed,
        "training_data": data.mode,
        "class_counts": {str(CODES[i]): int(n) for i, n in  # the drift reference
                         enumerate(np.bincount(data.train.labels, minlength=len(CODES))) if n},
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "evaluation_set": f"sha256('eval:' + productid) < {dataset.EVAL_FRACTION}",
    }  # fmt: skip


def _seed(seed: int) -> None:
    import keras  # after model_service.model, which chooses the backend

    keras.utils.set_random_seed(seed)


def _recent_only(
    ctx: TrainerContext, train_ex: dataset.Examples, replay: int
) -> tuple[dataset.Examples, dict[str, Any]]:
    """Training products ingested since production was trained, plus a replay sample."""
    production = model_store.production_version(ctx.settings.models_path)
    with ctx.sessions() as session:
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
    cache = feature_cache(settings, current.params)
    return float(evaluate_examples(current, eval_ex, cache).get("f1_weighted", 0.0))


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


def _epoch_hook(branch: str, progress: Progress, tb: tracking.TensorBoardLog) -> EpochCallback:
    def on_epoch(epoch: int, values: dict[str, float]) -> None:
        tb.write(branch, epoch, values)
        progress(f"train_{branch}", epoch + 1, values)

    return on_epoch
