"""caller phones encrypted at rest

Revision ID: 8093458a11d6
Revises: 98dc8b3d6e8c
Create Date: 2026-11-23 07:07:02.862116
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '8093458a11d6'
down_revision: str | None = '98dc8b3d6e8c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # app.models.fields.EncryptedString: Fernet tokens are longer than 20 characters. SQLite does not enforce
    # VARCHAR lengths, and changing a type there rebuilds `cases`, which the rows that reference it forbid.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('cases', 'caller_phone', existing_type=sa.VARCHAR(length=20), type_=sa.String(),
                        existing_nullable=True)


def downgrade() -> None:
    # Encrypted phones do not fit the old VARCHAR(20) and cannot be decrypted here without the field key,
    # so the column stays unbounded; the previous code reads it as well as it read VARCHAR(20).
    pass
