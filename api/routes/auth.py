"""``/auth``: log in, who am I, and (admins only) sign a new user up."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, request

from api.errors import ApiError
from api.guards import require_admin, require_user
from api.schemas import Credentials, NewUser, Token, UserOut
from api.services import accounts, services
from api.spec import ADMIN, BEARER, USER, guarded_by, json_body, responses, spec

bp = Blueprint("auth", __name__, url_prefix="/auth")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@bp.post("/login")
@spec.validate(json=Credentials, resp=responses({200: Token}, 401, 415, 429), tags=["auth"])
def login() -> dict[str, Any]:
    """Credentials -> bearer token with role and expiry (rate-limited)."""
    body = json_body(Credentials)
    if not body.username or not body.password:
        raise ApiError(400, "invalid_field", "username and password are required.")
    svc = services()
    return accounts.login(
        svc.sessions,
        svc.limiter,
        svc.settings,
        body.username,
        body.password,
        request.remote_addr or "unknown",
    )


@bp.get("/me")
@spec.validate(resp=responses({200: UserOut}, *USER), tags=["auth"], security=BEARER)
def me() -> dict[str, Any]:
    """The caller's account."""
    return accounts.user_json(require_user())


@bp.post("/signup")
@spec.validate(
    json=NewUser,
    resp=responses({201: UserOut}, *ADMIN, 409, 415, 422),
    tags=["auth"],
    security=BEARER,
)
@guarded_by(require_admin)
def signup() -> tuple[dict[str, Any], int]:
    """Admins create accounts (role ``user`` or ``admin``)."""
    admin = require_admin()
    body = json_body(NewUser)
    if not body.username or not body.password:
        raise ApiError(400, "invalid_field", "username and password are required.")
    user = accounts.create_user(
        services().sessions,
        body.username,
        body.password,
        body.role or "user",
        actor=admin.username,
        email=_email(body.email),
    )
    return accounts.user_json(user), 201


def _email(value: str | None) -> str | None:
    if not value:
        return None
    if len(value) > 254 or not EMAIL.match(value):
        raise ApiError(400, "invalid_field", "email must be an e-mail address.")
    return value
