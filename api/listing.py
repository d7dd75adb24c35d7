"""Register lists: one filter, sort and paginate for claims and every other case kind."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session


def page(session: Session, table, filters: list, summary: type[BaseModel], limit: int, offset: int):
    """One register list: filtered, newest first, paginated; returns (items, total)."""
    total = session.scalar(select(func.count()).select_from(table).where(*filters))
    rows = session.scalars(
        select(table).where(*filters).order_by(table.opened_at.desc(), table.ref).limit(limit).offset(offset)
    )
    return [summary.model_validate(row, from_attributes=True) for row in rows], total
