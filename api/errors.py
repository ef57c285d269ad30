"""API errors: each carries its HTTP status and a stable code; one handler renders them all."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from common.events import record_event

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered as ``{"error": {"code", "message"}}`` with ``status``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        **details: object,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.details = details


def error_response(status: int, code: str, message: str, **details: object) -> Response:
    body: dict[str, object] = {"code": code, "message": message}
    body.update(details)
    response = jsonify(error=body)
    response.status_code = status
    return response


def _http_code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        response = error_response(exc.status, exc.code, exc.message, **exc.details)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if status == 413:
            limit = request.max_content_length  # the route's own limit, else the app's
            return error_response(
                413, "payload_too_large", f"The request body is larger than {limit:,} bytes."
            )
        return error_response(status, _http_code(exc), exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unhandled error")
        services = app.extensions.get("shelfwise")
        if services is not None:  # kept for GET /admin/logs too
            record_event(
                services.sessions,
                "error",
                f"{request.method} {request.path}: {type(exc).__name__}: {exc}"[:2000],
                level="error",
            )
        return error_response(500, "internal_error", "Something went wrong on our side.")
