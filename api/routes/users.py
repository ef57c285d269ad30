"""``/admin/users``: list accounts, deactivate or reactivate one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from api.guards import guard_admin_blueprint
from api.schemas import UserList, UserOut
from api.services import accounts, services
from api.spec import ADMIN, BEARER, responses, spec

bp = Blueprint("users", __name__, url_prefix="/admin/users")


bp.before_request(guard_admin_blueprint)


@bp.get("")
@spec.validate(resp=responses({200: UserList}, *ADMIN), tags=["users"], security=BEARER)
def list_users() -> dict[str, Any]:
    """Every account."""
    with services().sessions() as session:
        return {"items": [accounts.user_json(u) for u in accounts.list_users(session)]}


@bp.post("/<username>/deactivate")
@spec.validate(resp=responses({200: UserOut}, *ADMIN, 404, 409), tags=["users"], security=BEARER)
def deactivate(username: str) -> dict[str, Any]:
    """Deactivate an account: its tokens stop working at once."""
    user = accounts.set_active(services().sessions, username, False, g.admin.username)
    return accounts.user_json(user)


@bp.post("/<username>/activate")
@spec.validate(resp=responses({200: UserOut}, *ADMIN, 404), tags=["users"], security=BEARER)
def activate(username: str) -> dict[str, Any]:
    """Reactivate an account."""
    user = accounts.set_active(services().sessions, username, True, g.admin.username)
    return accounts.user_json(user)
