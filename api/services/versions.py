"""Model versions for admins: listing, the promotion gate, and production's evaluation."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import ApiError
from api.services import Services
from common import model_store, registry
from common.events import record_event
from common.orm import PRODUCTION, ModelVersionRecord, PredictionRecord

logger = logging.getLogger(__name__)

SUMMARY = ("n", "accuracy", "f1_weighted", "f1_macro", "precision_weighted", "recall_weighted")


def summary(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: metrics[k] for k in SUMMARY if k in metrics}


def version_json(record: ModelVersionRecord, on_volume: bool) -> dict[str, Any]:
    return {
        "version": record.name,
        "status": record.status,
        "production": record.status == PRODUCTION,
        "created_at": record.created_at.isoformat(),
        "promoted_at": record.promoted_at.isoformat() if record.promoted_at else None,
        "f1_weighted": record.f1_weighted,
        "metrics": summary(record.metrics)
        | {
            "by_modality": {k: summary(v) for k, v in record.metrics.get("by_modality", {}).items()}
        },
        "serving": record.metrics.get("serving"),  # ONNX export and the int8 gate
        "params": record.params,
        "provenance": record.provenance,
        "training_seconds": record.training_seconds,
        "on_volume": on_volume,
    }


def list_versions(svc: Services, session: Session) -> dict[str, Any]:
    """Every recorded version, newest first, plus complete ones only the volume knows."""
    on_volume = set(model_store.list_versions(svc.settings.models_path))
    records = registry.list_records(session)
    items = [version_json(r, r.name in on_volume) for r in records]
    known = {r.name for r in records}
    for name in sorted(on_volume - known, key=lambda n: int(n[1:]), reverse=True):
        items.append(
            {"version": name, "status": "unregistered", "on_volume": True, "production": False}
        )
    return {"items": items, "production": model_store.production_version(svc.settings.models_path)}


def class_drops(candidate: dict[str, Any], production: dict[str, Any], margin: float) -> dict:
    """Classes whose F1 would fall by more than ``margin`` with the candidate."""
    new, old = candidate.get("per_class_f1", {}), production.get("per_class_f1", {})
    return {
        code: {"production": round(old[code], 4), "candidate": round(new.get(code, 0.0), 4)}
        for code in sorted(old)
        if old[code] - new.get(code, 0.0) > margin
    }


def promote(svc: Services, name: str, force: bool, actor: str) -> dict[str, Any]:
    """Make ``name`` production: a new version passes the per-class gate unless forced;
    a version that served before (a rollback) is trusted."""
    try:
        path = model_store.version_path(svc.settings.models_path, name)
    except model_store.UnknownVersion:
        path = None
    if path is None or not model_store.is_complete(path):
        raise ApiError(404, "not_found", f"No complete model version '{name}'.")
    with svc.sessions() as session:
        target = _record(session, name)
        current = registry.production_record(session)
    if current is not None and current.name == name:
        # Idempotent: promoting what already serves changes nothing and says so.
        return version_json(current, True) | {
            "previous": name,
            "reason": "already production",
            "changed": False,
        }
    rollback = target is not None and target.promoted_at is not None
    if not force and not rollback and current is not None and target is not None:
        drops = class_drops(target.metrics, current.metrics, svc.settings.promotion_max_f1_drop)
        if drops:
            record_event(
                svc.sessions,
                "promotion",
                f"promotion of {name} refused by the gate",
                level="warning",
                actor=actor,
                subject=name,
                drops=drops,
            )
            raise ApiError(
                409,
                "promotion_refused",
                f"{len(drops)} class(es) would lose more than "
                f"{svc.settings.promotion_max_f1_drop:g} F1 against {current.name}; "
                'send {"force": true} to promote anyway.',
                drops=drops,
            )
    reason = "rollback" if rollback else "forced" if force else "passed the per-class gate"
    reason = f"{reason}, by {actor}"
    registry.promote(svc.sessions, svc.settings.models_path, name, reason, svc.redis)
    record_event(
        svc.sessions,
        "promotion",
        f"{name} promoted ({reason})",
        actor=actor,
        subject=name,
        previous=current.name if current else None,
    )
    with svc.sessions() as session:
        record = _record(session, name)
    assert record is not None
    return version_json(record, True) | {
        "previous": current.name if current else None,
        "reason": reason,
        "changed": True,
    }


def _record(session: Session, name: str) -> ModelVersionRecord | None:
    return session.scalars(
        select(ModelVersionRecord).where(ModelVersionRecord.name == name)
    ).first()


def evaluation(svc: Services) -> dict[str, Any]:
    """Production's metrics on the evaluation set, its training time and serving latency."""
    with svc.sessions() as session:
        record = registry.production_record(session)
        if record is None:
            raise ApiError(404, "no_production_model", "No model version is in production yet.")
        latencies = sorted(
            value
            for value in session.scalars(
                select(PredictionRecord.latency_ms)
                .where(PredictionRecord.model_version == record.name)
                .where(PredictionRecord.status == "done")
                .where(PredictionRecord.latency_ms.is_not(None))
                .order_by(PredictionRecord.created_at.desc())
                .limit(svc.settings.latency_window)
            )
            if value is not None
        )
    metrics = record.metrics
    return {
        "version": record.name,
        "evaluation_set": {
            "overall": summary(metrics),
            "per_class_f1": metrics.get("per_class_f1", {}),
            "by_modality": {k: summary(v) for k, v in metrics.get("by_modality", {}).items()},
            "branches": {k: summary(v) for k, v in metrics.get("branches", {}).items()},
            "confusion_matrix": metrics.get("confusion_matrix"),
        },
        "training_seconds": record.training_seconds,
        "serving_latency_ms": {
            "predictions": len(latencies),
            "p50": _percentile(latencies, 0.50),
            "p95": _percentile(latencies, 0.95),
        },
    }


def _percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted ``values``."""
    if not values:
        return None
    rank = max(1, min(len(values), int(-(-q * len(values) // 1))))
    return round(values[rank - 1], 2)
