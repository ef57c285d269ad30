"""``/admin/callback-hosts``: hosts callbacks may reach whatever their scheme and addresses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from api.errors import ApiError
from api.guards import guard_admin_blueprint
from api.schemas import CallbackHostList, CallbackHosts
from api.services import services
from api.services.callbacks import allowed_hosts
from api.spec import ADMIN, BEARER, json_body, responses, spec
from common import keys
from common.events import record_event

bp = Blueprint("admin_callbacks", __name__, url_prefix="/admin")
bp.before_request(guard_admin_blueprint)


@bp.get("/callback-hosts")
@spec.validate(resp=responses({200: CallbackHostList}, *ADMIN), tags=["callbacks"], security=BEARER)
def list_hosts() -> dict[str, Any]:
    """The allow-list: callbacks to these hosts skip the https and public-address rules."""
    return {"hosts": sorted(allowed_hosts(services().redis))}


@bp.put("/callback-hosts")
@spec.validate(
    json=CallbackHosts,
    resp=responses({200: CallbackHostList}, *ADMIN, 415, 422),
    tags=["callbacks"],
    security=BEARER,
)
def put_hosts() -> dict[str, Any]:
    """Replace the allow-list (host names or addresses, as in the URLs)."""
    hosts = sorted({h.strip().lower() for h in json_body(CallbackHosts).hosts})
    for host in hosts:
        if not host or len(host) > 253 or any(c in host for c in "/@ \t[]"):
            raise ApiError(422, "invalid_host", f"'{host}' is not a host name or address.")
    svc = services()
    pipe = svc.redis.pipeline(transaction=True)
    pipe.delete(keys.CALLBACK_HOSTS)
    if hosts:
        pipe.sadd(keys.CALLBACK_HOSTS, *hosts)
    pipe.execute()
    record_event(
        svc.sessions,
        "user",
        f"callback allow-list set to {', '.join(hosts) or 'nothing'}",
        level="warning" if hosts else "info",
        actor=g.admin.username,
        subject="callback-hosts",
    )
    return {"hosts": hosts}
