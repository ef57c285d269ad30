"""Reading JSON request bodies with the API's error shape."""

from __future__ import annotations

from typing import Any

from flask import request

from api.errors import ApiError


def json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object; 415 for another content type, 400 if malformed.

    With ``optional``, an empty body reads as ``{}``.
    """
    if optional and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_content_type", "Send application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return body


def string_field(body: dict[str, Any], name: str, default: str | None = None) -> str:
    """A string field; required unless ``default`` is given."""
    value = body.get(name, default)
    if not isinstance(value, str) or (default is None and not value):
        raise ApiError(400, "invalid_field", f"{name} is required and must be a string.")
    return value
