"""Reading an earlier prediction: from Redis while its answer is kept there, else the database."""

from __future__ import annotations

from typing import Any

from api.errors import ApiError
from api.services import Services
from common.categories import CATEGORIES
from common.orm import ROLE_ADMIN, PredictionRecord, User


def read_prediction(svc: Services, prediction_id: str, user: User | None) -> dict[str, Any]:
    """The prediction's state for ``user``: 404 unknown, 401/403 when not his."""
    state = svc.broker.state(prediction_id)
    owner = svc.broker.owner(prediction_id)
    record = None
    if state is None or owner is None:
        with svc.sessions() as session:
            record = session.get(PredictionRecord, prediction_id)
        if record is None and state is None:
            raise ApiError(404, "not_found", f"No prediction with id '{prediction_id}'.")
        if owner is None and record is not None:
            owner = str(record.user_id) if record.user_id is not None else ""
    authorize(owner, user)
    if state is None:
        assert record is not None
        return answer_from_record(record)
    return state


def authorize(owner: str | None, user: User | None) -> None:
    if owner == "":
        return  # an anonymous client's prediction: its unguessable id is the key
    if user is None:
        raise ApiError(
            401,
            "missing_token",
            "Send a bearer token: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if user.role != ROLE_ADMIN and str(user.id) != owner:
        raise ApiError(403, "forbidden", "This prediction belongs to another user.")


def answer_from_record(record: PredictionRecord) -> dict[str, Any]:
    """The answer document rebuilt from its database record (after Redis forgot it)."""
    if record.status != "done":
        body: dict[str, Any] = {"status": record.status, "prediction_id": record.id}
        if record.error_code:
            body["error"] = {"code": record.error_code, "message": "The prediction failed."}
        return body
    code = record.category
    return {
        "status": "done",
        "prediction_id": record.id,
        "category": {"code": code, "name": CATEGORIES.get(code or 0, "")},
        "confidence": record.confidence,
        "top5": record.top5,
        "modalities": record.modalities,
        "model_version": record.model_version,
        "latency_ms": record.latency_ms,
        "created_at": record.created_at.isoformat(),
    }
