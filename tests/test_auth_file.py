"""The token file is read strictly at start-up: every mistake stops the API with one message that
names the entry and never the plain token, and `fairway api` exits 2 with that line."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.auth import Directory
from api.token_file import TokenFileError
from models.common import Role

SECRET = "s3cret-token-nobody-may-see"
HASH = hashlib.sha256(SECRET.encode()).hexdigest()
OTHER = "a" * 64
SECOND = hashlib.sha256(b"second").hexdigest()


def token_file(tmp_path: Path, tokens: dict | str) -> Path:
    path = tmp_path / "tokens.json"
    path.write_text(tokens if isinstance(tokens, str) else json.dumps({"tokens": tokens}))
    return path


def refusal(tmp_path: Path, tokens: dict | str) -> str:
    with pytest.raises(TokenFileError) as raised:
        Directory.load(token_file(tmp_path, tokens))
    message = str(raised.value)
    assert SECRET not in message and "\n" not in message
    return message


def test_a_good_file_loads_plain_and_hashed_entries(tmp_path):
    directory = Directory.load(
        token_file(
            tmp_path,
            {
                SECRET: {"actor": "hana.handler", "role": "handler"},
                f"sha256:{SECOND}": {"actor": "hana.handler", "role": "handler"},
                f"sha256:{OTHER}": {"actor": "sam.supervisor", "role": "supervisor"},
            },
        )
    )
    assert directory.actor_for(SECRET).id == "hana.handler"
    assert directory.actor_for("second").id == "hana.handler"
    assert directory.actor("sam.supervisor").role is Role.SUPERVISOR
    assert directory.actor_for("unknown") is None


def test_an_upper_case_digest_is_refused_with_how_to_write_it(tmp_path):
    message = refusal(tmp_path, {f"sha256:{HASH.upper()}": {"actor": "hana.handler", "role": "handler"}})
    assert "token entry 1 (actor 'hana.handler', sha256:" in message and HASH[:8] in message
    assert "lower case" in message and str(tmp_path) in message


def test_an_upper_case_prefix_is_refused(tmp_path):
    message = refusal(tmp_path, {f"SHA256:{HASH}": {"actor": "hana.handler", "role": "handler"}})
    assert "'sha256:'" in message and "lower case" in message


@pytest.mark.parametrize("digest", [HASH[:63], HASH + "0", "g" * 64, SECRET, ""])
def test_a_malformed_digest_is_refused_without_quoting_it(tmp_path, digest):
    message = refusal(
        tmp_path,
        {
            f"sha256:{OTHER}": {"actor": "sam.supervisor", "role": "supervisor"},
            f"sha256:{digest}": {"actor": "hana.handler", "role": "handler"},
        },
    )
    assert "token entry 2 (actor 'hana.handler', malformed sha256 key)" in message
    assert "64 lower-case hex digits" in message
    assert not digest or digest[:8] not in message


@pytest.mark.parametrize("actor", ["hana handler", "", "x" * 101, "hana/handler"])
def test_an_actor_id_outside_the_actor_rule_is_refused(tmp_path, actor):
    message = refusal(tmp_path, {SECRET: {"actor": actor, "role": "handler"}})
    assert "token entry 1" in message and "plain token" in message and "actor id" in message


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"actor": "hana.handler", "role": "handler", "rol": "admin"}, "rol: Extra inputs are not permitted"),
        ({"actor": "hana.handler", "role": "boss"}, "role: Input should be"),
        ({"actor": "hana.handler", "role": "system"}, "role: Value error, system is the case's own clock"),
        ({"actor": "hana.handler"}, "role: Field required"),
        ("hana.handler", "valid dictionary"),
    ],
)
def test_an_entry_of_the_wrong_shape_is_refused(tmp_path, entry, reason):
    message = refusal(tmp_path, {SECRET: entry})
    assert "token entry 1" in message and reason in message


def test_one_actor_with_two_roles_is_refused(tmp_path):
    message = refusal(
        tmp_path,
        {
            f"sha256:{OTHER}": {"actor": "hana.handler", "role": "handler"},
            SECRET: {"actor": "hana.handler", "role": "supervisor"},
        },
    )
    assert message.endswith(
        "token entry 2 (actor 'hana.handler', plain token): role supervisor, but token entry 1 "
        "(actor 'hana.handler', sha256:aaaaaaaa…) gives the same actor role handler"
    )


def test_a_plain_token_and_its_digest_together_are_a_duplicate(tmp_path):
    message = refusal(
        tmp_path,
        {
            SECRET: {"actor": "hana.handler", "role": "handler"},
            f"sha256:{HASH}": {"actor": "harry.handler", "role": "handler"},
        },
    )
    assert message.endswith(
        f"token entry 2 (actor 'harry.handler', sha256:{HASH[:8]}…): the same token as "
        "token entry 1 (actor 'hana.handler', plain token)"
    )


def test_a_key_written_twice_is_refused_not_overridden(tmp_path):
    entry = '{"actor": "hana.handler", "role": "handler"}'
    message = refusal(tmp_path, f'{{"tokens": {{"{SECRET}": {entry}, "{SECRET}": {entry}}}}}')
    assert "a key (not shown: it may be a token) appears twice" in message


@pytest.mark.parametrize("key", [" " + SECRET, SECRET + "\n", ""])
def test_a_plain_token_that_could_never_match_is_refused(tmp_path, key):
    assert "must not be empty or begin or end with a space" in refusal(
        tmp_path, {key: {"actor": "hana.handler", "role": "handler"}}
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({SECRET: {"actor": "hana.handler", "role": "handler"}}), '{"tokens": {...}}'),
        (json.dumps({"tokens": {}, "note": "x"}), '{"tokens": {...}}'),
        (json.dumps({"tokens": []}), '{"tokens": {...}}'),
        (json.dumps({"tokens": {}}), "lists no tokens"),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_naming_it(tmp_path, text, reason):
    message = refusal(tmp_path, text)
    assert message.startswith(f"token file {tmp_path / 'tokens.json'}: ") and reason in message


def test_a_missing_file_is_refused_naming_it(tmp_path):
    with pytest.raises(TokenFileError, match=r"token file .*absent\.json: cannot be read \(No such file"):
        Directory.load(tmp_path / "absent.json")


def _fairway(command: str, tmp_path: Path, token_file: Path | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRWAY_")}
    env["FAIRWAY_DATA_DIR"] = str(tmp_path / "data")
    if token_file is not None:
        env["FAIRWAY_TOKEN_FILE"] = str(token_file)
    # The working directory is tmp_path so that no .env file there names another token file.
    return subprocess.run(
        [sys.executable, "-m", "fairway.cli", command], env=env, cwd=tmp_path, capture_output=True, text=True
    )


def test_fairway_api_stops_with_one_line_and_exit_code_2(tmp_path):
    bad = token_file(tmp_path, {f"sha256:{HASH.upper()}": {"actor": "hana.handler", "role": "handler"}})
    result = _fairway("api", tmp_path, bad)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"fairway: token file {bad}: token entry 1 (actor 'hana.handler', sha256:{HASH[:8]}…): "
        "write the sha256 digest in lower case"
    ]


@pytest.mark.parametrize("path", [None, "absent.json"])
def test_fairway_api_without_a_usable_file_stops_the_same_way(tmp_path, path):
    result = _fairway("api", tmp_path, path and tmp_path / path)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert (path or "FAIRWAY_TOKEN_FILE is required") in result.stderr


def test_fairway_dev_checks_a_given_file_before_starting_temporal(tmp_path):
    bad = token_file(tmp_path, {SECRET: {"actor": "hana handler", "role": "handler"}})
    result = _fairway("dev", tmp_path, bad)
    assert result.returncode == 2 and result.stderr.startswith(f"fairway: token file {bad}: token entry 1")
    assert not (tmp_path / "data" / "temporal.db").exists()
