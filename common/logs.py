"""Logging set up once by each entry point: plain text, or JSON lines.

Ids of the work in progress (a request id in the API, a job id in the trainer)
live in a context variable; every record logged meanwhile carries them.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

_CONTEXT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "log_context", default=None
)


def set_context(**ids: Any) -> contextvars.Token[dict[str, Any] | None]:
    """Add ``ids`` (request_id, job_id, ...) to every record logged in this context."""
    return _CONTEXT.set({**(_CONTEXT.get() or {}), **ids})


def reset_context(token: contextvars.Token[dict[str, Any] | None]) -> None:
    _CONTEXT.reset(token)


@contextlib.contextmanager
def log_context(**ids: Any) -> Iterator[None]:
    token = set_context(**ids)
    try:
        yield
    finally:
        reset_context(token)


class ContextFilter(logging.Filter):
    """Copies the context's ids onto each record (JSON keys, or a text suffix)."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = _CONTEXT.get() or {}
        for key, value in ids.items():
            setattr(record, key, value)
        record.context = "".join(f" [{k}={v}]" for k, v in ids.items())
        return True


_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "context"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra={...}`` fields (ids) become keys."""

    def __init__(self, service: str = "") -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.service:
            entry["service"] = self.service
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str = "INFO", fmt: str = "text", service: str = "") -> None:
    """Route every logger to stderr in the chosen format; call once per process."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        prefix = f"{service} " if service else ""
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s {prefix}%(levelname)s %(name)s: %(message)s%(context)s")
        )
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
