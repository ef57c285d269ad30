"""The RQ jobs on a real Redis with rq's SimpleWorker, and the command line."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from rq import Queue, SimpleWorker, get_current_job
from rq.job import Job, JobStatus
from sqlalchemy import func, select

from common import keys, model_store
from common.db import init_db, session_factory
from common.job_queue import enqueue_retrain
from common.orm import ModelVersionRecord, Product
from common.settings import load_settings
from model_service.fusion import ProductInput
from model_service.runtime import IMAGE_FILES, SERVING_FILE, TEXT_FILE, load_predictor
from tests.conftest import VGG16_WEIGHTS
from tests.trainer import synthetic
from trainer import context, pipeline, recipe
from trainer.__main__ import main

WEIGHTS = str(VGG16_WEIGHTS) if VGG16_WEIGHTS.is_file() else "random"


@pytest.fixture
def env(settings, monkeypatch, tmp_path):
    """The environment a trainer process (worker or CLI) reads its settings from."""
    for name, value in {
        "REDIS_URL": settings.redis_url,
        "VAR_DIR": str(settings.var_dir),
        "DATA_DIR": str(tmp_path / "data"),
        "VGG16_WEIGHTS": WEIGHTS,
        "DATABASE_URL": "",
        "LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    # What `python -m trainer worker` does at start, for jobs this test runs in-process.
    context.install(context.build_context(load_settings()))
    yield settings
    context.install(None)


def test_import_and_retrain_jobs_report_progress_in_job_meta(env, redis_client, tmp_path):
    source = synthetic.write_shared(tmp_path / "src", synthetic.products(per_class=20))
    queue = Queue("training", connection=redis_client)
    imported = queue.enqueue("trainer.jobs.import_products", {"path": str(source)})
    tiny = synthetic.TINY_PARAMS.to_dict() | {"min_count": 1, "warmup_fraction": 0.0}
    retrain = queue.enqueue("trainer.jobs.retrain", {
        **tiny, "epochs": 3, "image_epochs": 2, "batch_size": 16, "learning_rate": 1e-2,
        "promote": "always"}, job_timeout=600)  # fmt: skip
    bad = queue.enqueue("trainer.jobs.retrain", {"epochz": 3})
    SimpleWorker([queue], connection=redis_client).work(burst=True)

    imported.refresh()
    assert imported.get_status() == JobStatus.FINISHED
    assert imported.return_value()["inserted"] == 60
    assert imported.meta["stage"] == "import" and imported.meta["done"] == 60
    retrain.refresh()
    assert retrain.get_status() == JobStatus.FINISHED, retrain.latest_result().exc_string
    assert retrain.return_value()["version"] == "v1" and retrain.return_value()["promoted"]
    assert retrain.meta["stage"] == "done" and "f1_weighted" in retrain.meta["metrics"]
    assert model_store.production_version(env.models_path) == "v1"
    assert bad.get_status(refresh=True) == JobStatus.FAILED  # the worker survived it
    assert "epochz" in bad.latest_result().exc_string


def _cancel_after(real):
    """``real``, after which an admin cancels the job running it."""

    def run(*args, **kwargs):
        result = real(*args, **kwargs)
        job = get_current_job()
        job.connection.set(keys.job_cancel(job.id), "root")
        return result

    return run


def test_a_retrain_stops_on_cancel_until_its_version_is_written(
    env, redis_client, tmp_path, monkeypatch
):
    source = synthetic.write_shared(tmp_path / "src", synthetic.products(per_class=20))
    queue = Queue(env.training_queue, connection=redis_client)
    queue.enqueue("trainer.jobs.import_products", {"path": str(source)})
    SimpleWorker([queue], connection=redis_client).work(burst=True)
    ctx = context.current()
    tiny = synthetic.TINY_PARAMS.to_dict() | {"min_count": 1, "warmup_fraction": 0.0}
    params = {**tiny, "epochs": 2, "image_epochs": 1, "batch_size": 16, "learning_rate": 1e-2,
              "promote": "always"}  # fmt: skip

    # Canceled at "save": nothing is written, and the slot is free again.
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "evaluate_candidate", _cancel_after(pipeline.evaluate_candidate))
        stopped = enqueue_retrain(env, redis_client, ctx.sessions, "test", params)
        assert stopped is not None
        SimpleWorker([queue], connection=redis_client).work(burst=True)
    job = Job.fetch(stopped, connection=redis_client)
    assert job.get_status() == JobStatus.FAILED
    assert "JobCanceled" in job.latest_result().exc_string
    assert job.meta["stage"] == "save"
    assert model_store.list_versions(env.models_path) == []
    assert not list(env.models_path.glob(".staging-*"))
    with ctx.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ModelVersionRecord)) == 0

    # Canceled once the version is written: the run ends as it would have, result kept.
    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "write_version", _cancel_after(pipeline.write_version))
        kept = enqueue_retrain(env, redis_client, ctx.sessions, "test", params)
        assert kept is not None
        SimpleWorker([queue], connection=redis_client).work(burst=True)
    job = Job.fetch(kept, connection=redis_client)
    assert redis_client.exists(keys.job_cancel(kept))  # the cancel was asked for
    assert job.get_status() == JobStatus.FINISHED, job.latest_result().exc_string
    assert job.return_value()["version"] == "v1" and job.return_value()["promoted"]
    assert job.meta["stage"] == "done"
    assert model_store.production_version(env.models_path) == "v1"
    assert (env.models_path / "v1" / SERVING_FILE).is_file()
    with ctx.sessions() as s:
        names = s.scalars(select(ModelVersionRecord.name)).all()
    assert names == ["v1"]
    assert redis_client.get(keys.TRAINING_LOCK) is None


def test_cli_import_and_errors(env, tmp_path, capsys):
    source = synthetic.write_challenge(tmp_path / "src", synthetic.products(per_class=2))
    assert main(["import", str(source)]) == 0
    assert json.loads(capsys.readouterr().out)["inserted"] == 6
    assert main(["import", str(tmp_path / "nowhere")]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["evaluate", "--data", str(source)]) == 2
    assert "no production model version" in capsys.readouterr().err
    assert main(["train"]) == 2  # 6 products: too few to split into train and validation
    assert "too few" in capsys.readouterr().err


def test_bootstrap_without_data_says_what_is_missing(env, capsys):
    assert main(["bootstrap"]) == 0
    out = capsys.readouterr().out
    assert "X_train_update.csv" in out and "DATA_DIR" in out
    assert model_store.production_version(env.models_path) is None


def test_bootstrap_imports_and_trains_a_first_model_once(env, tmp_path, capsys):
    synthetic.write_shared(tmp_path / "data", synthetic.products(per_class=20))
    # Tuned defaults on the model volume are what a plain train/bootstrap uses.
    recipe.save_tuned(
        env.tuned_params_path,
        replace(synthetic.TINY_RECIPE, learning_rate=1e-2, batch_size=16),
        synthetic.TINY_PARAMS,
        {},
    )
    assert main(["bootstrap", "--epochs", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["version"] == "v1" and result["promoted"]
    assert (
        json.loads((env.models_path / "v1" / "params.json").read_text())["embed_dim"]
        == synthetic.TINY_PARAMS.embed_dim
    )
    with session_factory(init_db(env))() as s:  # only the train split was imported
        assert s.scalar(select(func.count()).select_from(Product)) == 48
    assert main(["bootstrap"]) == 0  # a model exists: nothing to do
    assert model_store.list_versions(env.models_path) == ["v1"]

    # Training exported v1 for the workers; a version made before that gets its files
    # from `trainer export`, with the record in metrics.json and the registry.
    v1 = env.models_path / "v1"
    exported = json.loads((v1 / SERVING_FILE).read_text())
    for name in (SERVING_FILE, TEXT_FILE, *IMAGE_FILES.values()):
        (v1 / name).unlink()
    capsys.readouterr()
    assert main(["export", "v1"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert json.loads((v1 / SERVING_FILE).read_text()) == record
    assert record["runtimes"]["products"] == exported["runtimes"]["products"] > 0
    assert json.loads((v1 / "metrics.json").read_text())["serving"] == record
    with session_factory(init_db(env))() as s:
        row = s.scalars(select(ModelVersionRecord).where(ModelVersionRecord.name == "v1")).one()
        assert row.metrics["serving"] == record
    assert load_predictor(v1).predict([ProductInput("piscine", None)]).shape == (1, 27)


def test_train_flags_reach_the_schedule(tmp_path):
    from trainer.__main__ import _overrides, parser

    args = parser().parse_args(["train", "--seed", "3", "--epochs", "5", "--learning-rate", "0.01"])
    chosen, _ = recipe.resolve(tmp_path / "tuned.json", _overrides(args))
    assert (chosen.seed, chosen.epochs, chosen.image_epochs) == (3, 5, 5)
    assert chosen.learning_rate == 0.01
    default, _ = recipe.resolve(tmp_path / "tuned.json", _overrides(parser().parse_args(["train"])))
    assert default == recipe.TrainingRecipe()
