"""Database tables as SQLAlchemy 2 typed models.

One declarative ``Base`` for every table of the project, so Alembic sees them
all; later tables (users, predictions, feedback, events) join the same metadata.
The schema itself changes only through migrations in ``common/migrations``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so later migrations can drop or alter them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BATCH_RUNNING, BATCH_DONE = "running", "done"
CANDIDATE, PRODUCTION, ARCHIVED = "candidate", "production", "archived"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class IngestionBatch(Base):
    """One run of the importer over one source: what it inserted, changed, refused."""

    __tablename__ = "ingestion_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(1024))
    kind: Mapped[str] = mapped_column(String(32))
    """Layout read: ``rakuten_challenge`` or ``products_csv``."""
    split: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=BATCH_RUNNING)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    rejected_rows: Mapped[list[Any]] = mapped_column(default=list)
    """``[{"row": n, "productid": "...", "reason": "...", "detail": "..."}, ...]``"""
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def counts(self) -> dict[str, int]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


class Product(Base):
    """A labelled product: text, image (by content hash in the image store), category."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    productid: Mapped[str] = mapped_column(String(64), unique=True)
    imageid: Mapped[str | None] = mapped_column(String(64))
    designation: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    image_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    prdtypecode: Mapped[int] = mapped_column(Integer, index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingestion_batches.id"), index=True)
    """The batch that last inserted or changed this product."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    batch: Mapped[IngestionBatch] = relationship()


class ModelVersionRecord(Base):
    """A trained model version on the model volume, with its scores and provenance."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=CANDIDATE, index=True)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    f1_weighted: Mapped[float | None] = mapped_column(Float)
    """Weighted F1 on the fixed evaluation set, the promotion criterion."""
    promoted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    training_seconds: Mapped[float | None] = mapped_column(Float)


ROLE_USER, ROLE_ADMIN = "user", "admin"


class User(Base):
    """An account: argon2 password hash, role, active flag."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=ROLE_USER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    email: Mapped[str | None] = mapped_column(String(254))
    """Where alerts reach an admin; a username that is an address serves when unset."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    callback_secret: Mapped[str | None] = mapped_column(String(64))
    """Signs this account's prediction callbacks (HMAC-SHA256); shown once, rotatable."""
    callback_secret_created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PredictionRecord(Base):
    """One answered (or timed-out) prediction: who, when, what went in, what came out."""

    __tablename__ = "predictions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The prediction id the API handed out."""
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16))
    """``done``, ``failed`` or ``timeout`` (answered later, then updated)."""
    model_version: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    top5: Mapped[list[Any]] = mapped_column(default=list)
    modalities: Mapped[list[Any]] = mapped_column(default=list)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    designation_sha256: Mapped[str | None] = mapped_column(String(64))
    description_sha256: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    photo_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    """The photo kept in the image store for this prediction; cleared when retention ends."""
    photo_bytes: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (Index("ix_predictions_version_created", "model_version", "created_at"),)


class Event(Base):
    """A notable event for ``GET /admin/logs``: login, ingestion, training, promotion, error."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    kind: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    message: Mapped[str] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(64))
    """Username behind the event, when a person caused it."""
    subject: Mapped[str | None] = mapped_column(String(128))
    """What it is about: a job id, a version name, a username."""
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


FEEDBACK_NEW, FEEDBACK_ACCEPTED, FEEDBACK_DISMISSED = "new", "accepted", "dismissed"
"""A verdict awaits review, became a product, or was closed without one (its photo may
then expire like any other)."""


class Feedback(Base):
    """A user's verdict on one prediction; a second verdict by the same user updates it.

    The prediction's outcome is copied in, because the prediction's own record is
    written asynchronously and may not exist yet when the feedback arrives.
    """

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prediction_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    is_correct: Mapped[bool] = mapped_column(Boolean)
    correct_category: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    model_version: Mapped[str | None] = mapped_column(String(32), index=True)
    predicted_category: Mapped[int | None] = mapped_column(Integer)
    confidence: Mapped[float | None] = mapped_column(Float)
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    designation_sha256: Mapped[str | None] = mapped_column(String(64))
    description_sha256: Mapped[str | None] = mapped_column(String(64))
    designation: Mapped[str | None] = mapped_column(Text)
    """The product's text, when the client sent it back (needed to accept it as a product)."""
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=FEEDBACK_NEW, index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    """The labelled product made from this feedback once an admin accepted it."""

    __table_args__ = (
        UniqueConstraint("prediction_id", "user_id", name="uq_feedback_prediction_user"),
    )

    @property
    def true_category(self) -> int | None:
        """The right category when known: the prediction itself if confirmed, else the fix."""
        return self.predicted_category if self.is_correct else self.correct_category
