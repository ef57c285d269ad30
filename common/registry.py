"""Model versions in the database, and which one serves.

The pointer file on the model volume (``common.model_store``) is what model
workers read; the database keeps the history (scores, provenance, statuses).
``promote`` updates both and announces the change on Redis. Rolling back is
promoting an older version.
"""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from common import keys, model_store
from common.orm import ARCHIVED, CANDIDATE, PRODUCTION, ModelVersionRecord, utcnow

logger = logging.getLogger(__name__)


class PromoteMode(StrEnum):
    """``auto``: only when better than production; ``always``/``never``: as named."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


def record_version(
    session: Session,
    name: str,
    *,
    params: dict[str, Any],
    metrics: dict[str, Any],
    provenance: dict[str, Any],
    f1_weighted: float | None,
    training_seconds: float | None = None,
) -> ModelVersionRecord:
    """Add a freshly trained version as a candidate (the caller commits)."""
    record = ModelVersionRecord(
        name=name, status=CANDIDATE, params=params, metrics=metrics, provenance=provenance,
        f1_weighted=f1_weighted, training_seconds=training_seconds,
    )  # fmt: skip
    session.add(record)
    session.flush()
    return record


def record_serving(sessions: sessionmaker[Session], name: str, serving: dict[str, Any]) -> None:
    """Keep a version's export record (ONNX files, int8 gate) beside its metrics."""
    with sessions.begin() as session:
        record = session.scalars(
            select(ModelVersionRecord).where(ModelVersionRecord.name == name)
        ).first()
        if record is not None:
            record.metrics = {**record.metrics, "serving": serving}


def should_promote(
    mode: PromoteMode | str, new_f1: float | None, production_f1: float | None
) -> tuple[bool, str]:
    """The promotion rule: (promote?, why). Scores are weighted F1 on the same evaluation set."""
    mode = PromoteMode(mode)
    if mode is PromoteMode.ALWAYS:
        return True, "forced (--promote always)"
    if mode is PromoteMode.NEVER:
        return False, "not promoted (--promote never)"
    if production_f1 is None:
        return True, "no production version to beat"
    if new_f1 is None:
        return False, "the new version has no evaluation score"
    if new_f1 > production_f1:
        return True, f"weighted F1 {new_f1:.4f} beats production's {production_f1:.4f}"
    return False, f"weighted F1 {new_f1:.4f} does not beat production's {production_f1:.4f}"


def production_record(session: Session) -> ModelVersionRecord | None:
    return session.scalars(
        select(ModelVersionRecord).where(ModelVersionRecord.status == PRODUCTION)
    ).first()


def list_records(session: Session) -> list[ModelVersionRecord]:
    """Every recorded version, newest first."""
    return list(session.scalars(select(ModelVersionRecord).order_by(ModelVersionRecord.id.desc())))


def promote(
    sessions: sessionmaker[Session],
    models_dir: Path,
    name: str,
    reason: str = "",
    redis_client: redis.Redis | None = None,
) -> ModelVersionRecord:
    """Make ``name`` the production version: database statuses, pointer file, Redis notice.

    The version must be complete on the volume. A version on the volume that the
    database does not know yet is recorded on the way.
    """
    if not model_store.is_complete(model_store.version_path(models_dir, name)):
        raise model_store.UnknownVersion(f"no complete model version '{name}' in {models_dir}")
    with sessions.begin() as session:
        _one_promotion_at_a_time(session)
        session.execute(
            update(ModelVersionRecord)
            .where(ModelVersionRecord.status == PRODUCTION, ModelVersionRecord.name != name)
            .values(status=ARCHIVED)
        )
        record = session.scalars(
            select(ModelVersionRecord).where(ModelVersionRecord.name == name)
        ).first()
        if record is None:
            record = ModelVersionRecord(
                name=name,
                status=CANDIDATE,
                params={},
                metrics={},
                provenance={"note": "found on the model volume"},
            )
            session.add(record)
        record.status = PRODUCTION
        record.promoted_at = utcnow()
        session.flush()
        # The pointer moves inside the transaction: if it fails, statuses roll back.
        model_store.set_production(models_dir, name, reason)
    logger.info("promoted %s: %s", name, reason)
    if redis_client is not None:
        message = {"version": name, "reason": reason}
        redis_client.publish(keys.MODEL_EVENTS, json.dumps(message))
    return record


PROMOTION_LOCK = 0x5348_5057
"""PostgreSQL advisory lock key of promotions."""


def _one_promotion_at_a_time(session: Session) -> None:
    """Wait until no other promotion's transaction is open.

    Two promotions reading the production row at once would each archive only what
    they saw, leaving two production rows. On PostgreSQL a transaction-scoped advisory
    lock makes the second wait and read after the first commits. SQLite has one writer
    at a time: a promotion's first statement writes, so it holds that lock before it
    reads anything.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PROMOTION_LOCK})
