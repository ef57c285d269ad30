"""feedback, users.email

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prediction_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_correct", sa.Boolean(), nullable=False),
        sa.Column("correct_category", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=True),
        sa.Column("predicted_category", sa.Integer(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("image_sha256", sa.String(length=64), nullable=True),
        sa.Column("designation_sha256", sa.String(length=64), nullable=True),
        sa.Column("description_sha256", sa.String(length=64), nullable=True),
        sa.Column("designation", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_feedback_user_id_users")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_feedback_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("prediction_id", "user_id", name="uq_feedback_prediction_user"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_prediction_id"), ["prediction_id"])
        batch_op.create_index(batch_op.f("ix_feedback_user_id"), ["user_id"])
        batch_op.create_index(batch_op.f("ix_feedback_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_feedback_model_version"), ["model_version"])
        batch_op.create_index(batch_op.f("ix_feedback_status"), ["status"])


def downgrade() -> None:
    op.drop_table("feedback")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email")
