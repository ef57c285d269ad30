"""The web frontend's composition root: pages for people, over HTTP to the API only."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from common.categories import CATEGORIES
from common.settings import Settings
from common.signing_keys import signing_key
from frontend import (
    admin_data,
    admin_models,
    admin_review,
    admin_training,
    auth,
    catalogue,
    classify,
    dashboard,
    predictions,
)
from frontend.api_client import ApiClient, ApiError
from frontend.web import current_user, is_admin

logger = logging.getLogger(__name__)

BLUEPRINTS = (
    auth,
    classify,
    predictions,
    catalogue,
    dashboard,
    admin_data,
    admin_training,
    admin_models,
    admin_review,
)

# Everything is served from here: no CDN, no inline script or style, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app(settings: Settings | None = None) -> Flask:
    """A configured frontend app; settings come from the environment unless given."""
    settings = settings or Settings()
    app = Flask(__name__)
    secure = settings.frontend_secure_cookie
    app.config.update(
        SECRET_KEY=session_secret(settings),
        SESSION_COOKIE_NAME="shelfwise_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.environment == "production" if secure is None else secure,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.jwt_expires_s),
        MAX_CONTENT_LENGTH=settings.max_bulk_upload_bytes,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
    )
    CSRFProtect(app)
    app.extensions["shelfwise_api"] = ApiClient(settings.api_url, settings.frontend_api_timeout_s)
    app.extensions["shelfwise_settings"] = settings
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)

    app.jinja_env.globals["categories"] = CATEGORIES  # macros see globals, not the context

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"user": current_user(), "is_admin": is_admin()}

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if "text/html" in response.content_type:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    _register_error_pages(app)
    return app


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Any:
        if exc.status == 401 and "token" in session:
            session.clear()  # the token expired or the account was deactivated
            if not _wants_json():
                flash("Your session has ended; please log in again.", "error")
                return redirect(url_for("auth.login", next=request.path))
        status = exc.status if 400 <= exc.status < 600 else 502
        if _wants_json():
            return {"error": {"code": exc.code, "message": exc.message}}, status
        return render_template("error.html", status=status, message=exc.message), status

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        message = "The form expired or did not come from this site; reload the page and retry."
        if _wants_json():
            return {"error": {"code": "csrf", "message": message}}, 400
        return render_template("error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = {
            403: "This page is for administrators.",
            404: "There is no such page.",
            413: "That upload is too large.",
        }.get(status, exc.description or "The request failed.")
        if _wants_json():
            return {"error": {"code": f"http_{status}", "message": message}}, status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        logger.exception("unexpected error on %s", request.path)
        message = "Something went wrong on our side; please try again."
        if _wants_json():
            return {"error": {"code": "internal", "message": message}}, 500
        return render_template("error.html", status=500, message=message), 500


def session_secret(settings: Settings) -> str:
    """FRONTEND_SECRET_KEY; in development a random key kept under VAR_DIR when it is unset."""
    return signing_key(
        settings.frontend_secret_key.get_secret_value(), "FRONTEND_SECRET_KEY",
        settings.environment, settings.var_dir / "frontend-dev-secret",
    )  # fmt: skip
