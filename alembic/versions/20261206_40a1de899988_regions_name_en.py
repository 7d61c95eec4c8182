"""regions.name_en: the official English name of a division where the city publishes one (else romanised on read)

Revision ID: 40a1de899988
Revises: 40b206324ff8
Create Date: 2026-12-06 03:07:54.708660
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '40a1de899988'
down_revision: str | None = '40b206324ff8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_column('name_en')
