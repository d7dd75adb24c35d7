"""Deemed service of court documents (CPR 6.14, 6.26) as an activity, so the day a document
counts as served lands in the workflow's history and a new bank-holiday table never changes a
running case's past."""

from __future__ import annotations

from temporalio import activity

from activities import calendar
from models.litigation import DeemedService, DeemedServiceRequest


class ServiceActivities:
    @activity.defn  # pure and quick: on the event loop, as the calendar's (activities/deadlines.py)
    async def deemed_service(self, request: DeemedServiceRequest) -> DeemedService:
        return deemed_service_of(request)


def deemed_service_of(request: DeemedServiceRequest) -> DeemedService:
    if request.document == "claim_form":
        served = calendar.deemed_service_claim_form(request.step_taken_on)
        return DeemedService(
            deemed_served_on=served, basis="CPR 6.14: the second business day after the step"
        )
    served = calendar.deemed_service_document(request.method.value, request.sent_at)
    return DeemedService(deemed_served_on=served, basis=f"CPR 6.26: served by {request.method.value}")
