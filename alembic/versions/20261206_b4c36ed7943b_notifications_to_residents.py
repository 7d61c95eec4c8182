"""notifications to residents

A notification is written with the case event it tells of (the inbox); each pushed channel (SMS) has a
delivery row the worker sends, retries and dead-letters; a resident's language and opt-outs.

Revision ID: b4c36ed7943b
Revises: 618f770c21f4
Create Date: 2026-12-06 00:08:31.466019
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import app.models.base
import app.models.fields

revision: str = 'b4c36ed7943b'
down_revision: str | None = '618f770c21f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notification_prefs',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('opted_out', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_notification_prefs_user'),
    sa.PrimaryKeyConstraint('user_id', name='pk_notification_prefs')
    )
    op.create_table('notifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('template', sa.String(length=48), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name='fk_notifications_case'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_notifications_user'),
    sa.PrimaryKeyConstraint('id', name='pk_notifications')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user', ['user_id', 'id'], unique=False)

    op.create_table('notification_deliveries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('notification_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient_key', sa.String(length=80), nullable=False),
    sa.Column('dedup_key', sa.String(length=64), nullable=False),
    sa.Column('phone', app.models.fields.EncryptedString(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('leased_until', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('deferred', sa.String(length=16), nullable=True),
    sa.Column('sent_at', app.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('provider', sa.String(length=16), nullable=True),
    sa.Column('provider_ref', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name='fk_notification_deliveries_notification'),
    sa.PrimaryKeyConstraint('id', name='pk_notification_deliveries')
    )
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_notification_deliveries_dedup', ['dedup_key', 'channel', 'status'], unique=False)
        batch_op.create_index('ix_notification_deliveries_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_notification_deliveries_notification', ['notification_id'], unique=False)
        batch_op.create_index('ix_notification_deliveries_recipient', ['recipient_key', 'channel', 'sent_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notification_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_deliveries_recipient')
        batch_op.drop_index('ix_notification_deliveries_notification')
        batch_op.drop_index('ix_notification_deliveries_due')
        batch_op.drop_index('ix_notification_deliveries_dedup')
    op.drop_table('notification_deliveries')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user')

    op.drop_table('notifications')
    op.drop_table('notification_prefs')
