"""Admin training: start a retrain, follow its progress, cancel it, see its result."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from frontend.api_client import ApiError
from frontend.jobs import job_view
from frontend.web import admin_required, api

bp = Blueprint("admin_training", __name__, url_prefix="/admin")

_INTS = ("epochs", "image_epochs", "batch_size", "sample")


@bp.get("/training")
@admin_required
def page() -> Any:
    job_id = request.args.get("job")
    job = job_view(api("GET", f"/admin/jobs/{job_id}")) if job_id else None
    return render_template("admin/training.html", job=job)


@bp.post("/training")
@admin_required
def start() -> Any:
    body: dict[str, Any] = {"promote": request.form.get("promote", "auto")}
    try:
        for name in _INTS:
            if request.form.get(name):
                body[name] = int(request.form[name])
        if request.form.get("learning_rate"):
            body["learning_rate"] = float(request.form["learning_rate"])
    except ValueError:
        flash(
            "Epochs, batch size and sample are whole numbers; the learning rate a number.", "error"
        )
        return redirect(url_for("admin_training.page"))
    if request.form.get("data") == "recent":
        body["data"] = "recent"
    if request.form.get("model_params"):
        # tests and experts: "name=value" pairs, comma-separated
        params: dict[str, Any] = {}
        for pair in request.form["model_params"].split(","):
            name, _, value = pair.partition("=")
            params[name.strip()] = _number(value.strip())
        body["model_params"] = params
    try:
        started = api("POST", "/admin/retrain-model", json=body)
    except ApiError as exc:
        if exc.status == 401:
            raise
        flash(f"The retrain did not start: {exc.message}", "error")
        return redirect(url_for("admin_training.page"))
    return redirect(url_for("admin_training.page", job=started["job_id"]))


def _number(value: str) -> int | float | str:
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


@bp.get("/jobs/<job_id>.json")
@admin_required
def job_json(job_id: str) -> Any:
    """The job for the progress bar's script (it polls this)."""
    return job_view(api("GET", f"/admin/jobs/{job_id}"))


@bp.post("/jobs/<job_id>/cancel")
@admin_required
def cancel(job_id: str) -> Any:
    try:
        api("POST", f"/admin/jobs/{job_id}/cancel")
        flash("Cancel requested: a running job stops at its next progress report.", "info")
    except ApiError as exc:
        if exc.status == 401:
            raise
        flash(f"Could not cancel: {exc.message}", "error")
    return redirect(url_for("admin_training.page", job=job_id))
