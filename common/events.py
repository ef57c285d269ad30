"""Notable events (logins, ingestion, training, promotion, errors): a database row and a log line.

``GET /admin/logs`` reads the rows; log collectors read the same event as a
structured log record (``extra`` fields become JSON keys with ``LOG_FORMAT=json``).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from common.orm import Event

logger = logging.getLogger(__name__)

KINDS = ("auth", "user", "ingestion", "training", "evaluation", "promotion", "alert", "error")
LEVELS = ("debug", "info", "warning", "error")
_LOG_LEVEL = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}


def add_event(
    session: Session,
    kind: str,
    message: str,
    *,
    level: str = "info",
    actor: str | None = None,
    subject: str | None = None,
    **details: Any,
) -> Event:
    """Add an event to ``session`` (the caller commits) and log it."""
    if kind not in KINDS or level not in LEVELS:
        raise ValueError(f"unknown event kind/level {kind!r}/{level!r}")
    event = Event(
        kind=kind, level=level, message=message, actor=actor, subject=subject, details=details
    )
    session.add(event)
    logger.log(
        _LOG_LEVEL[level],
        "%s: %s",
        kind,
        message,
        extra={"event_kind": kind, "actor": actor, "subject": subject, "details": details},
    )
    return event


def record_event(sessions: sessionmaker[Session], kind: str, message: str, **kwargs: Any) -> None:
    """Store one event in its own transaction; a database failure is logged, never raised.

    Events are a record of what happened, so failing to store one must not
    undo or fail the action it describes.
    """
    try:
        with sessions.begin() as session:
            add_event(session, kind, message, **kwargs)
    except Exception:
        logger.exception("could not store %s event: %s", kind, message)
