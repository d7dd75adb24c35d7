"""The operator's escalation contacts file (fairway/escalation_contacts.py), read strictly: each
mistake stops the worker at start-up with a message naming the file, the entry and why."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fairway.escalation_contacts import ContactsFileError, read_contacts_file
from fairway.settings import Settings
from models.deadlines import EscalationContacts
from worker import escalation_contacts

TEAMS = ("claims", "advice", "early_notification")
KEYS = Path(__file__).parent / "encryption-keys.json"  # the tests' own key file


def _file(tmp_path, content) -> object:
    path = tmp_path / "contacts.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_each_team_named_in_the_file_gets_its_people(tmp_path):
    path = _file(
        tmp_path,
        {
            "teams": {
                "claims": {"supervisor": "sue.supervisor", "head_of_service": "harriet.head"},
                "advice": {"supervisor": "ppa.duty@nhs.example", "head_of_service": "hollis.ppa-head"},
            }
        },
    )
    assert read_contacts_file(path, TEAMS) == {
        "claims": EscalationContacts(supervisor="sue.supervisor", head_of_service="harriet.head"),
        "advice": EscalationContacts(supervisor="ppa.duty@nhs.example", head_of_service="hollis.ppa-head"),
    }


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "is not JSON"),
        ({"claims": {}}, "teams"),
        ({"teams": {"claims": {"supervisor": "sue"}}}, "teams.claims.head_of_service: Field required"),
        (
            {"teams": {"claims": {"supervisor": "sue", "head_of_service": "h", "deputy": "d"}}},
            "teams.claims.deputy",
        ),
        (
            {"teams": {"claims": {"supervisor": "sue smith", "head_of_service": "h"}}},
            "teams.claims.supervisor",
        ),
        ({"teams": {"claims": {"supervisor": "system", "head_of_service": "h"}}}, "the case's own clock"),
        (
            {"teams": {"claimz": {"supervisor": "sue", "head_of_service": "h"}}},
            "no deadline policy has team claimz; the teams are advice, claims, early_notification",
        ),
        # A team written twice is a mistake, not an override of the first (JSON would keep the last).
        (
            '{"teams": {"claims": {"supervisor": "sue", "head_of_service": "h"},'
            ' "claims": {"supervisor": "sam", "head_of_service": "h"}}}',
            "'claims' appears twice in one object",
        ),
    ],
)
def test_a_mistake_names_the_file_and_the_entry(tmp_path, content, says):
    path = _file(tmp_path, content)
    with pytest.raises(ContactsFileError) as refused:
        read_contacts_file(path, TEAMS)
    assert str(path) in str(refused.value) and says in str(refused.value)


def test_a_missing_file_is_refused_and_no_file_means_the_policies_contacts(tmp_path):
    with pytest.raises(ContactsFileError, match="cannot be read"):
        read_contacts_file(tmp_path / "absent.json", TEAMS)
    assert escalation_contacts(Settings(escalation_contacts_file=None)) == {}


def test_the_worker_checks_the_teams_against_every_published_policy(tmp_path):
    contacts = {"supervisor": "sue.supervisor", "head_of_service": "harriet.head"}
    teams = ("claims", "early_notification", "advice", "primary_care_appeals")
    path = _file(tmp_path, {"teams": {team: contacts for team in teams}})
    assert set(escalation_contacts(Settings(escalation_contacts_file=path))) == set(teams)


def test_the_worker_refuses_to_start_on_a_mistaken_file(tmp_path):
    """One line naming the file and the entry, exit code 2, before it connects to anything."""
    bad = _file(tmp_path, {"teams": {"claimz": {"supervisor": "sue", "head_of_service": "h"}}})
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRWAY_")}
    env["FAIRWAY_ESCALATION_CONTACTS_FILE"] = str(bad)
    env["FAIRWAY_ENCRYPTION_KEY_FILE"] = str(KEYS)
    result = subprocess.run(
        [sys.executable, "-m", "fairway.cli", "worker"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"fairway: contacts file {bad}: no deadline policy has team claimz; the teams are "
        "advice, claims, early_notification, primary_care_appeals"
    ]
