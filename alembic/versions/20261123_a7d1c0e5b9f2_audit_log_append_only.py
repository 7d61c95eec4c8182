"""audit_log is append-only and keeps its rows at least 180 days

Revision ID: a7d1c0e5b9f2
Revises: 23940ec73f8f
Create Date: 2026-11-23 11:20:00

The database itself refuses, whatever code or person runs against it: every UPDATE of an audit record, and the
DELETE of any record younger than 180 days by the database's own clock (网络安全法 Art 21: six months). Older
records may be deleted, which is what `python -m app purge-audit --older-than-days N` (N >= 180) does; no session
flag or trigger switch is needed, so there is no way to turn the protection off from the application.
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'a7d1c0e5b9f2'
down_revision: str | None = '23940ec73f8f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_log is append-only; records are kept at least 180 days"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_log_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' AND OLD.at < now() - interval '180 days' THEN RETURN OLD; END IF;
                RAISE EXCEPTION '{MESSAGE}';
            END $$""")
        op.execute("""CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON audit_log
                      FOR EACH ROW EXECUTE FUNCTION audit_log_guard()""")
    else:
        # SQLite keeps `at` as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, which compares as text with datetime().
        op.execute(f"""CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                       BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")
        op.execute(f"""CREATE TRIGGER audit_log_no_early_delete BEFORE DELETE ON audit_log
                       WHEN OLD.at >= datetime('now', '-180 days')
                       BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_guard ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_early_delete")
