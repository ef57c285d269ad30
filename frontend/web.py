"""What every page shares: who is logged in, role checks, and API calls with his token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app, flash, redirect, request, session, url_for

from frontend.api_client import ApiClient, ApiError

F = TypeVar("F", bound=Callable[..., Any])


def client() -> ApiClient:
    found: ApiClient = current_app.extensions["shelfwise_api"]
    return found


def current_user() -> dict[str, str] | None:
    """``{"username", "role"}`` of the logged-in person, or None."""
    if "token" not in session:
        return None
    return {"username": session.get("username", ""), "role": session.get("role", "")}


def is_admin() -> bool:
    return session.get("role") == "admin"


def api(method: str, path: str, **kwargs: Any) -> Any:
    """The JSON answer of an API call made with the logged-in person's token."""
    return client().json(method, path, session.get("token"), **kwargs)


def api_action(method: str, path: str, *, done: str, failed: str, **kwargs: Any) -> bool:
    """Run a form's action on the API and flash how it went; True when it succeeded.

    The API's refusal is shown as ``failed: <its message>``; an ended session
    (401) is raised, so the error handler leads back to the login page.
    """
    try:
        api(method, path, **kwargs)
    except ApiError as exc:
        if exc.status == 401:
            raise
        flash(f"{failed}: {exc.message}", "error")
        return False
    flash(done, "success")
    return True


def login_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if "token" not in session:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def admin_required(view: F) -> F:
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if "token" not in session:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if not is_admin():
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("classify.page")
