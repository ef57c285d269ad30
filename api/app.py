"""The API's composition root: ``create_app(settings)`` builds every client once."""

from __future__ import annotations

import fcntl
import logging

import redis
from flask import Flask
from rq import Queue
from sqlalchemy import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from api import observability
from api.bodies import ApiRequest, StrictJSONProvider
from api.errors import ApiError, register_error_handlers
from api.guards import init_auth
from api.routes import (
    admin_callbacks,
    admin_feedback,
    admin_jobs,
    admin_logs,
    admin_models,
    admin_monitoring,
    admin_products,
    auth,
    batch,
    docs,
    feedback,
    health,
    metrics,
    predict,
    users,
    webhooks,
)
from api.services import Services
from api.services.accounts import ensure_first_admin
from api.services.broker import PredictBroker
from api.services.callbacks import CallbackDispatcher
from api.services.collector import AnswerCollector
from api.services.ratelimit import LoginLimiter, PredictQuota
from api.services.recorder import PredictionLog, Recorder
from common import job_events
from common.db import init_db, session_factory
from common.orm import User
from common.redis_client import connect
from common.settings import Settings

logger = logging.getLogger(__name__)

BLUEPRINTS = (
    health,
    predict,
    batch,
    auth,
    users,
    webhooks,
    admin_callbacks,
    admin_products,
    admin_jobs,
    admin_models,
    admin_logs,
    feedback,
    admin_feedback,
    admin_monitoring,
    metrics,
    docs,
)


def create_app(settings: Settings | None = None, *, record_predictions: bool = True) -> Flask:
    """A configured API app; settings come from the environment unless given.

    ``record_predictions=False`` leaves the recorder, collector and callback threads
    unstarted (tests that drain, collect and deliver themselves).
    """
    settings = settings or Settings()
    app = Flask(__name__)
    app.json_provider_class = StrictJSONProvider
    app.json = StrictJSONProvider(app)
    app.request_class = ApiRequest
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]

    sessions = session_factory(_migrated_engine(settings))
    job_events.install(settings, sessions)  # jobs this process fails end up recorded here
    client = connect(settings)
    blocking = connect(settings, blocking_s=settings.predict_timeout_s)
    predictions = PredictionLog(client)
    services = Services(
        settings=settings,
        redis=client,
        broker=PredictBroker(settings, client, blocking),
        sessions=sessions,
        limiter=LoginLimiter(settings, client),
        quota=PredictQuota(settings, client),
        predictions=predictions,
        recorder=Recorder(connect(settings, blocking_s=2.0), sessions),
        collector=AnswerCollector(connect(settings, blocking_s=3.0), predictions),
        callbacks=CallbackDispatcher(settings, client, sessions),
        queue=Queue(
            settings.training_queue,
            connection=connect(settings, blocking_s=settings.import_wait_s + 1),
        ),
    )
    app.extensions["shelfwise"] = services
    services.collector.on_finished.append(services.callbacks.on_answer)

    def load_user(user_id: int) -> User | None:
        with sessions() as session:
            return session.get(User, user_id)

    observability.init_observability(app, services)
    init_auth(app, settings, load_user)
    ensure_first_admin(sessions, settings)
    register_error_handlers(app)

    @app.errorhandler(redis.RedisError)
    def _broker_down(exc: redis.RedisError):  # type: ignore[no-untyped-def]
        return app.handle_user_exception(
            ApiError(
                503,
                "broker_unavailable",
                "The job broker is unreachable; retry shortly.",
                headers={"Retry-After": "2"},
            )
        )

    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    if record_predictions:
        services.recorder.start()
        services.collector.start()
        services.callbacks.start()
    return app


def _migrated_engine(settings: Settings) -> Engine:
    # Every API process migrates at start; a lock keeps two from racing on one database.
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.var_dir / ".migrate.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return init_db(settings)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
