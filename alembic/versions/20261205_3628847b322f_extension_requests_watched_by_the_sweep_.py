"""extension requests watched by the sweep; leaders who may override; visits counted inside their window

Revision ID: 3628847b322f
Revises: 01d8dda47a84
Create Date: 2026-12-05 21:25:04.172596
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '3628847b322f'
down_revision: str | None = '01d8dda47a84'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_watch_at', app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_cases_extension_watch_at', ['extension_watch_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leader', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('care_visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unlocated', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('window_ends_at', app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('window_reason', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('certified_minutes', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pending_minutes', sa.Integer(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('care_visits', schema=None) as batch_op:
        for column in ('pending_minutes', 'certified_minutes', 'window_reason', 'window_ends_at', 'unlocated'):
            batch_op.drop_column(column)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('leader')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_extension_watch_at')
        batch_op.drop_column('extension_watch_at')

