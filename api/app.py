"""The API's composition root: ``create_app(settings)`` builds every client once."""

from __future__ import annotations

import redis
from flask import Flask

from api import health, predict
from api.broker import PredictBroker
from api.errors import ApiError, register_error_handlers
from api.services import Services
from common.redis_client import connect
from common.settings import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """A configured API app; settings come from the environment unless given."""
    settings = settings or Settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    client = connect(settings)
    blocking = connect(settings, blocking_s=settings.predict_timeout_s)
    app.extensions["shelfwise"] = Services(
        settings=settings, redis=client, broker=PredictBroker(settings, client, blocking)
    )

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

    app.register_blueprint(health.bp)
    app.register_blueprint(predict.bp)
    return app
