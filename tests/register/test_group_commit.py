"""Concurrent writers share transactions, and one bad write never fails its neighbours."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import select, text

from fairway.db import GroupCommit
from models.register import LedgerRow
from tests.conftest import sessions_for


def _row(ref: str, seq: int) -> LedgerRow:
    return LedgerRow(
        case_kind="claim",
        case_ref=ref,
        seq=seq,
        action="add_note",
        actor_id="a",
        actor_role="handler",
        request_id=f"r{seq}",
        stage_before=None,
        stage_after="notified",
        summary={},
        at=__import__("datetime").datetime.now(),
    )


def test_concurrent_writes_all_land_and_a_failure_stays_its_own(register_url):
    sessions = sessions_for(register_url)
    writer = GroupCommit(sessions)
    ref = f"GC-{uuid.uuid4().hex[:8]}"
    results, errors = {}, {}

    def write(seq: int) -> None:
        def work(session):
            if seq == 13:
                session.execute(text("SELECT * FROM no_such_table"))
            session.add(_row(ref, seq))
            session.flush()
            return seq

        try:
            results[seq] = writer.run(work)
        except Exception as error:
            errors[seq] = error

    threads = [threading.Thread(target=write, args=(seq,)) for seq in range(1, 41)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(errors) == {13}
    assert sorted(results) == [s for s in range(1, 41) if s != 13]
    with sessions() as session:
        written = session.scalars(select(LedgerRow.seq).where(LedgerRow.case_ref == ref)).all()
    assert sorted(written) == sorted(results)
