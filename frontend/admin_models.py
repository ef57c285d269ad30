"""Admin models: versions with metrics and provenance; promote or roll back."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from frontend.web import admin_required, api, api_action

bp = Blueprint("admin_models", __name__, url_prefix="/admin")


@bp.get("/models")
@admin_required
def page() -> Any:
    return render_template("admin/models.html", models=api("GET", "/admin/models"))


@bp.post("/models/<version>/promote")
@admin_required
def promote(version: str) -> Any:
    if request.form.get("confirm") != version:
        flash(f"Type {version} to confirm.", "error")
        return redirect(url_for("admin_models.page"))
    force = request.form.get("force") == "true"
    api_action(
        "POST", f"/admin/models/{version}/promote", json={"force": force},
        failed=f"{version} was not promoted", done=f"{version} is now in production.",
    )  # fmt: skip
    return redirect(url_for("admin_models.page"))
