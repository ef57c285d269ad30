"""``/account/callback-secret`` (the key that signs an account's callbacks) and
``GET /predictions/<id>/callback`` (a callback's delivery and every attempt)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint

from api.errors import ApiError
from api.guards import require_user
from api.schemas import Callback, CallbackSecret, CallbackSecretState
from api.services import services
from api.services.predictions import authorize
from api.spec import BEARER, USER, responses, spec
from common.events import record_event
from common.orm import User

bp = Blueprint("webhooks", __name__)


@bp.post("/account/callback-secret")
@spec.validate(resp=responses({201: CallbackSecret}, *USER), tags=["callbacks"], security=BEARER)
def create_secret() -> tuple[dict[str, Any], int]:
    """A new callback secret for the caller's account, shown this once; it replaces the
    previous one at once (rotation)."""
    user = require_user()
    svc = services()
    secret = "sws_" + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with svc.sessions.begin() as session:
        row = session.get(User, user.id)
        assert row is not None
        rotated = row.callback_secret is not None
        row.callback_secret, row.callback_secret_created_at = secret, now
    record_event(
        svc.sessions,
        "user",
        f"callback secret {'rotated' if rotated else 'created'} for {user.username}",
        actor=user.username,
        subject=user.username,
    )
    return {"secret": secret, "created_at": now.isoformat()}, 201


@bp.get("/account/callback-secret")
@spec.validate(
    resp=responses({200: CallbackSecretState}, *USER), tags=["callbacks"], security=BEARER
)
def secret_state() -> dict[str, Any]:
    """Whether the caller's account has a callback secret, and since when (never the secret)."""
    user = require_user()
    created = user.callback_secret_created_at
    return {
        "configured": user.callback_secret is not None,
        "created_at": created.isoformat() if created else None,
    }


@bp.get("/predictions/<prediction_id>/callback")
@spec.validate(
    resp=responses({200: Callback}, *USER, 403, 404), tags=["callbacks"], security=BEARER
)
def get_callback(prediction_id: str) -> dict[str, Any]:
    """A prediction's callback: target, status and every delivery attempt (owner, admins)."""
    user = require_user()
    document = services().callbacks.read(prediction_id) if len(prediction_id) <= 64 else None
    if document is None:
        raise ApiError(404, "not_found", f"No callback for prediction '{prediction_id}'.")
    authorize(str(document["owner"]), user)
    return {k: v for k, v in document.items() if k != "owner"}
