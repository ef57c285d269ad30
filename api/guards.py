"""What stands before the views: bearer tokens (the signing key, the token checks, the role
guards) and maintenance mode.

Every check reads the account from the database, so a deactivated user or a
changed role takes effect at once, whatever tokens were issued before.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_jwt_extended import JWTManager, get_current_user, verify_jwt_in_request

from api.errors import ApiError, error_response
from api.services import Services
from common import keys
from common.orm import ROLE_ADMIN, User
from common.settings import Settings
from common.signing_keys import signing_key

logger = logging.getLogger(__name__)


def jwt_secret(settings: Settings) -> str:
    """JWT_SECRET_KEY; in development, a random key kept under VAR_DIR when it is unset."""
    return signing_key(
        settings.jwt_secret_key.get_secret_value(), "JWT_SECRET_KEY", settings.environment,
        settings.var_dir / "jwt-dev-secret",
    )  # fmt: skip


def init_auth(app: Flask, settings: Settings, load_user: Any) -> JWTManager:
    """Configure token checks on ``app``; ``load_user(user_id)`` returns a User or None."""
    app.config["JWT_SECRET_KEY"] = jwt_secret(settings)
    app.config["JWT_TOKEN_LOCATION"] = ["headers"]
    app.config["JWT_ALGORITHM"] = "HS256"
    jwt = JWTManager(app)

    @jwt.user_lookup_loader
    def _lookup(_header: dict[str, Any], payload: dict[str, Any]) -> User | None:
        try:
            user = load_user(int(payload["sub"]))
        except (KeyError, ValueError):
            return None
        return user if user is not None and user.active else None

    def _err(status: int, code: str, message: str) -> Response:
        response = error_response(status, code, message)
        if status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        return response

    @jwt.unauthorized_loader
    def _missing(reason: str) -> Response:
        return _err(401, "missing_token", "Send a bearer token: Authorization: Bearer <token>.")

    @jwt.invalid_token_loader
    def _invalid(reason: str) -> Response:
        return _err(401, "invalid_token", "The token is malformed or its signature is wrong.")

    @jwt.expired_token_loader
    def _expired(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _err(401, "token_expired", "The token has expired; log in again.")

    @jwt.user_lookup_error_loader
    def _no_user(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _err(401, "account_disabled", "The account of this token is deactivated or gone.")

    @jwt.needs_fresh_token_loader
    def _fresh(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _err(401, "invalid_token", "A fresh token is required.")

    @jwt.revoked_token_loader
    def _revoked(_header: dict[str, Any], _payload: dict[str, Any]) -> Response:
        return _err(401, "invalid_token", "The token has been revoked.")

    return jwt


def require_user() -> User:
    """The caller's account; 401 without a valid token."""
    verify_jwt_in_request()
    user: User | None = get_current_user()
    if user is None:  # methods the token check exempts (OPTIONS) reach no view that needs one
        raise ApiError(401, "missing_token", "Send a bearer token: Authorization: Bearer <token>.")
    return user


def optional_user() -> User | None:
    """The caller's account if a token is sent (a bad token is still 401), else None."""
    verify_jwt_in_request(optional=True)
    user: User | None = get_current_user()
    return user


def predict_caller() -> User | None:
    """Who asks for a prediction: a token is needed unless PREDICT_ANONYMOUS is set."""
    settings: Settings = current_app.extensions["shelfwise"].settings
    return optional_user() if settings.predict_anonymous else require_user()


def require_admin() -> User:
    """The caller's account if it is an admin; 401 without a token, 403 for a user."""
    user = require_user()
    if user.role != ROLE_ADMIN:
        raise ApiError(403, "forbidden", "This needs an admin account.")
    return user


def guard_admin_blueprint() -> None:
    """``before_request`` of the admin blueprints: ``g.admin``, or 401/403.

    OPTIONS is left to Flask, which answers it with the allowed methods.
    """
    if request.method != "OPTIONS":
        g.admin = require_admin()


DEFAULT_MESSAGE = "Shelfwise is under maintenance; classification is back shortly."


def maintenance_state(svc: Services) -> dict[str, Any]:
    raw = svc.redis.get(keys.MAINTENANCE)
    if raw is None:
        return {"enabled": False}
    state: dict[str, Any] = json.loads(raw)
    return {"enabled": True, **state}


def refuse_if_maintenance(svc: Services) -> None:
    """503 with the admins' message while maintenance mode is on."""
    raw = svc.redis.get(keys.MAINTENANCE)
    if raw is not None:
        raise ApiError(
            503,
            "maintenance",
            json.loads(raw).get("message") or DEFAULT_MESSAGE,
            headers={"Retry-After": "60"},
        )
