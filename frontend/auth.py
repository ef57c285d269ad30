"""Log in (the API's token goes into the signed session cookie) and log out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from frontend.api_client import ApiError
from frontend.web import client, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    target = safe_next(request.form.get("next"))
    try:
        token = client().json(
            "POST", "/auth/login", json={"username": username, "password": password}
        )
    except ApiError as exc:
        message = {
            401: "Wrong username or password.",
            429: "Too many login attempts; wait a few minutes and try again.",
        }.get(exc.status, exc.message)
        return render_template("login.html", error=message, username=username, next=target), (
            exc.status if exc.status in (400, 401, 429) else 502
        )
    session.clear()  # a fresh session (and CSRF token) for the new login
    session.permanent = True
    session.update(token=token["access_token"], username=username, role=token.get("role", "user"))
    return redirect(target)


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))
