"""predictions.photo_hash, predictions.photo_bytes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("photo_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("photo_bytes", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_predictions_photo_hash"), ["photo_hash"])


def downgrade() -> None:
    with op.batch_alter_table("predictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_predictions_photo_hash"))
        batch_op.drop_column("photo_bytes")
        batch_op.drop_column("photo_hash")
