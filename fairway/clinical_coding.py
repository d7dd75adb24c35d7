"""The clinical coding taxonomy, read strictly from the operator's file (FAIRWAY_CLINICAL_CODING_FILE).

The taxonomy is data, not code: a new version is a new file and a restart, and the file Fairway
ships (fairway/taxonomies/) is only the default. The file is JSON:
    {"version": "2026.2",
     "codes": [{"code": "theme.monitoring_and_escalation", "kind": "theme",
                "label": "Monitoring and escalation"},
               {"code": "theme.delay_in_escalation", "kind": "theme", "label": "Delay in escalation",
                "parent": "theme.monitoring_and_escalation"}, ...],
     "mapping": {"from_version": "2026.1", "codes": {"theme.old_code": "theme.new_code"}}}
`mapping` is optional and maps the previous version's retired or dropped codes (models/coding.py).
A mistake is refused with one message naming the file, the entry and why, like the other
settings files (fairway/escalation_contacts.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fairway.settings import Settings
from fairway.strict_json import NotJson, RepeatedKey, Unreadable, read_json_file
from models.coding import Taxonomy


class TaxonomyFileError(ValueError):
    """The taxonomy file cannot be used; the message names the file, the entry and why."""


def current_taxonomy(settings: Settings) -> Taxonomy:
    """The taxonomy new codings are made against: the operator's file, or the one shipped."""
    return read_taxonomy_file(settings.clinical_coding_file)


def read_taxonomy_file(path: Path) -> Taxonomy:
    document = _json(path)
    try:
        return Taxonomy.model_validate(document)
    except ValidationError as err:
        first = err.errors()[0]
        where = _where(first["loc"], document)
        raise TaxonomyFileError(f"taxonomy file {path}: {where}{first['msg']}") from None


def _where(loc: tuple, document: Any) -> str:
    """An entry as the operator finds it in the file: `codes entry 12 (theme.handover): label: `."""
    if not loc:
        return ""  # a rule about the whole tree, whose message names the codes itself
    if loc[0] == "codes" and len(loc) > 1 and isinstance(loc[1], int):
        entry = document["codes"][loc[1]]
        code = entry.get("code") if isinstance(entry, dict) else None
        named = f" ({code})" if isinstance(code, str) else ""
        rest = ".".join(map(str, loc[2:]))
        return f"codes entry {loc[1] + 1}{named}: " + (f"{rest}: " if rest else "")
    return ".".join(map(str, loc)) + ": "


def _json(path: Path) -> Any:
    try:
        return read_json_file(path)
    except Unreadable as err:
        raise TaxonomyFileError(f"taxonomy file {path} cannot be read ({err})") from None
    except NotJson as err:
        raise TaxonomyFileError(f"taxonomy file {path} is not JSON ({err})") from None
    except RepeatedKey as err:
        raise TaxonomyFileError(f"taxonomy file {path}: {err.key!r} appears twice in one object") from None
