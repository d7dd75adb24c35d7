"""The register on SQLite and PostgreSQL: keyed upserts, an append-only ledger, list queries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from activities.register import RegisterActivities
from api.app import create_app
from fairway.settings import Settings
from models.cases import CaseProjection
from models.claims import ClaimOpening, ClaimRegisterRow, ClaimStage, ClaimState
from models.common import LedgerEntry, Role
from models.register import ClaimRow, LedgerRow
from tests.conftest import directory, running_fairway, sessions_for
from tests.helpers import assert_eventually, auth, ok, open_claim, opening

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _claim(
    ref: str, seq: int, stage: ClaimStage = ClaimStage.NOTIFIED, handler: str = "hana.handler"
) -> ClaimState:
    return ClaimState(
        ref=ref,
        opening=ClaimOpening.model_validate(opening()),
        stage=stage,
        owner=handler,
        opened_at=T0,
        updated_at=T0 + timedelta(minutes=seq),
        seq=seq,
        version=seq,
    )


def _entry(seq: int, action: str = "add_note", actor: str = "hana.handler") -> LedgerEntry:
    return LedgerEntry(
        seq=seq,
        action=action,
        actor_id=actor,
        actor_role=Role.HANDLER,
        request_id=f"req-{seq}",
        stage_before="notified",
        stage_after="notified",
        summary={"text": f"note {seq}"},
        at=T0 + timedelta(minutes=seq),
    )


def _project(activities: RegisterActivities, ref: str, claim: ClaimState, *entries: LedgerEntry) -> None:
    """What the claim's workflow sends: the case row, the claim's own row and new ledger entries."""
    workflow_id = f"claim-{ref}"
    activities.project_case(
        CaseProjection(
            workflow_id=workflow_id,
            kind=claim.kind,
            ref=ref,
            parent_ref=None,
            stage=claim.stage,
            owner=claim.owner,
            team=claim.team,
            opened_at=claim.opened_at,
            updated_at=claim.updated_at,
            closed_at=claim.closed_at,
            outcome=claim.outcome,
            next_deadline_at=claim.next_deadline_at,
            overdue=claim.overdue,
            seq=claim.seq,
            version=claim.version,
            detail=ClaimRegisterRow.detail_of(claim),
            entries=list(entries),
        )
    )


def test_projection_is_idempotent_and_never_rolls_back(register_url):
    sessions = sessions_for(register_url)
    activities = RegisterActivities(sessions)
    ref = f"CLM-{uuid.uuid4().hex[:12].upper()}"

    _project(activities, ref, _claim(ref, 1), _entry(1, "open_claim"))
    _project(activities, ref, _claim(ref, 1), _entry(1, "open_claim"))  # a retried activity
    _project(activities, ref, _claim(ref, 3, handler="harry.handler"), _entry(2), _entry(3, "reassign"))
    _project(activities, ref, _claim(ref, 2), _entry(2))  # a late retry of an older one

    with sessions() as session:
        row = session.get(ClaimRow, ref)
        assert (row.seq, row.handler) == (3, "harry.handler")
        assert row.updated_at == T0 + timedelta(minutes=3)
        assert row.opened_at.tzinfo is not None
        ledger = session.scalars(
            select(LedgerRow).where(LedgerRow.case_ref == ref).order_by(LedgerRow.seq)
        ).all()
        assert [(e.seq, e.action) for e in ledger] == [(1, "open_claim"), (2, "add_note"), (3, "reassign")]
        assert ledger[1].summary == {"text": "note 2"}
        assert session.scalar(select(func.count()).select_from(ClaimRow).where(ClaimRow.ref == ref)) == 1


async def test_list_reads_the_register(register_url):
    sessions = sessions_for(register_url)
    activities = RegisterActivities(sessions)
    firm = f"SRA-{uuid.uuid4().hex[:8]}"
    for i, stage in enumerate([ClaimStage.NOTIFIED, ClaimStage.INVESTIGATING, ClaimStage.INVESTIGATING]):
        ref = f"CLM-{uuid.uuid4().hex[:12].upper()}"
        claim = _claim(ref, 1, stage=stage).model_copy(update={"opened_at": T0 + timedelta(days=i)})
        claim.opening.claimant_firm.firm_id = firm
        _project(activities, ref, claim, _entry(1, "open_claim"))

    # The list reads only the register, so no Temporal client is needed here.
    app = create_app(Settings(), client=None, sessions=sessions, directory=directory())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as http:
        page = (
            await http.get(
                "/claims", params={"claimant_firm": firm, "stage": "investigating"}, headers=auth("auditor")
            )
        ).json()
    assert page["total"] == 2
    assert [i["opened_at"] for i in page["items"]] == sorted(
        (i["opened_at"] for i in page["items"]), reverse=True
    )


async def test_claims_project_into_postgres_end_to_end(client, postgres_url):
    sessions = sessions_for(postgres_url)
    async with running_fairway(client, sessions) as fairway:
        ref = (await open_claim(fairway.http))["state"]["ref"]
        await ok(fairway.http, ref, "add_note", {"text": "stored in PostgreSQL"})

        def projected():
            with sessions() as session:
                row = session.get(ClaimRow, ref)
                assert row is not None and row.seq == 2
                count = session.scalar(
                    select(func.count()).select_from(LedgerRow).where(LedgerRow.case_ref == ref)
                )
                assert count == 2

        await assert_eventually(projected)
        history = (await fairway.http.get(f"/claims/{ref}/history", headers=auth("supervisor"))).json()
        assert [e["summary"].get("text") for e in history["ledger"]] == [None, "stored in PostgreSQL"]
