from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from common import keys, model_store, registry
from common.db import make_engine, session_factory, upgrade
from common.orm import ARCHIVED, CANDIDATE, PRODUCTION, ModelVersionRecord


@pytest.mark.parametrize(("mode", "new", "prod", "expected"), [
    ("auto", 0.80, None, True),
    ("auto", 0.81, 0.80, True),
    ("auto", 0.80, 0.80, False),
    ("auto", 0.70, 0.80, False),
    ("always", 0.10, 0.80, True),
    ("never", 0.99, None, False),
])  # fmt: skip
def test_promotion_rule(mode, new, prod, expected):
    promote, reason = registry.should_promote(mode, new, prod)
    assert promote is expected and reason


def test_unknown_promote_mode_is_refused():
    with pytest.raises(ValueError):
        registry.should_promote("sometimes", 0.5, 0.4)


def _fake_version(models_dir, name):
    path = models_dir / name
    path.mkdir(parents=True)
    for file in model_store.REQUIRED_FILES:
        (path / file).write_text("{}")


@pytest.fixture
def sessions(db_url):
    upgrade(db_url)
    engine = make_engine(db_url)
    yield session_factory(engine)
    engine.dispose()


def test_promote_and_roll_back(sessions, tmp_path, redis_client):
    models = tmp_path / "models"
    for name in ("v1", "v2"):
        _fake_version(models, name)
    with sessions.begin() as s:
        registry.record_version(s, "v1", params={}, metrics={}, provenance={}, f1_weighted=0.7)
        registry.record_version(s, "v2", params={}, metrics={}, provenance={}, f1_weighted=0.8)
    pubsub = redis_client.pubsub()
    pubsub.subscribe(keys.MODEL_EVENTS)
    assert pubsub.get_message(timeout=2)["type"] == "subscribe"

    registry.promote(sessions, models, "v1", "first", redis_client)
    registry.promote(sessions, models, "v2", "better", redis_client)
    assert model_store.production_version(models) == "v2"
    with sessions() as s:
        status = {r.name: r.status for r in s.scalars(select(ModelVersionRecord))}
        assert status == {"v1": ARCHIVED, "v2": PRODUCTION}
    messages = [pubsub.get_message(timeout=2) for _ in range(2)]
    assert [json.loads(m["data"])["version"] for m in messages] == ["v1", "v2"]

    registry.promote(sessions, models, "v1", "rollback")  # rolling back = promoting an older one
    assert model_store.production_version(models) == "v1"
    with sessions() as s:
        assert registry.production_record(s).name == "v1"
        assert [r.name for r in registry.list_records(s)] == ["v2", "v1"]
    pubsub.close()


def test_promoting_an_incomplete_version_changes_nothing(sessions, tmp_path):
    models = tmp_path / "models"
    _fake_version(models, "v1")
    (models / "v2").mkdir()
    with sessions.begin() as s:
        registry.record_version(s, "v2", params={}, metrics={}, provenance={}, f1_weighted=0.9)
    registry.promote(sessions, models, "v1")
    with pytest.raises(model_store.UnknownVersion):
        registry.promote(sessions, models, "v2")
    assert model_store.production_version(models) == "v1"
    with sessions() as s:
        assert (
            s.scalars(select(ModelVersionRecord).where(ModelVersionRecord.name == "v2"))
            .one()
            .status
            == CANDIDATE
        )


def test_concurrent_promotions_leave_one_production_version(sessions, tmp_path):
    models = tmp_path / "models"
    names = [f"v{i}" for i in range(1, 7)]
    with sessions.begin() as s:
        for name in names:
            _fake_version(models, name)
            registry.record_version(s, name, params={}, metrics={}, provenance={}, f1_weighted=0.7)

    def promote(name: str) -> None:
        for _ in range(50):  # SQLite refuses a writer whose reads went stale: promote again
            try:
                registry.promote(sessions, models, name, "race")
                return
            except OperationalError:
                time.sleep(0.01)
        raise AssertionError(f"{name} was never promoted")

    for _ in range(3):
        with ThreadPoolExecutor(len(names)) as pool:
            list(pool.map(promote, names))
        with sessions() as s:
            production = s.scalars(
                select(ModelVersionRecord.name).where(ModelVersionRecord.status == PRODUCTION)
            ).all()
        assert production == [model_store.production_version(models)]
