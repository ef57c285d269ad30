"""``/admin/users``: list accounts, deactivate or reactivate one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from api import accounts
from api.authn import guard_admin_blueprint
from api.services import services

bp = Blueprint("users", __name__, url_prefix="/admin/users")


bp.before_request(guard_admin_blueprint)


@bp.get("")
def list_users() -> dict[str, Any]:
    with services().sessions() as session:
        return {"items": [accounts.user_json(u) for u in accounts.list_users(session)]}


@bp.post("/<username>/deactivate")
def deactivate(username: str) -> dict[str, Any]:
    user = accounts.set_active(services().sessions, username, False, g.admin.username)
    return accounts.user_json(user)


@bp.post("/<username>/activate")
def activate(username: str) -> dict[str, Any]:
    user = accounts.set_active(services().sessions, username, True, g.admin.username)
    return accounts.user_json(user)
