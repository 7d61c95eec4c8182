"""users.token_version: a counter carried in tokens, bumped to revoke every token issued before

Revision ID: 8f18592b3cb9
Revises: 93f2208f6c84
Create Date: 2026-11-23 10:45:01.658439
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '8f18592b3cb9'
down_revision: str | None = '93f2208f6c84'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('token_version')
