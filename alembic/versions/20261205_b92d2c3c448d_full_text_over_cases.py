"""full text over cases

Revision ID: b92d2c3c448d
Revises: 3628847b322f
Create Date: 2026-12-05 22:05:02.093076
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'b92d2c3c448d'
down_revision: str | None = '3628847b322f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# SQLite: an FTS5 index over cases.search_text, kept by triggers (the application writes the cut words; the
# index follows every insert, update and delete). PostgreSQL: a GIN index over to_tsvector('simple', …).
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE cases_fts USING fts5(search_text, content='cases', content_rowid='id', "
    "tokenize='unicode61')",
    "CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN "
    "INSERT INTO cases_fts(rowid, search_text) VALUES (new.id, coalesce(new.search_text, '')); END",
    "CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN "
    "INSERT INTO cases_fts(cases_fts, rowid, search_text) VALUES ('delete', old.id, coalesce(old.search_text, '')); "
    "END",
    "CREATE TRIGGER cases_fts_update AFTER UPDATE OF search_text ON cases BEGIN "
    "INSERT INTO cases_fts(cases_fts, rowid, search_text) VALUES ('delete', old.id, coalesce(old.search_text, '')); "
    "INSERT INTO cases_fts(rowid, search_text) VALUES (new.id, coalesce(new.search_text, '')); END",
]
PG_INDEX = ("CREATE INDEX ix_cases_search_text ON cases USING gin "
            "(to_tsvector('simple', coalesce(search_text, '')))")


def _backfill() -> None:
    """Cuts the words of the cases already there (a deployment upgrading with cases)."""
    from app.core.segment import index_terms

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, description, address, reply FROM cases")).all()
    for case_id, description, address, reply in rows:
        if isinstance(reply, str):
            import json

            reply = json.loads(reply) if reply not in ("", "null") else None
        words = index_terms(" ".join(x for x in (description, address or "", (reply or {}).get("text") or "") if x))
        bind.execute(sa.text("UPDATE cases SET search_text = :words WHERE id = :id"), {"words": words, "id": case_id})


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=True))
        batch_op.create_index('ix_cases_updated_id', ['updated_at', 'id'], unique=False)
    _backfill()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_INDEX)
    else:
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO cases_fts(cases_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_cases_search_text")
    else:
        for name in ("cases_fts_insert", "cases_fts_delete", "cases_fts_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE cases_fts")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_updated_id')
        batch_op.drop_column('search_text')
