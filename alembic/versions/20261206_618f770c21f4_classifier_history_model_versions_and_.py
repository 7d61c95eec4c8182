"""classifier history, model versions and their artefacts

A city's labelled history (classifier_examples), the versions the worker trains with their held-out evaluation
(classifier_models) and their weights (classifier_artefacts, apart so that listing versions never reads them).

Revision ID: 618f770c21f4
Revises: 2207005bbaa0
Create Date: 2026-12-06 00:13:42.605093
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import app.models.base

revision: str = '618f770c21f4'
down_revision: str | None = '2207005bbaa0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('classifier_examples',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('source_file', sa.String(length=200), nullable=False),
    sa.Column('imported_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name='fk_classifier_examples_by_user'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('text_sha256', name='uq_classifier_examples_text_sha256')
    )
    op.create_table('classifier_models',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('started_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('top1', sa.Float(), nullable=True),
    sa.Column('top3', sa.Float(), nullable=True),
    sa.Column('report', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('baseline_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('baseline', sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True, astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('promoted_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('promoted_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('previous_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['promoted_by'], ['users.id'], name='fk_classifier_models_promoted_by'),
    sa.ForeignKeyConstraint(['requested_by'], ['users.id'], name='fk_classifier_models_requested_by'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('classifier_models', schema=None) as batch_op:
        batch_op.create_index('ix_classifier_models_active', ['active'], unique=False)
        batch_op.create_index('ix_classifier_models_status', ['status'], unique=False)
    op.create_table('classifier_artefacts',
    sa.Column('model_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['classifier_models.id'], name='fk_classifier_artefacts_model'),
    sa.PrimaryKeyConstraint('model_id')
    )


def downgrade() -> None:
    op.drop_table('classifier_artefacts')
    with op.batch_alter_table('classifier_models', schema=None) as batch_op:
        batch_op.drop_index('ix_classifier_models_status')
        batch_op.drop_index('ix_classifier_models_active')
    op.drop_table('classifier_models')
    op.drop_table('classifier_examples')
