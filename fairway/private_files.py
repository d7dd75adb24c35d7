"""Files that hold tokens or case data are readable by their owner only from the moment they exist.

Fairway makes them so only when it creates them: a file or directory already there keeps the
mode its owner gave it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

OWNER_ONLY_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """The directory, created 0o700 if it is missing (its missing parents get the usual mode)."""
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700, parents=True)
    return path


def create_private_file(path: Path, text: str | bytes = "") -> bool:
    """Create the file 0o600 holding `text` (or bytes), in one step so that it is never readable by
    others even for a moment. False, and the file left alone, if it already exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "wb" if isinstance(text, bytes) else "w") as file:
        file.write(text)
    return True


def start_owner_only(args: list[str], **popen) -> subprocess.Popen:
    """Start a process whose new files are readable by their owner only.

    For Temporal's dev server: it sets up its schema only in a database file it creates itself
    (an empty file made beforehand is taken for a database without tables), so the file cannot be
    made 0o600 first; its umask makes it so instead, and SQLite gives the -wal and -shm files the
    main file's mode.
    """
    return subprocess.Popen(args, umask=OWNER_ONLY_UMASK, **popen)
