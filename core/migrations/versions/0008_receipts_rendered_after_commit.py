"""receipts: the PDF is rendered after the numbering transaction commits (pdf nullable) from
what the document prints (content)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 02:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.JSON(), nullable=True))
        batch_op.alter_column('pdf', existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    # Refused while a document still waits for its PDF (the sessions tick renders them).
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.alter_column('pdf', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column('content')
