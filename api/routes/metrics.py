"""``GET /metrics``: the API's Prometheus metrics (see ``api/observability.py``)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from api.spec import responses, spec

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@spec.validate(resp=responses({200: None}), tags=["ops"])
def metrics() -> Response:
    """Prometheus text format."""
    registries: list[CollectorRegistry] = current_app.extensions["shelfwise_metrics"]
    body = b"".join(generate_latest(r) for r in registries)
    return Response(body, mimetype=CONTENT_TYPE_LATEST)
