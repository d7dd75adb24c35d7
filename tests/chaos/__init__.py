"""Chaos: real workers killed with SIGKILL mid-work, and what the next worker makes of it."""
