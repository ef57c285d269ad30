"""The admin dashboard: production's scores, quality over time, drift, and the serving path."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from common.categories import CATEGORIES, CODES
from frontend import charts
from frontend.api_client import ApiError
from frontend.web import admin_required, api, client

bp = Blueprint("dashboard", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def page() -> Any:
    models = api("GET", "/admin/models")
    try:
        evaluation = api("GET", "/admin/evaluate-model")
    except ApiError as exc:
        if exc.status != 404:
            raise
        evaluation = None  # no version in production yet
    monitoring = api("GET", "/admin/monitoring")
    try:
        ready = client().json("GET", "/ready", timeout=5)
    except ApiError:
        ready = None  # /ready answers 503 when something is missing: shown as not ready
    return render_template(
        "admin/dashboard.html",
        models=models,
        evaluation=evaluation,
        monitoring=monitoring,
        ready=ready,
        f1_chart=_f1_over_versions(models["items"]),
        class_chart=_per_class(evaluation),
        confusion=_confusion(evaluation),
        live_chart=_live(monitoring),
        drift_chart=_drift(monitoring),
    )


def _f1_over_versions(versions: list[dict[str, Any]]) -> Any:
    points = [
        (v["version"], v.get("f1_weighted"))
        for v in sorted(versions, key=lambda v: v.get("created_at") or "")
        if v.get("created_at")
    ]
    return charts.line_chart({"weighted F1": points}, "Weighted F1 per model version")


def _per_class(evaluation: dict[str, Any] | None) -> Any:
    per_class = (evaluation or {}).get("evaluation_set", {}).get("per_class_f1", {})
    bars = [
        (f"{CATEGORIES.get(int(code), code)} ({code})", float(f1))
        for code, f1 in sorted(per_class.items(), key=lambda item: item[1])
    ]
    return charts.bar_chart(bars, "F1 per class on the evaluation set")


def _confusion(evaluation: dict[str, Any] | None) -> Any:
    matrix = (evaluation or {}).get("evaluation_set", {}).get("confusion_matrix") or []
    return charts.heatmap(matrix, [str(c) for c in CODES], "Confusion matrix")


def _short_time(iso: str) -> str:
    return iso[5:16].replace("T", " ")


def _live(monitoring: dict[str, Any]) -> Any:
    series: dict[str, list[tuple[str, float | None]]] = {}
    for version, quality in (monitoring.get("quality") or {}).items():
        if not isinstance(quality, dict):
            continue
        points = quality.get("series", [])
        series[f"{version} accuracy"] = [
            (_short_time(p["time"]), p.get("accuracy") if p.get("n") else None) for p in points
        ]
    return charts.line_chart(series, "Live accuracy from feedback", threshold=None)


def _drift(monitoring: dict[str, Any]) -> Any:
    drift = monitoring.get("drift") or {}
    points = [(_short_time(p["time"]), p.get("psi")) for p in drift.get("series", [])]
    values = [v for _, v in points if v is not None]
    top = max([monitoring.get("thresholds", {}).get("drift_psi", 0.25) * 2, *values, 0.1])
    return charts.line_chart(
        {"PSI": points},
        "Class drift (PSI) over time",
        y_max=top,
        threshold=monitoring.get("thresholds", {}).get("drift_psi"),
    )
