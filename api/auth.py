"""``/auth``: log in, who am I, and (admins only) sign a new user up."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, request

from api import accounts
from api.authn import require_admin, require_user
from api.bodies import json_body, string_field
from api.errors import ApiError
from api.services import services

bp = Blueprint("auth", __name__, url_prefix="/auth")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@bp.post("/login")
def login() -> dict[str, Any]:
    """Credentials -> bearer token with role and expiry."""
    body = json_body()
    svc = services()
    return accounts.login(
        svc.sessions,
        svc.limiter,
        svc.settings,
        string_field(body, "username"),
        string_field(body, "password"),
        request.remote_addr or "unknown",
    )


@bp.get("/me")
def me() -> dict[str, Any]:
    return accounts.user_json(require_user())


@bp.post("/signup")
def signup() -> tuple[dict[str, Any], int]:
    """Admins create accounts (role ``user`` or ``admin``)."""
    admin = require_admin()
    body = json_body()
    user = accounts.create_user(
        services().sessions,
        string_field(body, "username"),
        string_field(body, "password"),
        string_field(body, "role", "user"),
        actor=admin.username,
        email=_email(body),
    )
    return accounts.user_json(user), 201


def _email(body: dict[str, Any]) -> str | None:
    value = body.get("email")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 254 or not EMAIL.match(value):
        raise ApiError(400, "invalid_field", "email must be an e-mail address.")
    return value
