"""How a case writes to the register: from inside its workflow task when it may, else as an
activity.

From inside the task (a local activity) a write costs no activity task and no second workflow
task: a deadline's wake-up is one workflow task, and the server spends about a fifth less CPU
on a burst of them (bench/results/deadlines.md). It may be written there only when everything
it writes follows from the case's history, so that an attempt of the task that is lost and run
again writes the same rows (every write is keyed), but for the times it is stamped with, which
the next write rewrites. An Update is in history only once the task that took it completes: a
task that took one writes through the activity, which runs only once that task is recorded.

One try inside the task, then the activity, which retries until the register takes the write.
One try, not a few: the SDK's core leaks each retried local activity attempt's timer
(temporalio/sdk-rust#1454), which can time out a later attempt and panics if it fires after its
worker has stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import exceptions as temporal
from temporalio import workflow

from workflows.activity_options import IN_TASK_WRITE, REGISTER_WRITE


async def write(activity: Callable, arg: Any, *, summary: str, in_task: bool) -> Any:
    """Run `activity` (a register write) with `arg`: inside the task if `in_task` says the case
    may, else, or if that one try fails, as an activity. Answers what the write answered."""
    if in_task:
        try:
            return await workflow.execute_local_activity_method(
                activity, arg, summary=summary, **IN_TASK_WRITE
            )
        except (temporal.ActivityError, temporal.ApplicationError, temporal.TimeoutError):
            pass  # a local activity's failure comes as its own error, not wrapped
    return await workflow.execute_activity_method(activity, arg, summary=summary, **REGISTER_WRITE)
