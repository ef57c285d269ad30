"""The web frontend: pages for people. It reaches the API over HTTP only."""

from __future__ import annotations

import requests
from flask import Flask, render_template_string

from common.settings import Settings

_INDEX = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Shelfwise</title></head>
<body><h1>Shelfwise</h1>
<p>Product classification service. The API is at <code>{{ api_url }}</code>.</p>
<p>API status: <strong>{{ status }}</strong></p>
</body></html>"""


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__)

    @app.get("/")
    def index() -> str:
        try:
            ready = requests.get(f"{settings.api_url}/ready", timeout=2).json().get("ready")
            status = "ready" if ready else "not ready"
        except requests.RequestException:
            status = "unreachable"
        return render_template_string(_INDEX, api_url=settings.api_url, status=status)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
