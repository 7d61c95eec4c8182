"""provisional deadlines and a deadline profile per region

Revision ID: 01d8dda47a84
Revises: fc2b1a644896
Create Date: 2026-12-05 20:55:41.688149
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '01d8dda47a84'
down_revision: str | None = 'fc2b1a644896'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_OR_NULL = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True, astext_type=sa.Text()),
                                                       'postgresql')


def upgrade() -> None:
    # SQLite adds the column and the index in place (no table copy for a million cases).
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provisional', JSON_OR_NULL, nullable=True))
        batch_op.create_index('ix_cases_provisional', ['id'], unique=False,
                              postgresql_where=sa.text('provisional IS NOT NULL'),
                              sqlite_where=sa.text('provisional IS NOT NULL'))

    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('profile_code', sa.String(length=48), nullable=True))
        batch_op.create_foreign_key('fk_regions_profile_code', 'deadline_profiles', ['profile_code'], ['code'])


def downgrade() -> None:
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_regions_profile_code', type_='foreignkey')
        batch_op.drop_column('profile_code')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_provisional', postgresql_where=sa.text('provisional IS NOT NULL'),
                            sqlite_where=sa.text('provisional IS NOT NULL'))
        batch_op.drop_column('provisional')
