"""The OpenAPI document generated from the routes' pydantic models (spectree), and the
validation every declared route gets: request bodies and queries before the view runs,
answers after it.

A body that fails validation is a 400 in the API's error shape naming the field
(``unknown_field`` for a field the model does not have, ``invalid_field`` else).
An answer that does not match its declared model is a bug: it is logged and
answered as a 500.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType

from api.errors import ApiError
from api.schemas import Error

M = TypeVar("M", bound=BaseModel)
V = TypeVar("V", bound=Callable[..., Any])

ERROR_TEXT = {
    400: "Bad request: malformed JSON, an unknown or invalid field, a bad query value.",
    401: "No token, or a bad, expired or deactivated one.",
    403: "Authenticated, but not allowed (admins only, or not the owner).",
    404: "No such resource.",
    409: "Conflicts with the current state.",
    413: "Too large.",
    415: "Wrong content type or media type.",
    422: "Well-formed but refused.",
    429: "Too many requests; see Retry-After.",
    503: "The broker or the model is unavailable, or maintenance mode is on.",
    504: "No answer in time.",
}
USER = (401,)
ADMIN = (401, 403)
BEARER: dict[str, list[str]] = {"bearer": []}


UNION_MEMBER = re.compile(r"^(int|float|str|bool|none|[a-z-]+\[.*\])$")
"""What pydantic adds to an error's location inside a union: a member type, not a field."""


def _location(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, str) and UNION_MEMBER.match(part):
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "body"


def validation_error(exc: ValidationError, where: str) -> ApiError:
    """The first problem of a pydantic error as a 400 that names its field."""
    first = exc.errors(include_url=False)[0]
    field = _location(tuple(first["loc"]))
    if where == "query":
        return ApiError(400, "invalid_query", f"Bad value for {field}: {first['msg']}.")
    if first["type"] == "extra_forbidden":
        return ApiError(400, "unknown_field", f"Unknown field '{field}'.", field=field)
    if first["type"] == "model_type" and not first["loc"]:
        return ApiError(400, "invalid_json", "The body must be a JSON object.")
    return ApiError(400, "invalid_field", f"{field}: {first['msg']}.", field=field)


FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def _before(req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any) -> None:
    view = current_app.view_functions[req.endpoint]
    if error is not None and hasattr(view, "guard"):
        view.guard()
    metadata = spec.get_function_metadata(view)
    takes_json = metadata is not None and metadata.json is not None
    takes_form = metadata is not None and metadata.form is not None
    if takes_json and req.get_data(cache=True) and not (takes_form and req.mimetype in FORMS):
        if not req.is_json:
            also = " or multipart/form-data" if takes_form else ""
            raise ApiError(415, "unsupported_content_type", f"Send application/json{also}.")
        if not isinstance(req.get_json(), dict):  # malformed JSON raises invalid_json here
            raise ApiError(400, "invalid_json", "The body must be a JSON object.")
    if isinstance(error, ValidationError):
        raise validation_error(error, "query" if error.title.endswith("Query") else "body")


def _after(req: Any, _resp: Any, error: Exception | None, _instance: Any, _adapter: Any) -> None:
    if error is not None:
        raise RuntimeError(
            f"{req.method} {req.path}: the answer does not match its schema: {error}"
        )


spec = SpecTree(
    "flask",
    title="Shelfwise API",
    version="1.0.0",
    description="Classify marketplace products (photo + title + description) into 27 "
    'types. Errors: {"error": {"code", "message"}} with the status in the status line.',
    mode="strict",
    annotations=False,
    validation_error_status=400,
    validation_error_model=Error,
    before=_before,
    after=_after,
    naming_strategy=lambda model: model.__name__,  # every model's name is unique: no hash
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[
        SecurityScheme(
            name="bearer",
            data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer", bearer_format="JWT"),
        )
    ],
)


def guarded_by(guard: Callable[[], object]) -> Callable[[V], V]:
    """Mark a view's guard (its authentication), run before a validation error is answered:
    a caller without the right token learns nothing of a route's body."""

    def mark(view: V) -> V:
        view.guard = guard  # type: ignore[attr-defined]
        return view

    return mark


def responses(ok: dict[int, Any], *errors: int) -> Response:
    """Declared answers: ``ok`` maps statuses to models (None: no JSON body); ``errors`` are
    statuses answered with the error shape."""
    declared: dict[str, Any] = {f"HTTP_{status}": model for status, model in ok.items()}
    for status in sorted({400, *errors}):
        declared[f"HTTP_{status}"] = (Error, ERROR_TEXT[status])
    return Response(**declared)


def json_body(model: type[M]) -> M:
    """The request's validated JSON body (of a route declared with ``json=model``)."""
    value = getattr(request.context, "json", None)  # type: ignore[attr-defined]
    if value is None:
        value = model()
    assert isinstance(value, model)
    return value


def query_args(model: type[M]) -> M:
    """The request's validated query (of a route declared with ``query=model``)."""
    value = request.context.query  # type: ignore[attr-defined]
    assert isinstance(value, model)
    return value


def document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of ``app``; with PREDICT_ANONYMOUS, predictions need no token."""
    cached: dict[str, Any] | None = app.extensions.get("shelfwise_openapi")
    if cached is not None:
        return cached
    doc = copy.deepcopy(spec.spec)  # generated once per process: every app has the same routes
    if app.extensions["shelfwise"].settings.predict_anonymous:
        for path, ops in doc["paths"].items():
            if path.startswith(("/predict", "/predictions/")):
                for op in ops.values():
                    op["security"] = [{}, BEARER]
    app.extensions["shelfwise_openapi"] = doc
    return doc
