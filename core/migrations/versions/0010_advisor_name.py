"""clients: the name advisors see (first name or pseudonym) and the receipts' name, both
chosen before paying;
bookings: what the client chose to share with the advisor; sessions: a room to prune

Revision ID: 0010_advisor_name
Revises: 0009_reconcile
Create Date: 2026-12-02 13:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.models.base import UTCDateTime

revision: str = '0010_advisor_name'
down_revision: str | Sequence[str] | None = '0009_reconcile'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('advisor_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('billing_name', sa.String(length=120), nullable=True))
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_note', sa.Text(), nullable=True))
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prune_due_at', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('prune_due_at')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('client_note')
    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('billing_name')
        batch_op.drop_column('advisor_name')
