"""How request bodies are read as JSON: strictly, with the API's error shape."""

from __future__ import annotations

from typing import Any

from flask import Request
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
