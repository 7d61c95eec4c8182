"""places name their coordinates latitude and longitude, as the API does

Revision ID: 3bc58e74e725
Revises: 357fa0f6ef58
Create Date: 2026-12-06 00:08:44.765810
"""
from collections.abc import Sequence

from alembic import op

revision: str = '3bc58e74e725'
down_revision: str | None = '357fa0f6ef58'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # RENAME COLUMN keeps the table (SQLite has it since 3.25; a batch copy would rebuild the table and its indexes).
    op.execute("ALTER TABLE places RENAME COLUMN lat TO latitude")
    op.execute("ALTER TABLE places RENAME COLUMN lng TO longitude")


def downgrade() -> None:
    op.execute("ALTER TABLE places RENAME COLUMN latitude TO lat")
    op.execute("ALTER TABLE places RENAME COLUMN longitude TO lng")
