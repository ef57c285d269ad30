"""Admin data: a bulk upload (CSV + images zip, with its import report) or one product."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from common.categories import CATEGORIES
from frontend.api_client import ApiError
from frontend.jobs import job_view
from frontend.web import admin_required, api

bp = Blueprint("admin_data", __name__, url_prefix="/admin")


@bp.get("/data")
@admin_required
def page() -> Any:
    job_id = request.args.get("job")
    job = job_view(api("GET", f"/admin/jobs/{job_id}")) if job_id else None
    return render_template("admin/data.html", job=job, form={})


@bp.post("/data/upload")
@admin_required
def upload() -> Any:
    """Forwards the files to the API; JSON for the page's script, a redirect without it."""
    files = {
        name: (f.filename, f.stream, f.mimetype or "application/octet-stream")
        for name, f in request.files.items()
        if name in ("csv", "images") and f.filename
    }
    wants_json = request.accept_mimetypes.best == "application/json"
    if "csv" not in files:
        message = "Choose a products CSV file."
        if wants_json:
            return {"error": {"code": "missing_input", "message": message}}, 400
        flash(message, "error")
        return redirect(url_for("admin_data.page"))
    try:
        started = api("POST", "/admin/add-product-data", files=files)
    except ApiError as exc:
        if wants_json or exc.status == 401:
            raise
        flash(f"The upload was refused: {exc.message}", "error")
        return redirect(url_for("admin_data.page"))
    if wants_json:
        return {
            "job_id": started["job_id"],
            "status_url": url_for("admin_training.job_json", job_id=started["job_id"]),
        }, 202
    return redirect(url_for("admin_data.page", job=started["job_id"]))


@bp.post("/data/product")
@admin_required
def add_product() -> Any:
    form = {
        k: request.form.get(k, "").strip()
        for k in ("productid", "designation", "description", "prdtypecode")
    }
    files = {}
    photo = request.files.get("image")
    if photo is not None and photo.filename:
        files["image"] = (photo.filename, photo.stream, photo.mimetype)
    if form["prdtypecode"] and int(form["prdtypecode"] or 0) not in CATEGORIES:
        flash("Pick one of the listed categories.", "error")
        return redirect(url_for("admin_data.page"))
    try:
        report = api("POST", "/admin/add-product-data", data=form, files=files or None)
    except ApiError as exc:
        if exc.status == 401:
            raise
        return render_template("admin/data.html", job=None, form=form, error=exc.message), 200
    if report.get("job_id"):  # the importer was slow to answer: follow its job
        return redirect(url_for("admin_data.page", job=report["job_id"]))
    flash(
        f"Product {form['productid']} added "
        f"({report.get('inserted', 0)} inserted, {report.get('updated', 0)} updated).",
        "success",
    )
    return redirect(url_for("admin_data.page"))
