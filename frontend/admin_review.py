"""Admin feedback review, event logs and user accounts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from frontend.web import admin_required, api, api_action

bp = Blueprint("admin_review", __name__, url_prefix="/admin")

LOG_FILTERS = ("kind", "level", "actor", "since", "until")
FEEDBACK_FILTERS = ("status", "model_version")


def _page_args(names: tuple[str, ...], per_page: int) -> tuple[dict[str, Any], dict[str, str]]:
    filters = {n: request.args[n].strip() for n in names if request.args.get(n, "").strip()}
    page_no = max(request.args.get("page", 1, type=int) or 1, 1)
    return {**filters, "page": page_no, "per_page": per_page}, filters


@bp.get("/feedback")
@admin_required
def feedback() -> Any:
    params, filters = _page_args(FEEDBACK_FILTERS, 25)
    listing = api("GET", "/admin/feedback", params=params)
    return render_template("admin/feedback.html", listing=listing, filters=filters)


@bp.post("/feedback/<int:feedback_id>/accept")
@admin_required
def accept(feedback_id: int) -> Any:
    api_action(
        "POST", f"/admin/feedback/{feedback_id}/accept", failed="Not accepted",
        done="Correction accepted: the product joins the next training.",
    )  # fmt: skip
    return redirect(url_for("admin_review.feedback"))


@bp.post("/feedback/<int:feedback_id>/dismiss")
@admin_required
def dismiss(feedback_id: int) -> Any:
    api_action(
        "POST", f"/admin/feedback/{feedback_id}/dismiss", failed="Not dismissed",
        done="Feedback dismissed: it makes no product, and its photo may expire.",
    )  # fmt: skip
    return redirect(url_for("admin_review.feedback"))


@bp.get("/logs")
@admin_required
def logs() -> Any:
    params, filters = _page_args(LOG_FILTERS, 50)
    listing = api("GET", "/admin/logs", params=params)
    return render_template("admin/logs.html", listing=listing, filters=filters)


@bp.get("/users")
@admin_required
def users() -> Any:
    return render_template("admin/users.html", users=api("GET", "/admin/users")["items"])


@bp.post("/users")
@admin_required
def create_user() -> Any:
    body = {k: request.form.get(k, "").strip() for k in ("username", "password", "role", "email")}
    body["password"] = request.form.get("password", "")
    if not body["email"]:
        body.pop("email")
    api_action(
        "POST", "/auth/signup", json=body, failed="Account not created",
        done=f"Account {body['username']} created.",
    )  # fmt: skip
    return redirect(url_for("admin_review.users"))


@bp.post("/users/<username>/<any(activate, deactivate):action>")
@admin_required
def switch_user(username: str, action: str) -> Any:
    api_action(
        "POST", f"/admin/users/{username}/{action}", failed=f"Could not {action} {username}",
        done=f"{username} {action}d.",
    )  # fmt: skip
    return redirect(url_for("admin_review.users"))
