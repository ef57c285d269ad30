"""Live quality and drift from the database, as the time series ``GET /admin/monitoring`` serves.

Quality comes from feedback with a known truth (confirmed predictions and
corrections), per model version, over a rolling window ending at each point.
Drift compares the class distribution of recent answered predictions with the
distribution the version was trained on (PSI), beside the mean confidence and
the share of low-confidence answers, per bucket.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common import quality
from common.categories import CODES
from common.orm import Event, Feedback, ModelVersionRecord, PredictionRecord
from common.registry import production_record
from common.settings import Settings


@dataclass(frozen=True)
class Window:
    """The series' shape: ``points`` buckets of ``bucket_s`` ending at ``end``."""

    end: datetime
    window_s: int
    bucket_s: int

    @property
    def points(self) -> int:
        return max(1, self.window_s // self.bucket_s)

    def ends(self) -> list[datetime]:
        return [
            self.end - timedelta(seconds=self.bucket_s * k) for k in range(self.points - 1, -1, -1)
        ]

    @property
    def start(self) -> datetime:
        return self.end - timedelta(seconds=self.window_s)


def _aware(value: datetime) -> datetime:
    # SQLite gives back naive datetimes for timezone-aware columns.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def labelled_feedback(
    session: Session, since: datetime, until: datetime, version: str | None = None
) -> list[tuple[datetime, str | None, int, int]]:
    """(time, version, true code, predicted code) of feedback with a known truth."""
    query = select(Feedback).where(Feedback.created_at > since, Feedback.created_at <= until)
    if version is not None:
        query = query.where(Feedback.model_version == version)
    out = []
    for row in session.scalars(query):
        truth = row.true_category
        if truth is not None and row.predicted_category is not None:
            out.append((_aware(row.created_at), row.model_version, truth, row.predicted_category))
    return out


def live_quality(session: Session, window: Window, version: str | None = None) -> dict[str, Any]:
    """Per version: the metrics over the whole window, and the rolling series."""
    rows = labelled_feedback(
        session, window.start - timedelta(seconds=window.window_s), window.end, version
    )
    by_version: dict[str, list[tuple[datetime, int, int]]] = defaultdict(list)
    for time, name, truth, predicted in rows:
        by_version[name or "unknown"].append((time, truth, predicted))
    out: dict[str, Any] = {}
    for name, items in sorted(by_version.items()):
        series = []
        for end in window.ends():
            start = end - timedelta(seconds=window.window_s)
            inside = [(t, p) for time, t, p in items if start < time <= end]
            scores = quality.classification([t for t, _ in inside], [p for _, p in inside])
            series.append(
                {
                    "time": end.isoformat(),
                    "n": scores["n"],
                    "accuracy": scores["accuracy"],
                    "f1_weighted": scores["f1_weighted"],
                }
            )
        current = [(t, p) for time, t, p in items if window.start < time <= window.end]
        out[name] = {
            "current": quality.classification([t for t, _ in current], [p for _, p in current]),
            "series": series,
        }
    return out


def drift(session: Session, window: Window, record: ModelVersionRecord | None) -> dict[str, Any]:
    """PSI of the window's predictions by ``record`` against its training classes, with
    mean confidence and low-confidence share per bucket."""
    if record is None:
        return {"version": None, "reference": "none", "n": 0, "psi_total": None, "per_class": {}}
    expected, reference = quality.training_distribution(record.metrics, record.provenance, CODES)
    rows = session.execute(
        select(
            PredictionRecord.created_at, PredictionRecord.category, PredictionRecord.confidence
        ).where(
            PredictionRecord.status == "done",
            PredictionRecord.model_version == record.name,
            PredictionRecord.created_at > window.start,
            PredictionRecord.created_at <= window.end,
        )
    ).all()
    points = [(_aware(t), c, conf) for t, c, conf in rows if c is not None]
    return {
        "version": record.name,
        "reference": reference,
        **_psi_of(expected, [c for _, c, _ in points]),
        "series": [_bucket(expected, points, end, window.bucket_s) for end in window.ends()],
    }


def _psi_of(expected: dict[str, float], codes: list[int]) -> dict[str, Any]:
    if not expected or not codes:
        return {"n": len(codes), "psi_total": None, "per_class": {}}
    result = quality.psi(expected, {str(k): v for k, v in Counter(codes).items()})
    return {"n": len(codes), "psi_total": result["total"], "per_class": result["per_class"]}


def _bucket(
    expected: dict[str, float],
    points: list[tuple[datetime, int, float | None]],
    end: datetime,
    bucket_s: int,
    low: float | None = None,
) -> dict[str, Any]:
    start = end - timedelta(seconds=bucket_s)
    inside = [(c, conf) for t, c, conf in points if start < t <= end]
    confidences = [conf for _, conf in inside if conf is not None]
    return {
        "time": end.isoformat(),
        "n": len(inside),
        "psi": _psi_of(expected, [c for c, _ in inside])["psi_total"],
        "mean_confidence": sum(confidences) / len(confidences) if confidences else None,
        "confidences": confidences,
    }


def evaluations(session: Session, since: datetime) -> list[dict[str, Any]]:
    """Scheduled evaluations of production on fresh products (their events), oldest first."""
    rows = session.scalars(
        select(Event)
        .where(Event.kind == "evaluation", Event.subject == "scheduled", Event.created_at > since)
        .order_by(Event.id)
    )
    return [
        {"time": _aware(e.created_at).isoformat(), **e.details}
        for e in rows
        if "f1_weighted" in e.details
    ]


def alerts(session: Session, since: datetime, limit: int = 50) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Event)
        .where(Event.kind == "alert", Event.created_at > since)
        .order_by(Event.id.desc())
        .limit(limit)
    )
    return [
        {
            "time": _aware(e.created_at).isoformat(),
            "level": e.level,
            "message": e.message,
            "subject": e.subject,
        }
        for e in rows
    ]


def report(
    session: Session,
    settings: Settings,
    now: datetime | None = None,
    window_s: int | None = None,
    bucket_s: int | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """Everything the dashboard plots, for the window ending ``now``."""
    window = Window(
        now or datetime.now(UTC),
        window_s or settings.monitor_window_s,
        bucket_s or settings.monitor_bucket_s,
    )
    production = production_record(session)
    record = production
    if version is not None:
        record = session.scalars(
            select(ModelVersionRecord).where(ModelVersionRecord.name == version)
        ).first()
    found = drift(session, window, record)
    for point in found.get("series", []):
        confidences = point.pop("confidences")
        point["low_confidence_share"] = (
            sum(1 for c in confidences if c < settings.low_confidence) / len(confidences)
            if confidences
            else None
        )
    return {
        "generated_at": window.end.isoformat(),
        "window_s": window.window_s,
        "bucket_s": window.bucket_s,
        "production": production.name if production else None,
        "thresholds": {
            "alert_f1": settings.alert_f1,
            "drift_psi": settings.drift_psi_threshold,
            "low_confidence": settings.low_confidence,
        },
        "quality": live_quality(session, window, version),
        "drift": found,
        "evaluations": evaluations(session, window.start),
        "alerts": alerts(session, window.start),
    }
