"""Full text over a case's description, address and reply, on both databases.

The application cuts the words (jieba, with character pairs: app/core/segment.py) into `cases.search_text`; the
database indexes that column: SQLite's FTS5 table `cases_fts` (kept by triggers), PostgreSQL's GIN index over
`to_tsvector('simple', search_text)`. A query is its words, every one required.
"""

from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select, text
from sqlmodel import col

from app.core.segment import index_terms, query_terms
from app.models import Case

QUERY_MAX = 100  # characters a search box takes


def search_text_of(case: Case) -> str:
    reply = (case.reply or {}).get("text") or ""
    return index_terms(" ".join(x for x in (case.description, case.address or "", reply) if x))


def refresh(case: Case) -> None:
    """Re-cuts the case's words after its description, address or reply changed."""
    case.search_text = search_text_of(case)


def matches(dialect: str, words: str) -> ColumnElement[bool] | None:
    """The clause that keeps cases containing every word of `words` (None: the words are only stopwords)."""
    terms = query_terms(words)
    if not terms:
        return None
    if dialect == "postgresql":
        query = " & ".join(f"'{t}'" for t in terms)  # terms are Chinese characters, letters and digits only
        vector = func.to_tsvector(literal_column("'simple'"), func.coalesce(col(Case.search_text), ""))
        return vector.op("@@")(func.to_tsquery(literal_column("'simple'"), query))
    fts: Any = select(literal_column("rowid")).select_from(text("cases_fts")).where(
        text("cases_fts MATCH :fts_query").bindparams(fts_query=" ".join(f'"{t}"' for t in terms)))
    return col(Case.id).in_(fts)
