"""Reading JSON request bodies with the API's error shape."""

from __future__ import annotations

from typing import Any

from flask import Request, request
from flask.json.provider import DefaultJSONProvider

from api.errors import ApiError


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing text Python could not encode again: a lone surrogate escape
    (``"\\ud800"``) is valid JSON syntax but no Unicode text."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = super().loads(s, **kwargs)
        _check_text(value)
        return value


def _check_text(value: object) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a string holds a lone surrogate (\\ud800-\\udfff)") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class ApiRequest(Request):
    """Requests whose malformed JSON answers 400 ``invalid_json`` in the API's error shape."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {e}.")


def json_body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object; 415 for another content type, 400 if malformed.

    With ``optional``, an empty body reads as ``{}``.
    """
    if optional and not request.get_data(cache=True):
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_content_type", "Send application/json.")
    body = request.get_json()
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    return body


def string_field(body: dict[str, Any], name: str, default: str | None = None) -> str:
    """A string field; required unless ``default`` is given."""
    value = body.get(name, default)
    if not isinstance(value, str) or (default is None and not value):
        raise ApiError(400, "invalid_field", f"{name} is required and must be a string.")
    return value
