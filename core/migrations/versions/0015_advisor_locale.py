"""advisors.locale: the language Pathwise writes to an advisor in (set in /profile)

Revision ID: 0015_advisor_locale
Revises: 0014_catalogue_version
Create Date: 2026-12-04 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_advisor_locale"
down_revision: str | Sequence[str] | None = "0014_catalogue_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("advisors", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=16), nullable=False, server_default="en_US")
        )


def downgrade() -> None:
    with op.batch_alter_table("advisors", schema=None) as batch_op:
        batch_op.drop_column("locale")
