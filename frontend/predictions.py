"""My predictions: the recent ones, each with the feedback given."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from frontend.web import api, login_required

bp = Blueprint("predictions", __name__)


@bp.get("/predictions")
@login_required
def page() -> Any:
    page_no = request.args.get("page", 1, type=int) or 1
    listing = api("GET", "/predictions", params={"page": max(page_no, 1), "per_page": 20})
    return render_template("predictions.html", listing=listing)
