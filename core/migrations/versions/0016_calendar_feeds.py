"""calendar_feeds: advisors' private calendar feed addresses, by the hash of their secret

Revision ID: 0016_calendar_feeds
Revises: 0015_advisor_locale
Create Date: 2026-12-05 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.models.base import UTCDateTime

revision: str = "0016_calendar_feeds"
down_revision: str | Sequence[str] | None = "0015_advisor_locale"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("advisor_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["advisor_id"],
            ["advisors.id"],
            name=op.f("fk_calendar_feeds_advisor_id_advisors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index("ix_calendar_feeds_advisor", ["advisor_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index("ix_calendar_feeds_advisor")
    op.drop_table("calendar_feeds")
