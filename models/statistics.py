"""Figures about claims for learning: national statistics now, member scorecards later. Pure:
the register query that feeds them is fairway/statistics.py.

Times are whole calendar days between two events: from the incident to the claim's
notification (the day it was opened), and from notification to resolution (the day it closed).
Medians and quartiles interpolate between the middle values (the "inclusive" method, as
PostgreSQL's percentile_cont and a spreadsheet's QUARTILE.INC), so three claims of 100, 200 and
400 days have a median of 200 and quartiles of 150 and 300.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from pydantic import BaseModel, Field

from models.common import Money


class TimeSummary(BaseModel):
    """How long something took over a set of claims, in days."""

    claims: int = Field(description="how many claims the figures are over")
    median: float
    lower_quartile: float
    upper_quartile: float

    @classmethod
    def of(cls, days: Sequence[int]) -> TimeSummary:
        if not days:
            raise ValueError("no claims to summarise")
        if len(days) == 1:
            return cls(claims=1, median=days[0], lower_quartile=days[0], upper_quartile=days[0])
        lower, median, upper = statistics.quantiles(days, n=4, method="inclusive")
        return cls(claims=len(days), median=median, lower_quartile=lower, upper_quartile=upper)


class NationalFigures(BaseModel):
    """The claims closed in one year, of one specialty, whose damages paid fall in one band."""

    year: int = Field(description="the year the claims closed")
    specialty: str
    damages_band: str = Field(
        description="models.disclosure.DAMAGES_BANDS, of the damages paid on each claim"
    )
    claims: int
    damages_paid: Money = Field(description="interim, lump sum and periodical payments, costs apart")
    costs_paid: Money
    incident_to_notification: TimeSummary
    notification_to_resolution: TimeSummary
