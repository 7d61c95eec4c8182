"""metrics rollups: each case's contribution, and the daily sums per unit and per street

Revision ID: 10a1486590f1
Revises: 3bc58e74e725
Create Date: 2026-12-05 21:30:56.743488

The tables start empty. On a database that already has cases, fill them once with
`python -m app metrics-rollups --rebuild` (app/metrics/commands.py); from then on every change keeps them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = '10a1486590f1'
down_revision: str | None = '3bc58e74e725'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = (
    "taken", "merged", "direct_answered", "dispatched", "returned", "sign_due", "responded", "signed_on_time",
    "handle_due", "handled_on_time", "extended", "replied", "overridden", "cb_valid", "cb_solved", "cb_satisfied",
    "cb_basic", "cb_dissatisfied", "cb_redo",
)
BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _counters() -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), server_default='0', nullable=False) for name in COUNTERS]


def upgrade() -> None:
    op.create_table(
        'metric_region_days',
        sa.Column('street_code', sa.String(length=9), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('district_code', sa.String(length=6), nullable=False),
        *_counters(),
        sa.PrimaryKeyConstraint('street_code', 'day', name='pk_metric_region_days'),
    )
    with op.batch_alter_table('metric_region_days', schema=None) as batch_op:
        batch_op.create_index('ix_metric_region_days_day', ['day'], unique=False)
        batch_op.create_index('ix_metric_region_days_district_day', ['district_code', 'day'], unique=False)

    op.create_table(
        'metric_unit_days',
        sa.Column('unit_id', BIGINT_ID, autoincrement=False, nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *_counters(),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name='fk_metric_unit_days_unit'),
        sa.PrimaryKeyConstraint('unit_id', 'day', name='pk_metric_unit_days'),
    )
    with op.batch_alter_table('metric_unit_days', schema=None) as batch_op:
        batch_op.create_index('ix_metric_unit_days_day', ['day'], unique=False)

    op.create_table(
        'metric_case_facts',
        sa.Column('case_id', BIGINT_ID, autoincrement=False, nullable=False),
        sa.Column('facts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'),
                  nullable=False),
        sa.Column('computed_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name='fk_metric_case_facts_case'),
        sa.PrimaryKeyConstraint('case_id', name='pk_metric_case_facts'),
    )


def downgrade() -> None:
    op.drop_table('metric_case_facts')
    with op.batch_alter_table('metric_unit_days', schema=None) as batch_op:
        batch_op.drop_index('ix_metric_unit_days_day')
    op.drop_table('metric_unit_days')
    with op.batch_alter_table('metric_region_days', schema=None) as batch_op:
        batch_op.drop_index('ix_metric_region_days_district_day')
        batch_op.drop_index('ix_metric_region_days_day')
    op.drop_table('metric_region_days')
