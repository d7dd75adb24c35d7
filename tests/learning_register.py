"""Hand-built claims written straight to the register, as the projection would leave them, for
tests of learning from claims (statistics, scorecards, extracts) with known answers.

The register is shared by every test in a session: each builder's claims carry a run id in
their reference (and, if asked, their trust code), and `written` deletes them afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from models.register import ClaimCodeRow, ClaimRouteRow, ClaimRow, PaymentRow

MID_1992 = datetime(1992, 6, 1, 12, 0, tzinfo=UTC)
TAXONOMY_VERSION = "2026.1"
# Personal details every hand-built claim's row or payments hold, so an extract can be checked
# for them: none may appear anywhere in its files.
HANDLER = "hana.handler"
TRUST_NAME = "A Hospitals NHS Trust"


class Register:
    """Claims and their payments, codes and routes, to be written to the register at once."""

    def __init__(self, trust: str | None = None) -> None:
        self.run = uuid.uuid4().hex[:8].upper()
        self.trust = trust or f"R{self.run[:4]}"  # a trust code no other test uses
        self.claims: list[dict] = []
        self.payments: list[dict] = []
        self.codes: list[dict] = []
        self.routes: list[dict] = []

    def claim(
        self,
        specialty: str,
        closed: datetime | None,
        days_to_notify: int,
        days_to_close: int,
        *,
        opened: datetime | None = None,
        trust: str | None = None,
        coded: dict | None = None,
        routes: dict[str, str | None] | None = None,
        overdue: bool = False,
        age_band: str = "30-39",
        outcome: str | None = None,
        **paid: str,
    ) -> str:
        """A claim notified `days_to_notify` after its incident and closed `days_to_close` later
        (or still open; `opened` places an open claim), with payments by kind (e.g.
        lump_sum="1000.00"), a coding (specialty, primary_cause, injuries, themes: codes of
        the shipped taxonomy) and routes by kind with their result (None: still running).
        Returns its reference."""
        ref = f"CLM-{self.run}-{len(self.claims) + 1:03d}"
        opened = opened or (closed or MID_1992) - timedelta(days=days_to_close)
        self.claims.append(
            {
                "ref": ref,
                "workflow_id": f"claim-{ref}",
                "stage": "closed" if closed else "investigating",
                "handler": HANDLER,
                "scheme": "CNST",
                "defendant_code": trust or self.trust,
                "defendant_name": TRUST_NAME,
                "specialty": specialty,
                "incident_date": opened.date() - timedelta(days=days_to_notify),
                "on_hold": False,
                "outcome": outcome
                or (("settled_with_damages" if paid else "closed_without_payment") if closed else None),
                "opened_at": opened,
                "updated_at": closed or opened,
                "closed_at": closed,
                "seq": 1,
                "overdue": overdue,
                "claimant_age_band": age_band,
                **self._coding(ref, coded),
            }
        )
        for n, (kind, amount) in enumerate(paid.items(), start=1):
            self.payments.append(
                {
                    "claim_ref": ref,
                    "reference": f"PAY-{n}",
                    "kind": kind,
                    "amount": Decimal(amount),
                    "payee": "claimant_solicitors",
                    "paid_on": (closed or opened).date(),
                    "recorded_by": HANDLER,
                    "recorded_at": opened,
                }
            )
        for n, (kind, result) in enumerate((routes or {}).items(), start=1):
            self.routes.append(
                {
                    "claim_ref": ref,
                    "route_ref": f"{ref}-R{n}",
                    "kind": kind,
                    "started_at": opened + timedelta(days=1),
                    "ended_at": None if result is None else opened + timedelta(days=2),
                    "result": result,
                    "version": 1,
                }
            )
        return ref

    def _coding(self, ref: str, coded: dict | None) -> dict:
        if coded is None:
            return {}
        fields = [("specialty", coded["specialty"]), ("primary_cause", coded["primary_cause"])]
        fields += [("injuries", c) for c in coded.get("injuries", ["injury.death"])]
        fields += [("themes", c) for c in coded.get("themes", [])]
        self.codes.extend({"claim_ref": ref, "field": f, "code": c} for f, c in fields)
        return {
            "taxonomy_version": TAXONOMY_VERSION,
            "coded_specialty": coded["specialty"],
            "primary_cause": coded["primary_cause"],
        }

    @contextmanager
    def written(self, sessions: sessionmaker[Session]) -> Iterator[None]:
        """The claims in the register for the block, and gone after it."""
        try:
            with sessions.begin() as session:
                for table, rows in (
                    (ClaimRow, self.claims),
                    (PaymentRow, self.payments),
                    (ClaimCodeRow, self.codes),
                    (ClaimRouteRow, self.routes),
                ):
                    if rows:
                        session.execute(table.__table__.insert(), _complete(table, rows))
            yield
        finally:
            mine = f"CLM-{self.run}-%"
            with sessions.begin() as session:
                session.execute(delete(PaymentRow).where(PaymentRow.claim_ref.like(mine)))
                session.execute(delete(ClaimCodeRow).where(ClaimCodeRow.claim_ref.like(mine)))
                session.execute(delete(ClaimRouteRow).where(ClaimRouteRow.claim_ref.like(mine)))
                session.execute(delete(ClaimRow).where(ClaimRow.ref.like(mine)))


def _complete(table, rows: list[dict]) -> list[dict]:
    """Every row with every column the table's rows have among them (an executemany wants one
    shape): a claim left uncoded gets None for its coding's columns."""
    columns = {key for row in rows for key in row}
    return [{key: row.get(key) for key in columns} for row in rows]


def day(year: int, month: int = 6, day_of_month: int = 1) -> datetime:
    return datetime(year, month, day_of_month, 12, 0, tzinfo=UTC)


def a_day(on: date) -> datetime:
    return datetime(on.year, on.month, on.day, 12, 0, tzinfo=UTC)
