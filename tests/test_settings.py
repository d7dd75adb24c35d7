"""Settings that are computed rather than read."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from fairway.settings import Settings


def test_the_worker_cache_holds_what_its_memory_budget_allows():
    assert Settings(worker_memory_budget_mib=512, worker_memory_per_case_mib=0.15).cached_cases == 3413
    assert Settings(worker_memory_budget_mib=1024, worker_memory_per_case_mib=0.5).cached_cases == 2048
    assert Settings(worker_memory_budget_mib=0.01).cached_cases == 1  # never no cache at all


def test_a_fixed_cache_size_overrides_the_budget_and_an_empty_one_does_not():
    assert Settings(worker_workflow_cache=10).cached_cases == 10
    assert Settings(worker_workflow_cache="").cached_cases == Settings().cached_cases


def test_the_outbox_lease_is_the_dispatchers_own_unless_set():
    assert Settings(outbox_lease_seconds="").outbox_lease_seconds is None  # activities/notifications.py LEASE
    assert Settings(outbox_lease_seconds="8").outbox_lease_seconds == 8
    with pytest.raises(ValidationError):
        Settings(outbox_lease_seconds=0)  # no lease at all would let every pass take every row


def test_counts_below_the_threshold_are_suppressed_and_a_threshold_that_hides_nothing_is_refused():
    assert Settings().suppress_counts_below == 5
    assert Settings(suppress_counts_below="8").suppress_counts_below == 8
    with pytest.raises(ValidationError):
        Settings(suppress_counts_below=1)


def test_research_extracts_go_under_the_data_dir_unless_placed_elsewhere(tmp_path):
    assert Settings(data_dir=tmp_path).extracts_dir == tmp_path / "extracts"
    assert Settings(data_dir=tmp_path, extracts_dir="").extracts_dir == tmp_path / "extracts"
    assert Settings(data_dir=tmp_path, extracts_dir="/srv/extracts").extracts_dir == Path("/srv/extracts")
