"""Retraining on recent data: the products ingested since production, plus a replay sample."""

from __future__ import annotations

import pytest

from common import model_store
from common.db import init_db, session_factory
from common.model_store import write_json_atomic
from common.orm import ModelVersionRecord
from common.settings import load_settings
from tests.trainer import synthetic
from trainer import dataset, pipeline
from trainer.context import TrainerContext
from trainer.errors import NoTrainingData
from trainer.importer import import_directory


def training_examples(sessions) -> dataset.Examples:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return dataset.split(dataset.load_examples(session))[dataset.TRAIN]


def test_recent_data_is_the_new_products_and_a_replay_sample(tmp_path, redis_server) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(redis_url=redis_server.url, var_dir=tmp_path / "var",
                             data_dir=tmp_path / "data", vgg16_weights="random")  # fmt: skip
    ctx = TrainerContext(settings, session_factory(init_db(settings)), None)
    sessions = ctx.sessions
    old = synthetic.products(per_class=6, seed=0, image_every=100)
    import_directory(settings, sessions, synthetic.write_shared(tmp_path / "old", old))
    with sessions.begin() as session:
        session.add(ModelVersionRecord(name="v1"))
    write_json_atomic(settings.models_path / model_store.POINTER, {"version": "v1"})

    with pytest.raises(NoTrainingData, match="since v1"):
        pipeline._recent_only(ctx, training_examples(sessions), replay=5)

    new = synthetic.products(per_class=2, seed=1, image_every=100)
    import_directory(settings, sessions, synthetic.write_shared(tmp_path / "new", new))
    train_ex = training_examples(sessions)
    chosen, info = pipeline._recent_only(ctx, train_ex, replay=5)

    new_ids = {item.productid for item in new}
    new_in_train = {p for p in train_ex.productids if p in new_ids}
    assert new_in_train and {p for p in chosen.productids if p in new_ids} == new_in_train
    assert info["mode"] == "recent" and info["since_version"] == "v1"
    assert (info["recent"], info["replayed"]) == (len(new_in_train), 5)
    assert len(chosen) == len(new_in_train) + 5 < len(train_ex)
    again, _ = pipeline._recent_only(ctx, train_ex, replay=5)
    assert again.productids == chosen.productids  # the same replay sample every time


def test_without_production_recent_means_all(tmp_path, redis_server) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(redis_url=redis_server.url, var_dir=tmp_path / "var",
                             data_dir=tmp_path / "data", vgg16_weights="random")  # fmt: skip
    ctx = TrainerContext(settings, session_factory(init_db(settings)), None)
    sessions = ctx.sessions
    items = synthetic.products(per_class=3, image_every=100)
    import_directory(settings, sessions, synthetic.write_shared(tmp_path / "src", items))
    train_ex = training_examples(sessions)
    chosen, info = pipeline._recent_only(ctx, train_ex, replay=5)
    assert chosen is train_ex and info["mode"] == "all"
