"""Every recorded history replays clean against today's workflow code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.conftest import DATA_CONVERTER
from worker import WORKFLOWS, workflow_runner

HISTORIES = sorted((Path(__file__).parent.parent / "histories").glob("*.json"))


def test_every_workflow_type_has_a_recorded_history():
    recorded = {
        json.loads(p.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]["workflowType"][
            "name"
        ]
        for p in HISTORIES
    }
    assert {w.__temporal_workflow_definition.name for w in WORKFLOWS} <= recorded


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_replays_clean(path: Path):
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=workflow_runner())
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    assert len(history.events) > 3, "a history of its start alone replays nothing (re-record it)"
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
