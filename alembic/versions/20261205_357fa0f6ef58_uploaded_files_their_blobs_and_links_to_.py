"""uploaded files, their blobs and links to cases

The bytes are kept once per SHA-256 (file_blobs); each upload is a row of its own (files), owned by its
uploader until a record links it (file_links).

Revision ID: 357fa0f6ef58
Revises: 9acf7a164ba2
Create Date: 2026-12-05 21:27:20.228959
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = '357fa0f6ef58'
down_revision: str | None = '9acf7a164ba2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('file_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mime', sa.String(length=64), nullable=False),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('thumbnail', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )
    with op.batch_alter_table('file_blobs', schema=None) as batch_op:
        batch_op.create_index('ix_file_blobs_last_used', ['last_used_at'], unique=False)

    op.create_table('files',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('owner_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('mime', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_user_id'], ['users.id'], name='fk_files_owner'),
    sa.ForeignKeyConstraint(['sha256'], ['file_blobs.sha256'], name='fk_files_blob'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.create_index('ix_files_created', ['created_at'], unique=False)
        batch_op.create_index('ix_files_owner', ['owner_user_id', 'id'], unique=False)
        batch_op.create_index('ix_files_sha256', ['sha256'], unique=False)

    op.create_table('file_links',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('file_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('attached_by_user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('attached_at', app.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attached_by_user_id'], ['users.id'], name='fk_file_links_attached_by'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name='fk_file_links_case'),
    sa.ForeignKeyConstraint(['file_id'], ['files.id'], name='fk_file_links_file'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('file_links', schema=None) as batch_op:
        batch_op.create_index('ix_file_links_case', ['case_id', 'id'], unique=False)
        batch_op.create_index('ix_file_links_file', ['file_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('file_links', schema=None) as batch_op:
        batch_op.drop_index('ix_file_links_file')
        batch_op.drop_index('ix_file_links_case')

    op.drop_table('file_links')
    with op.batch_alter_table('files', schema=None) as batch_op:
        batch_op.drop_index('ix_files_sha256')
        batch_op.drop_index('ix_files_owner')
        batch_op.drop_index('ix_files_created')

    op.drop_table('files')
    with op.batch_alter_table('file_blobs', schema=None) as batch_op:
        batch_op.drop_index('ix_file_blobs_last_used')

    op.drop_table('file_blobs')
