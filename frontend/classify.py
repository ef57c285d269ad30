"""Classify a product (photo, title, description) and flag a wrong answer."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.categories import CATEGORIES
from frontend.api_client import ApiError
from frontend.web import api, login_required

bp = Blueprint("classify", __name__)


@bp.get("/")
@login_required
def page() -> Any:
    return render_template("classify.html", result=None, form={})


@bp.post("/classify")
@login_required
def classify() -> Any:
    form = {
        "designation": request.form.get("designation", ""),
        "description": request.form.get("description", ""),
    }
    files = {}
    photo = request.files.get("image")
    if photo is not None and photo.filename:
        files["image"] = (photo.filename, photo.stream, photo.mimetype)
    if not files and not form["designation"].strip():
        return render_template(
            "classify.html", result=None, form=form, error="Add a photo, a title, or both."
        ), 400
    try:
        result = api("POST", "/predict", data=form, files=files or None)
    except ApiError as exc:
        if exc.status == 401:
            raise
        return render_template("classify.html", result=None, form=form, error=exc.message), 200
    return render_template("classify.html", result=result, form=form)


@bp.post("/feedback")
@login_required
def feedback() -> Any:
    prediction_id = request.form.get("prediction_id", "")
    body: dict[str, Any] = {"prediction_id": prediction_id, "is_correct": False}
    raw = request.form.get("correct_category", "")
    if raw:
        try:
            body["correct_category"] = int(raw)
        except ValueError:
            pass
        if body.get("correct_category") not in CATEGORIES:
            flash("Pick one of the listed categories.", "error")
            return redirect(url_for("classify.page"))
    if request.form.get("is_correct") == "true":
        body = {"prediction_id": prediction_id, "is_correct": True}
    for name in ("designation", "description"):
        if request.form.get(name):
            body[name] = request.form[name]
    try:
        _send_feedback(body)
    except ApiError as exc:
        if exc.status == 401:
            raise
        flash(f"Your feedback was not saved: {exc.message}", "error")
    else:
        flash("Thank you! Your feedback helps the model learn.", "success")
    return redirect(
        request.form.get("back") == "predictions"
        and url_for("predictions.page")
        or url_for("classify.page")
    )


NOT_RECORDED_TRIES = 4


def _send_feedback(body: dict[str, Any]) -> None:
    """POST /feedback; a prediction answered a moment ago may not be recorded yet (409
    not_recorded, Retry-After 1): wait and send again a few times before telling the user."""
    for attempt in range(NOT_RECORDED_TRIES):
        try:
            api("POST", "/feedback", json=body)
            return
        except ApiError as exc:
            if exc.code != "not_recorded" or attempt == NOT_RECORDED_TRIES - 1:
                raise
        time.sleep(1)
