"""``/admin/monitoring`` (live quality, drift, confidence, evaluations, alerts, disk used by
kept prediction photos) and ``/admin/maintenance`` (switch /predict off with a message while
admin routes keep working)."""

from __future__ import annotations

import json
import time
from typing import Any

from flask import Blueprint, g

from api.errors import ApiError
from api.guards import DEFAULT_MESSAGE, guard_admin_blueprint, maintenance_state
from api.queries import arg, integer
from api.schemas import Maintenance, MaintenanceIn, Monitoring, MonitoringQuery
from api.services import photos, services
from api.spec import ADMIN, BEARER, json_body, responses, spec
from common import keys, monitoring
from common.events import record_event

bp = Blueprint("admin_monitoring", __name__, url_prefix="/admin")
bp.before_request(guard_admin_blueprint)

MAX_POINTS = 1000
MAX_WINDOW_S = 10 * 366 * 24 * 3600
"""Ten years: quality compares each window with the one before, and both must be datable."""


@bp.get("/monitoring")
@spec.validate(
    query=MonitoringQuery,
    resp=responses({200: Monitoring}, *ADMIN),
    tags=["monitoring"],
    security=BEARER,
)
def get_monitoring() -> dict[str, Any]:
    """Time series: ``window_s``, ``bucket_s`` and ``version`` (default production)."""
    svc = services()
    window_s, bucket_s = arg("window_s", integer), arg("bucket_s", integer)
    for name, value in (("window_s", window_s), ("bucket_s", bucket_s)):
        if value is not None and not 0 < value <= MAX_WINDOW_S:
            raise ApiError(
                400, "invalid_query", f"{name} must be between 1 and {MAX_WINDOW_S:,} seconds."
            )
    w = window_s or svc.settings.monitor_window_s
    b = bucket_s or svc.settings.monitor_bucket_s
    if w // b > MAX_POINTS:
        raise ApiError(400, "invalid_query", f"At most {MAX_POINTS} points per series.")
    with svc.sessions() as session:
        body = monitoring.report(session, svc.settings, None, w, b, arg("version", str))
        body["prediction_photos"] = photos.usage(session, svc.settings)
    body["maintenance"] = maintenance_state(svc)
    return body


@bp.get("/maintenance")
@spec.validate(resp=responses({200: Maintenance}, *ADMIN), tags=["monitoring"], security=BEARER)
def get_maintenance() -> dict[str, Any]:
    """Whether maintenance mode is on, and its message."""
    return maintenance_state(services())


@bp.put("/maintenance")
@spec.validate(
    json=MaintenanceIn,
    resp=responses({200: Maintenance}, *ADMIN, 415),
    tags=["monitoring"],
    security=BEARER,
)
def put_maintenance() -> dict[str, Any]:
    """Switch maintenance mode on (predictions answer 503 with the message) or off."""
    svc = services()
    body = json_body(MaintenanceIn)
    enabled, message = body.enabled, body.message or DEFAULT_MESSAGE
    if len(message) > 500:
        raise ApiError(400, "invalid_field", "message must be a string of at most 500.")
    if enabled:
        state = {"message": message, "by": g.admin.username, "since": time.time()}
        svc.redis.set(keys.MAINTENANCE, json.dumps(state))
    else:
        svc.redis.delete(keys.MAINTENANCE)
    record_event(
        svc.sessions,
        "user",
        f"maintenance mode {'on' if enabled else 'off'}",
        level="warning" if enabled else "info",
        actor=g.admin.username,
        subject="maintenance",
    )
    return maintenance_state(svc)
