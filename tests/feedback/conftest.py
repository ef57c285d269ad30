"""Recorded predictions to give feedback on, without running the predict path."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from common.orm import PredictionRecord


def add_predictions(
    sessions: sessionmaker[Session], user_id: int, n: int, **fields: Any
) -> list[str]:
    """``n`` answered predictions of ``user_id`` (category 10, text 'product <i>')."""
    ids = []
    with sessions.begin() as session:
        for i in range(n):
            pid = uuid.uuid4().hex
            values: dict[str, Any] = dict(
                id=pid,
                user_id=user_id,
                created_at=datetime.now(UTC),
                status="done",
                model_version="v1",
                category=10,
                confidence=0.9,
                designation_sha256=hashlib.sha256(f"product {i}".encode()).hexdigest(),
            )
            values.update(fields)
            session.add(PredictionRecord(**values))
            ids.append(pid)
    return ids


from tests.api.conftest import (  # noqa: E402, F401  (the API fixtures, shared)
    admin,
    alice,
    app,
    client,
    fake_worker,
    make_user,
    settings_api,
    svc,
)
