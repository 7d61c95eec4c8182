"""housing registrations and residents: the register the rental-housing residence registration kind keeps

Revision ID: cd5ac07b0a8d
Revises: 01d8dda47a84
Create Date: 2026-12-05 21:29:45.325459
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.models.base

revision: str = 'cd5ac07b0a8d'
down_revision: str | None = 'b92d2c3c448d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('housing_registrations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('landlord_name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('landlord_id_cipher', sa.Text(), nullable=False),
    sa.Column('landlord_id_hash', sa.String(length=64), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('counted_from', sa.Date(), nullable=False),
    sa.Column('certificate_no', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('registered_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('remind_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name='fk_housing_registrations_case'),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name='fk_housing_registrations_region'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', name='uq_housing_registrations_case'),
    sa.UniqueConstraint('certificate_no', name='uq_housing_registrations_certificate')
    )
    with op.batch_alter_table('housing_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_housing_registrations_landlord_id_hash'), ['landlord_id_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_housing_registrations_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ix_housing_registrations_remind', ['remind_at', 'reminded_at'], unique=False)

    op.create_table('housing_residents',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('registration_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id_cipher', sa.Text(), nullable=False),
    sa.Column('id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('id_masked', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name='fk_housing_residents_person'),
    sa.ForeignKeyConstraint(['registration_id'], ['housing_registrations.id'], name='fk_housing_residents_registration'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('registration_id', 'id_hash', name='uq_housing_residents_person'),
    sa.UniqueConstraint('registration_id', 'seq', name='uq_housing_residents_seq')
    )
    with op.batch_alter_table('housing_residents', schema=None) as batch_op:
        batch_op.create_index('ix_housing_residents_id_hash', ['id_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('housing_residents', schema=None) as batch_op:
        batch_op.drop_index('ix_housing_residents_id_hash')

    op.drop_table('housing_residents')
    with op.batch_alter_table('housing_registrations', schema=None) as batch_op:
        batch_op.drop_index('ix_housing_registrations_remind')
        batch_op.drop_index(batch_op.f('ix_housing_registrations_region_code'))
        batch_op.drop_index(batch_op.f('ix_housing_registrations_landlord_id_hash'))

    op.drop_table('housing_registrations')
