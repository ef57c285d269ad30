"""``python -m trainer``: import, train, evaluate, export, tune, worker, bootstrap.

The composition root of the trainer: reads settings once, sets up logging and
TensorFlow's threads, builds the ``TrainerContext`` (database, Redis) and passes
it down to the command, the jobs and the schedule.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from common.logs import configure_logging  # noqa: E402
from common.model_store import UnknownVersion  # noqa: E402
from common.settings import Settings, load_settings  # noqa: E402
from trainer.errors import TrainerError  # noqa: E402
from trainer.progress import EpochBars, bars_wanted  # noqa: E402

if TYPE_CHECKING:
    from trainer.context import TrainerContext

logger = logging.getLogger("trainer")


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _configure_tf(settings: Settings) -> None:
    if settings.tf_intra_threads or settings.tf_inter_threads:
        import tensorflow as tf

        if settings.tf_intra_threads:
            tf.config.threading.set_intra_op_parallelism_threads(settings.tf_intra_threads)
        if settings.tf_inter_threads:
            tf.config.threading.set_inter_op_parallelism_threads(settings.tf_inter_threads)


def _context(settings: Settings, *, require_redis: bool = False) -> TrainerContext:
    from trainer.context import build_context

    return build_context(settings, require_redis=require_redis)


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from trainer.importer import import_directory

    report = import_directory(
        settings,
        _context(settings).sessions,
        Path(args.path or settings.data_dir),
        args.split,
        progress=bars_wanted(),
    )
    _print_json(report.to_dict())
    return 0


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "epochs": args.epochs,
        "image_epochs": args.image_epochs or args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "seed": args.seed,
    }


def _epoch_bars(recipe: Any, params: Any) -> EpochBars:
    text_epochs = recipe.epochs * params.text_members  # the members train one after the other
    return EpochBars({"train_text": text_epochs, "train_image": recipe.image_epochs})


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    from trainer import pipeline, recipe

    training_recipe, params = recipe.resolve(settings.tuned_params_path, _overrides(args))
    request = pipeline.TrainingRequest(args.promote, args.sample, args.data, args.replay)
    result = pipeline.train(
        _context(settings), training_recipe, params, request,
        progress=_epoch_bars(training_recipe, params), show_bars=bars_wanted(),
    )  # fmt: skip
    _print_json(result.to_dict())
    return 0


def cmd_evaluate(settings: Settings, args: argparse.Namespace) -> int:
    from trainer.evaluate import evaluate_directory

    result = evaluate_directory(
        settings,
        Path(args.data),
        args.version,
        args.split,
        progress=bars_wanted(),
        branches=args.branches,
        runtime=args.runtime,
    )
    _print_json(result)
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    from trainer.evaluate import resolve_version
    from trainer.pipeline import export_existing

    _print_json(export_existing(_context(settings), resolve_version(settings, args.version)))
    return 0


def cmd_table(settings: Settings, args: argparse.Namespace) -> int:
    from trainer.metrics import table

    sys.stdout.write(table(json.loads(Path(args.result).read_text())) + "\n")
    return 0


def cmd_tune(settings: Settings, args: argparse.Namespace) -> int:
    from trainer.tune import tune

    result = tune(
        _context(settings),
        args.trials,
        sample=args.sample,
        overrides=_overrides(args),
        show_progress=bars_wanted(),
    )
    _print_json(result)
    return 0


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from rq import SimpleWorker

    from trainer import context, jobs  # noqa: F401  (the first job should not import TensorFlow)
    from trainer.observability import serve
    from trainer.scheduler import Scheduler

    ctx = _context(settings, require_redis=True)
    context.install(ctx)  # what the jobs of this process use
    # SimpleWorker runs jobs in this process: forking after TensorFlow started deadlocks.
    worker = SimpleWorker([ctx.queue()], connection=ctx.redis)
    logger.info("training worker on queue %s at %s", settings.training_queue, settings.redis_url)
    serve(settings.metrics_port)
    Scheduler(ctx).start()
    worker.work(burst=args.burst, logging_level=settings.log_level.upper())
    return 0


def cmd_bootstrap(settings: Settings, args: argparse.Namespace) -> int:
    """First model for an empty model volume: import DATA_DIR and train, if there is data."""
    from common import model_store
    from trainer.layouts import LayoutError, detect_layout

    current = model_store.production_version(settings.models_path)
    if current is not None:
        logger.info("production version %s exists: nothing to bootstrap", current)
        return 0
    try:
        layout = detect_layout(settings.data_dir)
    except LayoutError as exc:
        sys.stdout.write(
            f"No model yet and no training data: {exc}.\n"
            "Put the Rakuten challenge files (X_train_update.csv, Y_train_CVw08PX.csv, "
            "image_train/, from https://challengedata.ens.fr/challenges/35) in DATA_DIR "
            f"({settings.data_dir}), then run: python -m trainer bootstrap\n"
        )
        return 0
    from trainer import pipeline, recipe
    from trainer.importer import import_directory

    # The shared layout's val split stays out of training, to evaluate on.
    split = "train" if layout == "products_csv" and args.split is None else args.split
    logger.info("bootstrapping: importing %s (%s, split %s)", settings.data_dir, layout, split)
    ctx = _context(settings)
    report = import_directory(
        settings, ctx.sessions, settings.data_dir, split, progress=bars_wanted()
    )
    logger.info("imported: %s", {k: v for k, v in report.to_dict().items() if k != "rejected_rows"})
    training_recipe, params = recipe.resolve(settings.tuned_params_path, _overrides(args))
    result = pipeline.train(
        ctx, training_recipe, params, pipeline.TrainingRequest(sample=args.sample),
        progress=_epoch_bars(training_recipe, params), show_bars=bars_wanted(),
    )  # fmt: skip
    _print_json(result.to_dict())
    return 0


def _add_schedule(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--epochs", type=int, help="most epochs per branch (early stopping may end sooner)"
    )
    p.add_argument(
        "--image-epochs",
        type=int,
        help="most epochs of the image head (default: --epochs, else the tuned/default value)",
    )
    p.add_argument("--batch-size", type=int)
    p.add_argument("--learning-rate", type=float, help="text branch learning rate")
    p.add_argument("--sample", type=int, help="train on about N products only (quick runs)")
    p.add_argument("--seed", type=int, help="starting weights and shuffling (default 0)")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m trainer", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import", help="import labelled products into the database")
    p.add_argument("path", nargs="?", help="directory in either layout (default: DATA_DIR)")
    p.add_argument("--split", help="keep only rows of this split (products.csv layout)")
    p.set_defaults(run=cmd_import)
    p = sub.add_parser("train", help="train, evaluate, register (and maybe promote) a version")
    _add_schedule(p)
    p.add_argument("--promote", choices=("auto", "always", "never"), default="auto")
    p.add_argument(
        "--data",
        choices=("all", "recent"),
        default="all",
        help="recent: products ingested since production was trained, plus --replay",
    )
    p.add_argument(
        "--replay",
        type=int,
        default=2000,
        help="older products replayed with --data recent (default 2000)",
    )
    p.set_defaults(run=cmd_train)
    p = sub.add_parser("evaluate", help="score a version on a directory, without importing it")
    p.add_argument("--data", required=True, help="directory in either layout")
    p.add_argument("--version", help="version name (default: production)")
    p.add_argument("--split", help="keep only rows of this split (products.csv layout)")
    p.add_argument("--branches", action="store_true", help="also score each branch alone")
    p.add_argument(
        "--runtime",
        choices=("auto", "int8", "fp32", "keras"),
        default="auto",
        help="what runs the model: as workers serve it (auto: int8 where its gate passed), "
        "int8, fp32 (ONNX Runtime), or the Keras weights",
    )
    p.add_argument("--output", help="also write the JSON result to this file")
    p.set_defaults(run=cmd_evaluate)
    p = sub.add_parser(
        "export", help="write the ONNX files workers serve (int8 gated) for an older version"
    )
    p.add_argument("version", nargs="?", help="version name (default: production)")
    p.set_defaults(run=cmd_export)
    p = sub.add_parser("table", help="print an evaluate result (JSON file) as a Markdown table")
    p.add_argument("result")
    p.set_defaults(run=cmd_table)
    p = sub.add_parser("tune", help="search hyperparameters with Optuna")
    p.add_argument("--trials", type=int, default=20)
    _add_schedule(p)
    p.set_defaults(run=cmd_tune)
    p = sub.add_parser("worker", help="RQ worker of the training queue")
    p.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    p.set_defaults(run=cmd_worker)
    p = sub.add_parser("bootstrap", help="import DATA_DIR and train when no model exists yet")
    p.add_argument("--split", help="split to import (default: train, for the shared layout)")
    _add_schedule(p)
    p.set_defaults(run=cmd_bootstrap)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format, service="trainer")
    _configure_tf(settings)
    try:
        return int(args.run(settings, args))
    except (TrainerError, UnknownVersion) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
