"""Reading an operator's JSON file strictly: one reader for the token file, the escalation
contacts and the clinical-coding taxonomy, each of which turns its failures into its own error
and words (a token file never quotes a plain key).

`json.loads` keeps the last of two equal keys; in a file an operator wrote, a key written twice
is a mistake (a token listed twice, a team's contacts given twice, a code mapped twice), not an
override, so it is refused."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any


class Unreadable(ValueError):
    """The file could not be read: its reason, as the operating system gave it."""


class NotJson(ValueError):
    """The file is not JSON: the parser's message."""


class RepeatedKey(ValueError):
    """One object holds `key` twice."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def read_json_file(path: Path) -> Any:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as err:
        raise Unreadable(str(getattr(err, "strerror", None) or err)) from None
    try:
        return json.loads(text, object_pairs_hook=_refuse_repeated_keys)
    except json.JSONDecodeError as err:
        raise NotJson(str(err)) from None


def _refuse_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) < len(pairs):
        raise RepeatedKey(next(key for key, count in Counter(key for key, _ in pairs).items() if count > 1))
    return found
