"""How request bodies, form fields, queries and path values are read: strictly, with the
API's error shape.

No text a client sends may hold a NUL character: PostgreSQL refuses it in every text
column, so it is refused here, once, before any route sees it.
"""

from __future__ import annotations

from typing import Any

from flask import Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest

from api.errors import ApiError


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing text Python could not encode again (a lone surrogate escape
    ``"\\ud800"`` is valid JSON syntax but no Unicode text) and text holding NUL."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            # Deep nesting exhausts the parser's stack; as a ValueError it is bad JSON.
            raise ValueError("the body nests arrays or objects too deeply") from None
        _check_text(value)
        return value


def _check_text(value: object) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise ValueError("a string holds a NUL character (\\u0000)")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a string holds a lone surrogate (\\ud800-\\udfff)") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _nul_message(what: str, name: str) -> str:
    return f"The {what} '{name}' holds a NUL character (\\u0000), which no field accepts."


class _TextMultiDict(ImmutableMultiDict[str, Any]):
    """Query strings and form fields (Werkzeug builds both with this class), NUL refused."""

    def __init__(self, mapping: Any = None) -> None:
        super().__init__(mapping)
        for key, value in self.items(multi=True):
            for text in (key, value):  # a file's value is a FileStorage: not text
                if isinstance(text, str) and "\x00" in text:
                    raise ApiError(
                        400, "invalid_field", _nul_message("field", key.replace("\x00", ""))
                    )


class _NulInPath(BadRequest):
    # Raised while the URL is matched, where only HTTPExceptions are caught; its name
    # becomes the error code (api.errors).
    name = "Invalid Path"


class ApiRequest(Request):
    """Requests whose malformed JSON answers 400 ``invalid_json`` in the API's error shape,
    and whose text values refuse NUL."""

    parameter_storage_class = _TextMultiDict
    _view_args: dict[str, Any] | None = None

    @property
    def view_args(self) -> dict[str, Any] | None:
        return self._view_args

    @view_args.setter
    def view_args(self, value: dict[str, Any] | None) -> None:
        for name, item in (value or {}).items():
            if isinstance(item, str) and "\x00" in item:
                raise _NulInPath(_nul_message("path value", name))
        self._view_args = value

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise ApiError(400, "invalid_json", f"The body is not valid JSON: {e}.")
