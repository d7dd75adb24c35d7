"""Who is told when a deadline escalates past its handler: each team's supervisor and head of
service, from the operator's contacts file.

A deadline policy names each team's contacts as they were when it was written (the demo people
of the token file); people change jobs far more often than rules change, and a policy version is
immutable, so the real people are named here, in FAIRWAY_ESCALATION_CONTACTS_FILE, and read by
the escalation activity when a ladder step fires (activities/escalations.py). The case records
who was told. A team the file leaves out keeps its policy's contacts.

The file is JSON, read strictly (a mistake stops the worker at start-up, naming the entry):
    {"teams": {"claims": {"supervisor": "sam.supervisor", "head_of_service": "hana.head"}}}
An entry is an actor id (the local part of an address at the relay's domain) or an address.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fairway.strict_json import NotJson, RepeatedKey, Unreadable, read_json_file
from models.common import SYSTEM_ACTOR
from models.deadlines import EscalationContacts

Contacts = Mapping[str, EscalationContacts]
PERSON = r"^[A-Za-z0-9._@+-]+$"


class ContactsFileError(ValueError):
    """The contacts file cannot be used; the message names the file, the team and why."""


class TeamContacts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    supervisor: str = Field(min_length=1, max_length=200, pattern=PERSON)
    head_of_service: str = Field(min_length=1, max_length=200, pattern=PERSON)

    @field_validator("supervisor", "head_of_service")
    @classmethod
    def _a_person(cls, who: str) -> str:
        if who == SYSTEM_ACTOR.id:
            raise ValueError(f"{who!r} is the case's own clock, not a person who can be told")
        return who


class ContactsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    teams: dict[str, TeamContacts]


def read_contacts_file(path: Path, teams: Collection[str]) -> dict[str, EscalationContacts]:
    """Each team's contacts in the file at `path`; `teams` are the teams the policies know, so a
    misspelt team is refused rather than silently leaving the real one on its placeholders."""
    try:
        found = ContactsFile.model_validate(_json(path))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ContactsFileError(f"contacts file {path}: {where}: {first['msg']}") from None
    unknown = sorted(set(found.teams) - set(teams))
    if unknown:
        raise ContactsFileError(
            f"contacts file {path}: no deadline policy has team {', '.join(unknown)}; "
            f"the teams are {', '.join(sorted(teams))}"
        )
    return {team: EscalationContacts(**c.model_dump()) for team, c in found.teams.items()}


def _json(path: Path) -> object:
    try:
        return read_json_file(path)
    except Unreadable as err:
        raise ContactsFileError(f"contacts file {path} cannot be read ({err})") from None
    except NotJson as err:
        raise ContactsFileError(f"contacts file {path} is not JSON ({err})") from None
    except RepeatedKey as err:
        raise ContactsFileError(f"contacts file {path}: {err.key!r} appears twice in one object") from None
