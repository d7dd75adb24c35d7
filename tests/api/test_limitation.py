"""Limitation after the claimant's death through the HTTP API against the real dev server: the
estate's claim (Limitation Act 1980 s.11(5)) and the dependants' Fatal Accidents Act claim
(s.12), each a deadline of its own, reached from the claim's opening and from an action."""

from __future__ import annotations

from datetime import date

from activities import calendar
from tests.helpers import act, ok, open_claim

# tests/helpers.py's opening: incident 1 Mar 2025, knowledge 1 Jun 2025, an adult claimant.
INCIDENT, KNOWLEDGE = date(2025, 3, 1), date(2025, 6, 1)


async def test_a_claim_opened_for_the_estate_and_the_dependants_has_both_limitations(fairway):
    death = {"died_on": "2025-09-15", "fatal_accidents_claim": True, "dependants_knowledge": "2025-11-03"}
    state = (await open_claim(fairway.http, death=death))["state"]

    estate, dependants = state["deadlines"]["limitation"], state["deadlines"]["fatal_accidents_limitation"]
    assert (estate["due_on"], estate["kind"]) == ("2028-09-15", "statutory")  # s.11(5)(a): from the death
    assert (dependants["due_on"], dependants["kind"]) == ("2028-11-03", "statutory")  # s.12(2)(b)
    assert estate["explanation"].startswith("LA 1980 s.11(5)")
    assert dependants["explanation"].startswith("LA 1980 s.12(2)")
    assert date.fromisoformat(dependants["due_on"]) == (
        calendar.fatal_accidents_limitation(
            INCIDENT, date(2025, 9, 15), KNOWLEDGE, date(1990, 1, 1), dependants_knowledge=date(2025, 11, 3)
        ).limitation_date
    )
    assert state["death"]["died_on"] == "2025-09-15"


async def test_a_death_recorded_later_moves_limitation_and_is_recorded_once(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    death = {"died_on": "2026-10-01", "personal_representative_knowledge": "2026-11-02"}

    died = await ok(http, ref, "record_death", death)

    # s.11(5)(b): 3 years from the personal representative's later knowledge, not from 1 Jun 2025.
    assert died["deadline_changes"] == [
        {"name": "limitation", "previous_due_on": "2028-06-01", "due_on": "2029-11-02"}
    ]
    assert "fatal_accidents_limitation" not in died["state"]["deadlines"]
    again = await act(http, ref, "record_death", death)
    assert (again.status_code, again.json()["code"]) == (409, "death_already_recorded")
    assert "record_death" not in again.json()["details"]["allowed_actions"]


async def test_a_death_is_refused_out_of_order(fairway):
    http = fairway.http
    ref = (await open_claim(http))["state"]["ref"]
    early = await act(http, ref, "record_death", {"died_on": "2025-02-28"})
    assert (early.status_code, early.json()["code"]) == (409, "date_before_incident")
    knowledge = {"died_on": "2026-10-01", "dependants_knowledge": "2026-10-02"}
    no_claim = await act(http, ref, "record_death", knowledge)
    assert (no_claim.status_code, no_claim.json()["code"]) == (409, "no_dependants_claim")
