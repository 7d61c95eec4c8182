"""audit records carry the actor's role and unit; indexes for the auditor's filters

Revision ID: 2207005bbaa0
Revises: 10a1486590f1
Create Date: 2026-12-05 22:04:31.751894

Plain ALTER TABLE, never SQLite's batch copy: copying audit_log into a new table would drop its append-only
triggers. Records written before this revision keep NULL in both new columns.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '2207005bbaa0'
down_revision: str | None = '10a1486590f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('audit_log', sa.Column('actor_role', sa.String(length=16), nullable=True))
    op.add_column('audit_log', sa.Column('actor_unit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                         nullable=True))
    op.create_index('ix_audit_log_actor_unit', 'audit_log', ['actor_unit_id', 'at'], unique=False)
    op.create_index('ix_audit_log_target', 'audit_log', ['target_type', 'target_id', 'at'], unique=False)
    op.create_index('ix_audit_log_action', 'audit_log', ['action', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_action', table_name='audit_log')
    op.drop_index('ix_audit_log_target', table_name='audit_log')
    op.drop_index('ix_audit_log_actor_unit', table_name='audit_log')
    op.drop_column('audit_log', 'actor_unit_id')  # SQLite 3.35+ drops a column in place, triggers kept
    op.drop_column('audit_log', 'actor_role')
