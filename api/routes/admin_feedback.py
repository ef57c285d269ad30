"""``/admin/feedback``: list verdicts (with the prediction's photo); accept a corrected one as
a labelled product with the photo and text it was classified with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, g
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.errors import ApiError
from api.guards import guard_admin_blueprint
from api.queries import arg, boolean, integer, paginate, timestamp
from api.schemas import FeedbackOut, FeedbackPage, FeedbackQuery
from api.services import Services, services
from api.services.feedback import feedback_json, is_classified_text, not_recorded
from api.services.photos import photo_of
from api.spec import ADMIN, BEARER, responses, spec
from common.events import add_event
from common.image_store import ImageStore
from common.orm import (
    BATCH_DONE,
    FEEDBACK_ACCEPTED,
    FEEDBACK_DISMISSED,
    FEEDBACK_NEW,
    Feedback,
    IngestionBatch,
    PredictionRecord,
    Product,
    User,
)

bp = Blueprint("admin_feedback", __name__, url_prefix="/admin")
bp.before_request(guard_admin_blueprint)

FEEDBACK_BATCH = "feedback"
"""Source (and kind) of the ingestion batch that accepted feedback lands in."""


@bp.get("/feedback")
@spec.validate(
    query=FeedbackQuery,
    resp=responses({200: FeedbackPage}, *ADMIN),
    tags=["feedback"],
    security=BEARER,
)
def list_feedback() -> dict[str, Any]:
    """Newest first; ``is_correct``, ``status``, ``model_version``, ``category`` (predicted),
    ``correct_category``, ``user``, ``since``, ``until``, paginated."""
    query = select(Feedback).order_by(Feedback.id.desc())
    is_correct = arg("is_correct", boolean)
    if is_correct is not None:
        query = query.where(Feedback.is_correct == is_correct)
    status = arg("status", str)
    if status is not None:
        if status not in (FEEDBACK_NEW, FEEDBACK_ACCEPTED, FEEDBACK_DISMISSED):
            raise ApiError(400, "invalid_query", "status is new, accepted or dismissed.")
        query = query.where(Feedback.status == status)
    version = arg("model_version", str)
    if version is not None:
        query = query.where(Feedback.model_version == version)
    for name, column in (
        ("category", Feedback.predicted_category),
        ("correct_category", Feedback.correct_category),
    ):
        value = arg(name, integer)
        if value is not None:
            query = query.where(column == value)
    username = arg("user", str)
    if username is not None:
        query = query.join(User, User.id == Feedback.user_id).where(User.username == username)
    since, until = arg("since", timestamp), arg("until", timestamp)
    if since is not None:
        query = query.where(Feedback.created_at >= since)
    if until is not None:
        query = query.where(Feedback.created_at < until)
    svc = services()
    with svc.sessions() as session:
        page = paginate(session, query, lambda row: row)
        records = _records(session, [row.prediction_id for row in page["items"]])
    store = ImageStore(svc.settings.images_path)
    page["items"] = [
        feedback_json(row) | _photo_json(photo_of(row, records.get(row.prediction_id)), store)
        for row in page["items"]
    ]
    return page


def _records(session: Session, prediction_ids: list[str]) -> dict[str, PredictionRecord]:
    query = select(PredictionRecord).where(PredictionRecord.id.in_(prediction_ids))
    return {record.id: record for record in session.scalars(query)}


def _photo_json(photo: str | None, store: ImageStore) -> dict[str, Any]:
    """The prediction's photo: its hash (served by ``/admin/images/<hash>``), and whether
    the image store still keeps it."""
    return {"image_hash": photo, "image_kept": photo is not None and photo in store}


@bp.post("/feedback/<feedback_id>/accept")
@spec.validate(
    resp=responses({200: FeedbackOut}, *ADMIN, 404, 409), tags=["feedback"], security=BEARER
)
def accept(feedback_id: str) -> tuple[dict[str, Any], int]:
    """Turn a corrected verdict into a labelled product of the ``feedback`` batch (a
    dismissed one too, while its photo is kept)."""
    row_id = _feedback_id(feedback_id)
    svc = services()
    try:
        return _accept(svc, row_id)
    except IntegrityError:
        # Another admin made this prediction's product meanwhile (a database without row
        # locks): nothing was stored here.
        raise ApiError(
            409, "conflict", "This prediction's product was being made at the same time; retry."
        ) from None


def _accept(svc: Services, feedback_id: int) -> tuple[dict[str, Any], int]:
    store = ImageStore(svc.settings.images_path)
    with svc.sessions.begin() as session:
        found = session.get(Feedback, feedback_id)
        if found is None:
            raise ApiError(404, "not_found", f"No feedback with id {feedback_id}.")
        # The prediction's row first: every verdict on one prediction makes the same product,
        # so two admins accepting two of them wait for each other (always in this order).
        record = session.get(PredictionRecord, found.prediction_id, with_for_update=True)
        row = session.get(Feedback, feedback_id, with_for_update=True, populate_existing=True)
        if row is None:
            raise ApiError(404, "not_found", f"No feedback with id {feedback_id}.")
        if row.status == FEEDBACK_ACCEPTED:
            raise ApiError(409, "already_accepted", "This feedback is already a product.")
        label = row.true_category
        if label is None:
            raise ApiError(409, "no_label", "This feedback names no right category.")
        if record is None:
            raise not_recorded()
        # Again here for rows written before feedback checked text against a prediction
        # without text: only what was classified becomes a product (missing text is no lie).
        for name in ("designation", "description"):
            if not is_classified_text(getattr(row, name), getattr(record, f"{name}_sha256")):
                raise ApiError(
                    409,
                    "input_mismatch",
                    f"The feedback's {name} is not the text that was classified; "
                    "it cannot become a product.",
                )
        image = photo_of(row, record)
        # Touching the photo keeps the retention task off it while the product is made.
        if image is not None and not store.touch(image):
            days = svc.settings.prediction_photo_retention_days
            raise ApiError(
                409,
                "photo_expired",
                f"The prediction's photo is no longer kept (prediction photos are kept "
                f"{days} days): without it the product would be incomplete.",
            )
        if not row.designation and image is None:
            raise ApiError(
                409, "no_product_data", "Neither the product's text nor its image is available."
            )
        productid = f"feedback-{row.prediction_id}"[:64]
        # Two users' verdicts on one prediction make one product: the latest accepted wins.
        batch = _feedback_batch(session)
        product = session.scalars(select(Product).where(Product.productid == productid)).first()
        if product is None:
            product = Product(productid=productid)
            session.add(product)
        product.designation = row.designation or ""
        product.description = row.description or ""
        product.image_hash = image
        product.prdtypecode = label
        product.batch_id = batch.id
        session.flush()
        row.status, row.product_id = FEEDBACK_ACCEPTED, product.id
        add_event(
            session,
            "ingestion",
            f"feedback {row.id} accepted as product {product.productid} ({label})",
            actor=g.admin.username,
            subject=product.productid,
        )
        return feedback_json(row), 200


@bp.post("/feedback/<feedback_id>/dismiss")
@spec.validate(
    resp=responses({200: FeedbackOut}, *ADMIN, 404, 409), tags=["feedback"], security=BEARER
)
def dismiss(feedback_id: str) -> tuple[dict[str, Any], int]:
    """Close a verdict without making a product: it no longer keeps its photo from expiring.
    An accepted verdict is a product already (409)."""
    row_id = _feedback_id(feedback_id)
    with services().sessions.begin() as session:
        row = session.get(Feedback, row_id, with_for_update=True)
        if row is None:
            raise ApiError(404, "not_found", f"No feedback with id {row_id}.")
        if row.status == FEEDBACK_ACCEPTED:
            raise ApiError(409, "already_accepted", "This feedback is already a product.")
        if row.status != FEEDBACK_DISMISSED:
            row.status = FEEDBACK_DISMISSED
            add_event(
                session, "ingestion", f"feedback {row.id} dismissed",
                actor=g.admin.username, subject=str(row.id),
            )  # fmt: skip
        return feedback_json(row), 200


def _feedback_id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise ApiError(404, "not_found", f"No feedback with id {text!r}.")
    return int(text)


def _feedback_batch(session: Session) -> IngestionBatch:
    batch = session.scalars(
        select(IngestionBatch).where(IngestionBatch.source == FEEDBACK_BATCH)
    ).first()
    if batch is None:
        batch = IngestionBatch(
            source=FEEDBACK_BATCH,
            kind=FEEDBACK_BATCH,
            status=BATCH_DONE,
            finished_at=datetime.now(UTC),
        )
        session.add(batch)
        session.flush()
    batch.inserted += 1
    return batch
