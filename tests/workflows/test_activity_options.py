"""How long an activity may run before it is retried elsewhere is set in one place."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows import activity_options

WORKFLOWS = sorted((Path(__file__).parent.parent.parent / "workflows").glob("*.py"))
OPTIONS = Path(activity_options.__file__)


@pytest.mark.parametrize("path", [p for p in WORKFLOWS if p != OPTIONS], ids=lambda p: p.name)
def test_no_workflow_sets_an_activitys_timeouts_of_its_own(path):
    code = path.read_text()
    assert "_timeout=" not in code, f"{path.name}: use workflows/activity_options.py"


def test_an_activity_that_waits_on_another_case_is_missed_sooner_than_it_may_run():
    asking = activity_options.ASKING_ANOTHER_CASE
    assert asking["heartbeat_timeout"] < asking["start_to_close_timeout"] / 3
