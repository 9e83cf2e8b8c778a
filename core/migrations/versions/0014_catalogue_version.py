"""catalogue_version: a counter every catalogue writer bumps, and advisors.catalogue_version,
so a cached matching index reloads only the advisors changed since it was built

Revision ID: 0014_catalogue_version
Revises: 0013_conversation_offered
Create Date: 2026-12-04 02:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_catalogue_version"
down_revision: str | Sequence[str] | None = "0013_conversation_offered"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalogue_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_version")),
    )
    with op.batch_alter_table("advisors", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("catalogue_version", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.create_index("ix_advisors_catalogue_version", ["catalogue_version"])


def downgrade() -> None:
    with op.batch_alter_table("advisors", schema=None) as batch_op:
        batch_op.drop_index("ix_advisors_catalogue_version")
        batch_op.drop_column("catalogue_version")
    op.drop_table("catalogue_version")
