"""The catalogue: labelled products by category, their photos, and the class balance."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request, session

from frontend import charts
from frontend.web import admin_required, api, client

bp = Blueprint("catalogue", __name__)


@bp.get("/catalogue")
@admin_required
def page() -> Any:
    category = request.args.get("category", type=int)
    q = request.args.get("q", "").strip()
    page_no = max(request.args.get("page", 1, type=int) or 1, 1)
    params: dict[str, Any] = {"page": page_no, "per_page": 24}
    if category:
        params["category"] = category
    if q:
        params["q"] = q
    products = api("GET", "/admin/products", params=params)
    counts = api("GET", "/admin/products/counts")
    biggest = max((c["count"] for c in counts["counts"]), default=0) or 1
    balance = charts.bar_chart(
        [(f"{c['name']} ({c['code']})", c["count"]) for c in counts["counts"]],
        "Labelled products per category",
        x_max=biggest,
    )
    return render_template(
        "catalogue.html",
        products=products,
        counts=counts,
        balance=balance,
        category=category,
        q=q,
    )


@bp.get("/catalogue/images/<digest>")
@admin_required
def image(digest: str) -> Response:
    """A product photo, fetched from the API with the admin's token."""
    upstream = client().call("GET", f"/admin/images/{digest}", session.get("token"))
    response = Response(upstream.content, mimetype=upstream.headers.get("Content-Type"))
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
