"""outbox_messages: addressed to an audience (client, advisor, admin), not to a platform

Revision ID: 0011_audience
Revises: 0010_advisor_name
Create Date: 2026-12-02 18:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_audience'
down_revision: str | Sequence[str] | None = '0010_advisor_name'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TO_AUDIENCE = {'telegram': 'client', 'discord_dm': 'advisor', 'admin': 'admin'}


def _rewrite(column: str, mapping: dict[str, str]) -> None:
    for old, new in mapping.items():
        op.execute(
            sa.text(f"UPDATE outbox_messages SET {column} = :new WHERE {column} = :old").bindparams(
                new=new, old=old
            )
        )


def upgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_due')
        batch_op.drop_constraint(op.f('ck_outbox_messages_known_channel'), type_='check')
        batch_op.alter_column('channel', new_column_name='audience', existing_type=sa.String(16),
                              existing_nullable=False)
    _rewrite('audience', _TO_AUDIENCE)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_outbox_messages_known_audience'), "audience IN ('client', 'advisor', 'admin')"
        )
        batch_op.create_index(
            'ix_outbox_messages_due', ['audience', 'status', 'next_attempt_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_due')
        batch_op.drop_constraint(op.f('ck_outbox_messages_known_audience'), type_='check')
        batch_op.alter_column('audience', new_column_name='channel', existing_type=sa.String(16),
                              existing_nullable=False)
    _rewrite('channel', {new: old for old, new in _TO_AUDIENCE.items()})
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_outbox_messages_known_channel'), "channel IN ('telegram', 'discord_dm', 'admin')"
        )
        batch_op.create_index(
            'ix_outbox_messages_due', ['channel', 'status', 'next_attempt_at'], unique=False
        )
