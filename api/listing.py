"""Register lists: one page type, one paging and one query for every case kind's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.common import CaseKind
from models.register import CaseRow

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    ) -> None:
        self.limit, self.offset = limit, offset


def page(session: Session, table, conditions: list, summary: type[BaseModel], paging: Paging) -> Page:
    """One register list: filtered, newest first, paginated."""
    total = session.scalar(select(func.count()).select_from(table).where(*conditions))
    rows = session.scalars(
        select(table)
        .where(*conditions)
        .order_by(table.opened_at.desc(), table.ref)
        .limit(paging.limit)
        .offset(paging.offset)
    )
    items = [summary.model_validate(row, from_attributes=True) for row in rows]
    return Page[summary](items=items, total=total or 0, limit=paging.limit, offset=paging.offset)


def equal(table, **values: Any) -> list:
    """`column == value` for each filter given."""
    return [getattr(table, name) == value for name, value in values.items() if value is not None]


class CaseSummary(BaseModel):
    ref: str
    kind: str
    parent_ref: str | None
    stage: str
    owner: str
    team: str
    outcome: str | None
    next_deadline_at: datetime | None
    overdue: bool
    opened_at: datetime
    updated_at: datetime
    facts: dict[str, Any]


class CaseFilters:
    def __init__(
        self,
        stage: Annotated[str | None, Query(max_length=60)] = None,
        owner: Annotated[str | None, Query(max_length=100)] = None,
        parent_ref: Annotated[str | None, Query(max_length=80)] = None,
        overdue: bool | None = None,
    ) -> None:
        self.values = {"stage": stage, "owner": owner, "parent_ref": parent_ref, "overdue": overdue}

    def conditions(self, table) -> list:
        return equal(table, **self.values)


@dataclass(frozen=True)
class Listing:
    """Where a kind's list comes from: a register table, its row summary and its filters."""

    table: Any
    summary: type[BaseModel]
    filters: type
    by_kind: bool = True  # the case table holds every kind; a kind's own table only its own

    def kind_condition(self, kind: CaseKind) -> list:
        return [self.table.kind == kind.value] if self.by_kind else []


CASES = Listing(CaseRow, CaseSummary, CaseFilters)
