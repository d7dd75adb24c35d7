"""The clinical coding taxonomy, for the workflows: a coding is checked against the taxonomy the
worker was started with (fairway/clinical_coding.py), which a workflow cannot read itself."""

from __future__ import annotations

from temporalio import activity

from models.coding import Coding, Taxonomy, coding_refusal
from models.common import Refusal


class CodingActivities:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    @activity.defn  # pure and quick: on the event loop, as the calendar's (activities/deadlines.py)
    async def check_coding(self, coding: Coding) -> Refusal | None:
        """Why the coding cannot stand against the taxonomy, or None when it can."""
        refused = coding_refusal(coding, self.taxonomy)
        return Refusal(code=refused[0], message=refused[1]) if refused else None
