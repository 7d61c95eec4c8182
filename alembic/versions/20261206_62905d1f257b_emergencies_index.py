"""ix_cases_critical: the few emergencies, which every due-ordered queue and search reads first

Revision ID: 62905d1f257b
Revises: 40a1de899988
Create Date: 2026-12-06 04:00:39.002994
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '62905d1f257b'
down_revision: str | None = '40a1de899988'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_critical', ['id'], unique=False,
                              postgresql_where=sa.text("urgency = 'critical'"),
                              sqlite_where=sa.text("urgency = 'critical'"))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_critical', postgresql_where=sa.text("urgency = 'critical'"),
                            sqlite_where=sa.text("urgency = 'critical'"))
