"""Query-string parsing and pagination shared by the list endpoints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import request
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.errors import ApiError

T = TypeVar("T")
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000


def arg(name: str, parse: Callable[[str], T], default: T | None = None) -> T | None:
    """``?name=`` parsed by ``parse``; 400 ``invalid_query`` when it does not parse."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse(raw)
    except (ValueError, TypeError):
        raise ApiError(400, "invalid_query", f"Bad value for {name}: {raw!r}.") from None


def integer(raw: str) -> int:
    """A whole number that fits a database integer column."""
    value = int(raw)
    if not -(2**63) <= value < 2**63:
        raise ValueError(raw)
    return value


def boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ValueError(raw)


def timestamp(raw: str) -> datetime:
    """An ISO 8601 time; without a zone it is UTC."""
    value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def paginate(
    session: Session, query: Select[Any], render: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """One page of ``query`` (``?page=``, ``?per_page=``) with the total count.

    A ``per_page`` above MAX_PER_PAGE is served as MAX_PER_PAGE: the answer's
    ``per_page`` is the size used and ``max_per_page`` the cap.
    """
    page = arg("page", integer, 1)
    per_page = arg("per_page", integer, 50)
    if page is None or per_page is None or not (1 <= page <= MAX_PAGE and 1 <= per_page):
        raise ApiError(400, "invalid_query", f"1 <= page <= {MAX_PAGE:,} and per_page >= 1.")
    per_page = min(per_page, MAX_PER_PAGE)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page))
    return {
        "items": [render(row) for row in rows],
        "page": page,
        "per_page": per_page,
        "max_per_page": MAX_PER_PAGE,
        "total": total,
        "pages": (total + per_page - 1) // per_page,
    }
