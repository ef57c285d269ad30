"""``/openapi.json`` and ``/docs``: the generated API description, and Swagger UI from local
files (no CDN)."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, send_from_directory

from api.spec import document, responses, spec

bp = Blueprint("docs", __name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shelfwise API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/swagger-ui-init.js"></script>
</body></html>
"""
INIT = "SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true});\n"
ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js")


@cache
def _assets_dir() -> Path | None:
    # The Swagger UI build shipped inside the flask-swagger-ui wheel.
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "dist"


@bp.get("/openapi.json")
@spec.validate(resp=responses({200: None}), tags=["docs"])
def openapi_json() -> dict[str, Any]:
    """This document (OpenAPI 3.1), generated from the routes' models."""
    return document(current_app)


@bp.get("/docs")
@spec.validate(resp=responses({200: None}), tags=["docs"])
def docs() -> Response:
    """Swagger UI, from local files."""
    return Response(PAGE, mimetype="text/html")


@bp.get("/docs/static/<name>")
def docs_static(name: str) -> Response:
    if name == "swagger-ui-init.js":
        return Response(INIT, mimetype="text/javascript")
    folder = _assets_dir()
    if name not in ASSETS or folder is None:
        abort(404)
    return send_from_directory(folder, name, max_age=86400)
