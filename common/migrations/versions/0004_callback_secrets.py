"""users.callback_secret: the key that signs an account's prediction callbacks

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 18:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("callback_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("callback_secret_created_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("callback_secret_created_at")
        batch_op.drop_column("callback_secret")
