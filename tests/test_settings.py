"""Settings that are computed rather than read."""

from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from fairway.settings import Settings
from worker import caching


def test_the_worker_cache_holds_what_its_memory_budget_allows():
    assert Settings(worker_memory_budget_mib=512, worker_memory_per_case_mib=0.15).cached_cases == 3413
    assert Settings(worker_memory_budget_mib=1024, worker_memory_per_case_mib=0.5).cached_cases == 2048
    assert Settings(worker_memory_budget_mib=0.01).cached_cases == 1  # never no cache at all


def test_a_fixed_cache_size_overrides_the_budget_and_an_empty_one_does_not():
    assert Settings(worker_workflow_cache=10).cached_cases == 10
    assert Settings(worker_workflow_cache="").cached_cases == Settings().cached_cases


def test_the_worker_waits_minutes_for_its_cached_cases_tasks_and_takes_its_cache_size_from_settings():
    default = caching(Settings())
    assert default["sticky_queue_schedule_to_start_timeout"] == timedelta(minutes=5)
    assert default["max_cached_workflows"] == 3413
    chosen = caching(Settings(worker_sticky_wait_seconds="20", worker_workflow_cache=7))
    assert chosen["max_cached_workflows"] == 7
    assert chosen["sticky_queue_schedule_to_start_timeout"] == timedelta(seconds=20)
    with pytest.raises(ValidationError):
        Settings(worker_sticky_wait_seconds=0)


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
