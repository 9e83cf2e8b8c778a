"""received_updates: each chat platform update id taken in once

Revision ID: 0012_received_updates
Revises: 0011_audience
Create Date: 2026-12-04 01:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.models.base import UTCDateTime

revision: str = '0012_received_updates'
down_revision: str | Sequence[str] | None = '0011_audience'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('received_updates',
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('update_key', sa.String(length=32), nullable=False),
    sa.Column('received_at', UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'update_key', name=op.f('pk_received_updates'))
    )
    with op.batch_alter_table('received_updates', schema=None) as batch_op:
        batch_op.create_index('ix_received_updates_received_at', ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('received_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_received_updates_received_at')
    op.drop_table('received_updates')
