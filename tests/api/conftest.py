"""The API on Flask's test client, with a real Redis, a real SQLite file and fake model workers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token

from api.app import create_app
from api.services import Services
from api.services.accounts import create_user
from common.categories import CODES
from common.orm import User
from common.schemas import PredictJob, Timing, success_answer
from common.settings import Settings, load_settings
from model_service.consumer import Answer, StreamConsumer

PASSWORD = "Correct-Horse-42"
JWT_SECRET = "test-secret-that-is-long-enough-for-production-use"


def api_settings(tmp_path: Path, redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        redis_url=redis_url,
        var_dir=tmp_path / "var",
        feedback_dir=tmp_path / "feedback",
        data_dir=tmp_path / "data",
        heartbeat_s=0.2,
        claim_idle_ms=1000,
        environment="production",
        jwt_secret_key=JWT_SECRET,
        admin_username="",
        admin_password="",
        predict_anonymous=False,
        predict_timeout_s=5,
        import_wait_s=0,
        job_alive_ttl_s=2,
    )
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings_api(tmp_path: Path, redis_client: redis.Redis, redis_server: Any) -> Settings:
    return api_settings(tmp_path, redis_server.url)


@pytest.fixture
def app(settings_api: Settings) -> Iterator[Flask]:
    app = create_app(settings_api, record_predictions=False)
    yield app
    app.extensions["shelfwise"].recorder.stop()
    app.extensions["shelfwise"].collector.stop()
    app.extensions["shelfwise"].callbacks.stop()


@pytest.fixture
def svc(app: Flask) -> Services:
    found: Services = app.extensions["shelfwise"]
    return found


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask, svc: Services) -> Callable[..., User]:
    def make(username: str, role: str = "user", password: str = PASSWORD) -> User:
        return create_user(svc.sessions, username, password, role)

    return make


def token_for(app: Flask, user: User, expires_s: float = 600) -> str:
    with app.app_context():
        return create_access_token(
            str(user.id),
            additional_claims={"role": user.role, "username": user.username},
            expires_delta=timedelta(seconds=expires_s),
        )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin(app: Flask, make_user: Callable[..., User]) -> dict[str, str]:
    return bearer(token_for(app, make_user("root", "admin")))


@pytest.fixture
def alice(app: Flask, make_user: Callable[..., User]) -> dict[str, str]:
    return bearer(token_for(app, make_user("alice")))


@pytest.fixture
def bob(app: Flask, make_user: Callable[..., User]) -> dict[str, str]:
    return bearer(token_for(app, make_user("bob")))


class FakeWorker:
    """Answers predict jobs like a model worker (fixed probabilities), without a model."""

    def __init__(self, settings: Settings, version: str = "v7") -> None:
        self.client = redis.Redis.from_url(settings.redis_url)
        self.consumer = StreamConsumer(self.client, "fake", settings)
        self.version = version
        self.stop = threading.Event()
        self.paused = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        try:
            self._serve()
        except redis.RedisError:
            pass  # the test flushed or stopped Redis: nothing left to answer

    def _serve(self) -> None:
        self.consumer.ensure_group()
        probs = [0.5 if i == 3 else 0.5 / (len(CODES) - 1) for i in range(len(CODES))]
        while not self.stop.is_set():
            if self.paused.is_set():
                time.sleep(0.02)
                continue
            answers = []
            for entry_id, fields in self.consumer.read(8, block_ms=100):
                job = PredictJob.from_fields(fields)
                document = success_answer(
                    job.job_id, probs, ["text"], self.version, Timing(0.1, 0.1, 0.1, "fp32")
                )
                answers.append(Answer(entry_id, job.job_id, document))
            self.consumer.answer(answers)


@pytest.fixture
def fake_worker(settings_api: Settings) -> Iterator[FakeWorker]:
    worker = FakeWorker(settings_api)
    worker.thread.start()
    yield worker
    worker.stop.set()
    worker.thread.join(timeout=5)


from tests.db_fixtures import db_url, postgres_url  # noqa: E402, F401
