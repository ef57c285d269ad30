"""Retention of prediction photos: expired ones nothing uses go; used or recent ones stay."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from sqlalchemy.orm import Session, sessionmaker

from common.db import init_db, session_factory
from common.image_store import ImageStore
from common.orm import (
    FEEDBACK_NEW,
    Feedback,
    IngestionBatch,
    PredictionRecord,
    Product,
    User,
)
from common.settings import Settings, load_settings
from trainer import retention
from trainer.context import TrainerContext
from trainer.retention import remove_expired_photos
from trainer.scheduler import Scheduler

NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=40)


def _settings(tmp_path: Path, redis_url: str, db_url: str) -> Settings:
    return load_settings(
        redis_url=redis_url, var_dir=tmp_path / "var", database_url=db_url, heartbeat_s=0.2,
        claim_idle_ms=1000,
    )  # fmt: skip


def _stored(store: ImageStore, data: bytes, when: datetime) -> str:
    digest = store.put(data)
    os.utime(store.path(digest), (when.timestamp(), when.timestamp()))
    return digest


def _prediction(session: Session, photo: str, when: datetime) -> str:
    pid = uuid.uuid4().hex
    session.add(
        PredictionRecord(
            id=pid, created_at=when, status="done", image_sha256=photo, photo_hash=photo,
            photo_bytes=9,
        )
    )  # fmt: skip
    return pid


def _links(sessions: sessionmaker[Session]) -> dict[str, str | None]:
    with sessions() as session:
        return {r.id: r.photo_hash for r in session.query(PredictionRecord)}


def test_expired_unused_photos_go_and_used_ones_stay(
    tmp_path: Path, redis_server: Any, redis_client: redis.Redis, db_url: str
) -> None:
    settings = _settings(tmp_path, redis_server.url, db_url)
    sessions = session_factory(init_db(settings))
    store = ImageStore(settings.images_path)
    unused = _stored(store, b"nobody wants me", OLD)
    product_photo = _stored(store, b"a product's photo", OLD)
    pending = _stored(store, b"flagged, awaiting review", OLD)
    sent_again = _stored(store, b"sent again last week", OLD)
    just_stored = _stored(store, b"sent a moment ago, not recorded yet", NOW)
    with sessions.begin() as session:
        user = User(username="u", password_hash="x")
        batch = IngestionBatch(source="s", kind="k")
        session.add_all([user, batch])
        session.flush()
        ids = {
            name: _prediction(session, digest, OLD)
            for name, digest in [
                ("unused", unused),
                ("product", product_photo),
                ("pending", pending),
                ("sent_again", sent_again),
                ("just_stored", just_stored),
            ]
        }
        ids["recent"] = _prediction(session, sent_again, NOW - timedelta(days=7))
        session.add(Product(productid="p1", image_hash=product_photo, prdtypecode=10,
                            batch_id=batch.id))  # fmt: skip
        session.add(Feedback(prediction_id=ids["pending"], user_id=user.id, is_correct=False,
                             correct_category=10, status=FEEDBACK_NEW))  # fmt: skip

    assert remove_expired_photos(settings, sessions) == {"unlinked": 3, "removed": 1}

    assert unused not in store
    for kept in (product_photo, pending, sent_again, just_stored):
        assert kept in store
    links = _links(sessions)
    assert links[ids["unused"]] is None and links[ids["product"]] is None
    assert links[ids["sent_again"]] is None
    assert links[ids["pending"]] == pending  # still needed by the admin's review
    assert links[ids["recent"]] == sent_again
    # Kept because it was stored again: its link stays, so that a later run looks again.
    assert links[ids["just_stored"]] == just_stored
    assert remove_expired_photos(settings, sessions) == {"unlinked": 0, "removed": 0}
    assert just_stored in store

    # Once the pending feedback is settled and the last links expire, the photos go.
    with sessions.begin() as session:
        session.query(Feedback).update({"status": "accepted"})
    later = NOW + timedelta(days=30, seconds=1)
    assert remove_expired_photos(settings, sessions, later) == {"unlinked": 3, "removed": 3}
    assert pending not in store and sent_again not in store and just_stored not in store
    assert product_photo in store
    assert set(_links(sessions).values()) == {None}


def test_a_run_ends_when_many_links_stay(
    tmp_path: Path, redis_server: Any, redis_client: redis.Redis, monkeypatch: Any
) -> None:
    settings = _settings(tmp_path, redis_server.url, f"sqlite:///{tmp_path / 'r.db'}")
    sessions = session_factory(init_db(settings))
    store = ImageStore(settings.images_path)
    monkeypatch.setattr(retention, "BATCH", 2)  # several pages of rows that keep their link
    fresh = [_stored(store, f"stored again {i}".encode(), NOW) for i in range(5)]
    idle = [_stored(store, f"idle {i}".encode(), OLD) for i in range(3)]
    with sessions.begin() as session:
        kept_ids = [_prediction(session, digest, OLD) for digest in fresh]
        for digest in idle:
            _prediction(session, digest, OLD)

    assert remove_expired_photos(settings, sessions) == {"unlinked": 3, "removed": 3}
    links = _links(sessions)
    assert {pid for pid, link in links.items() if link is not None} == set(kept_ids)
    assert all(digest in store for digest in fresh)
    assert not any(digest in store for digest in idle)


def test_the_schedule_runs_retention(
    tmp_path: Path, redis_server: Any, redis_client: redis.Redis
) -> None:
    settings = _settings(tmp_path, redis_server.url, f"sqlite:///{tmp_path / 'r.db'}")
    sessions = session_factory(init_db(settings))
    store = ImageStore(settings.images_path)
    photo = _stored(store, b"expired photo", OLD)
    with sessions.begin() as session:
        _prediction(session, photo, OLD)
    scheduler = Scheduler(TrainerContext(settings, sessions, redis_client))
    done = scheduler.tick()
    assert done["photo_retention"] == {"unlinked": 1, "removed": 1}
    assert photo not in store
    assert "photo_retention" not in scheduler.tick()  # hourly
