"""``/admin/logs``: stored events, filtered by kind, level, time and actor, paginated."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from sqlalchemy import select

from api.errors import ApiError
from api.guards import guard_admin_blueprint
from api.queries import arg, paginate, timestamp
from api.schemas import EventPage, LogQuery
from api.services import services
from api.spec import ADMIN, BEARER, responses, spec
from common.events import KINDS, LEVELS
from common.orm import Event

bp = Blueprint("logs", __name__, url_prefix="/admin")


bp.before_request(guard_admin_blueprint)


@bp.get("/logs")
@spec.validate(
    query=LogQuery, resp=responses({200: EventPage}, *ADMIN), tags=["logs"], security=BEARER
)
def list_logs() -> dict[str, Any]:
    """Newest first; ``kind``, ``level`` (that level and above), ``since``, ``until``, ``actor``."""
    query = select(Event).order_by(Event.id.desc())
    kind = arg("kind", str)
    if kind is not None:
        if kind not in KINDS:
            raise ApiError(400, "invalid_query", f"kind is one of {', '.join(KINDS)}.")
        query = query.where(Event.kind == kind)
    level = arg("level", str)
    if level is not None:
        if level not in LEVELS:
            raise ApiError(400, "invalid_query", f"level is one of {', '.join(LEVELS)}.")
        query = query.where(Event.level.in_(LEVELS[LEVELS.index(level) :]))
    since, until = arg("since", timestamp), arg("until", timestamp)
    if since is not None:
        query = query.where(Event.created_at >= since)
    if until is not None:
        query = query.where(Event.created_at < until)
    actor = arg("actor", str)
    if actor is not None:
        query = query.where(Event.actor == actor)
    with services().sessions() as session:
        return paginate(session, query, event_json)


def event_json(e: Event) -> dict[str, Any]:
    return {
        "id": e.id,
        "time": e.created_at.isoformat(),
        "kind": e.kind,
        "level": e.level,
        "message": e.message,
        "actor": e.actor,
        "subject": e.subject,
        "details": e.details,
    }
