"""place copied onto assignments and callbacks; indexes for the figures

Revision ID: fc2b1a644896
Revises: a7d1c0e5b9f2
Create Date: 2026-11-23 15:35:00.335425
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'fc2b1a644896'
down_revision: str | None = 'a7d1c0e5b9f2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PLACE_COPIES = ("assignments", "case_callbacks")


def upgrade() -> None:
    # The copies start empty, are filled from their cases, and only then become required.
    for table in PLACE_COPIES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
            batch_op.add_column(sa.Column('district_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True))
        op.execute(f"UPDATE {table} SET region_code = (SELECT cases.region_code FROM cases "
                   f"WHERE cases.id = {table}.case_id), district_code = (SELECT cases.district_code FROM cases "
                   f"WHERE cases.id = {table}.case_id)")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('region_code', existing_type=sqlmodel.sql.sqltypes.AutoString(length=12),
                                  nullable=False)
            batch_op.alter_column('district_code', existing_type=sqlmodel.sql.sqltypes.AutoString(length=6),
                                  nullable=False)

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        # Recreated with included columns (autogenerate does not compare INCLUDE lists).
        batch_op.drop_index('ix_assignments_unit_dispatched')
        batch_op.create_index('ix_assignments_unit_dispatched', ['unit_id', 'dispatched_at'], unique=False,
                              postgresql_include=['role', 'signed_at', 'sign_due', 'case_id'])
        batch_op.create_index('ix_assignments_district_dispatched', ['district_code', 'dispatched_at'], unique=False,
                              postgresql_include=['role', 'signed_at', 'sign_due', 'case_id', 'unit_id'])

    with op.batch_alter_table('case_callbacks', schema=None) as batch_op:
        batch_op.create_index('ix_case_callbacks_district_at', ['district_code', 'at'], unique=False,
                              postgresql_include=['counted', 'solved', 'satisfaction', 'case_id', 'unit_id'])

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_district_due', ['district_code', 'handle_due'], unique=False)
        batch_op.create_index('ix_cases_lead_due', ['lead_unit_id', 'handle_due'], unique=False)
        batch_op.create_index('ix_cases_merged', ['id'], unique=False, postgresql_where=sa.text("close_reason = 'merged'"),
                              sqlite_where=sa.text("close_reason = 'merged'"))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_merged', postgresql_where=sa.text("close_reason = 'merged'"),
                            sqlite_where=sa.text("close_reason = 'merged'"))
        batch_op.drop_index('ix_cases_lead_due')
        batch_op.drop_index('ix_cases_district_due')

    with op.batch_alter_table('case_callbacks', schema=None) as batch_op:
        batch_op.drop_index('ix_case_callbacks_district_at')
        batch_op.drop_column('district_code')
        batch_op.drop_column('region_code')

    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_district_dispatched')
        batch_op.drop_index('ix_assignments_unit_dispatched')
        batch_op.create_index('ix_assignments_unit_dispatched', ['unit_id', 'dispatched_at'], unique=False)
        batch_op.drop_column('district_code')
        batch_op.drop_column('region_code')
