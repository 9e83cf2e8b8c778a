"""reconcile: a refund may be an admin's goodwill refund; one reconciliation run per day

Revision ID: 0009_reconcile
Revises: 0009_money
Create Date: 2026-12-02 09:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.models.base import UTCDateTime

revision: str = '0009_reconcile'
down_revision: str | Sequence[str] | None = '0009_money'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_refunds_known_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_refunds_known_kind'), "kind IN ('guarantee', 'external', 'goodwill')"
        )
    op.create_table('reconcile_runs',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('differences', sa.Integer(), nullable=True),
    sa.Column('started_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_reconcile_runs'))
    )


def downgrade() -> None:
    op.drop_table('reconcile_runs')
    # Refused while a goodwill refund exists (the old rule does not know the kind).
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_refunds_known_kind'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_refunds_known_kind'), "kind IN ('guarantee', 'external')"
        )
