"""How long each kind of activity a workflow runs may take before Temporal retries it elsewhere.

A worker that dies (killed, its machine lost) says nothing: Temporal learns of it only when
an activity it was running times out, and then retries that activity on a live worker. So
each bound is as short as its activity allows, and a dead worker's step is retried within
seconds. Every activity is safe to run twice (keyed writes, update ids, derived workflow ids),
which is what makes a short bound safe: an attempt that outlives its bound still finishes,
and the retry changes nothing it wrote.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy
from temporalio.workflow import ActivityConfig, LocalActivityConfig

# A write to the register (a projection, an escalation, an acknowledgment, a payment): well
# under a second even with a thousand escalations falling due at once (at most 1.0 s in
# bench/results/deadlines.md), so one not done after ten has lost its worker.
REGISTER_WRITE = ActivityConfig(
    start_to_close_timeout=timedelta(seconds=10),
    retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
)

# Acting on another case (asking a claim to join or leave a summit, opening or noting a claim
# from an Early Notification case) waits on that case, which may be busy or on a worker that is
# itself restarting. So it may run for half a minute, and heartbeats while it waits
# (activities/heartbeats.py): a worker that stops heartbeating for five seconds has died. Each
# caller keeps its own retry policy, since how many tries a claim gets is the case's rule.
ASKING_ANOTHER_CASE = ActivityConfig(
    start_to_close_timeout=timedelta(seconds=30), heartbeat_timeout=timedelta(seconds=5)
)

# A computation (the legal calendar, deemed service) runs as a local activity inside the
# workflow task on the case's own worker: if that worker dies the task is run again elsewhere,
# computation included, so this bounds only the computation.
COMPUTATION = LocalActivityConfig(start_to_close_timeout=timedelta(seconds=30))

# A register write from inside a workflow task (workflows/register_writes.py): one try, since the
# task waits on it; a register that does not take it leaves the write to REGISTER_WRITE.
IN_TASK_WRITE = LocalActivityConfig(
    start_to_close_timeout=timedelta(seconds=5),
    retry_policy=RetryPolicy(maximum_attempts=1),
)
