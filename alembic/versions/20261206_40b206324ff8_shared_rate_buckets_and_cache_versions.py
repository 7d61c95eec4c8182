"""Shared rate buckets and cache versions: rate limits and reference-data caches hold across API processes.

Revision ID: 40b206324ff8
Revises: b4c36ed7943b
Create Date: 2026-12-06 00:42:22.034604
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = '40b206324ff8'
down_revision: str | None = 'b4c36ed7943b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('cache_versions',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name='pk_cache_versions')
    )
    op.create_table('rate_buckets',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name='pk_rate_buckets')
    )
    with op.batch_alter_table('rate_buckets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_buckets_at'), ['at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rate_buckets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_buckets_at'))

    op.drop_table('rate_buckets')
    op.drop_table('cache_versions')
