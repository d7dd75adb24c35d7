"""Settings that are computed rather than read."""

from fairway.settings import Settings


def test_the_worker_cache_holds_what_its_memory_budget_allows():
    assert Settings(worker_memory_budget_mib=512, worker_memory_per_case_mib=0.15).cached_cases == 3413
    assert Settings(worker_memory_budget_mib=1024, worker_memory_per_case_mib=0.5).cached_cases == 2048
    assert Settings(worker_memory_budget_mib=0.01).cached_cases == 1  # never no cache at all


def test_a_fixed_cache_size_overrides_the_budget_and_an_empty_one_does_not():
    assert Settings(worker_workflow_cache=10).cached_cases == 10
    assert Settings(worker_workflow_cache="").cached_cases == Settings().cached_cases
