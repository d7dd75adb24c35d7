"""The key file is read strictly and never quoted; without one the worker and the API refuse to
start; `fairway dev` makes one of its own, owner-only; rotation adds a key and makes it current."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fairway.keys import KeyFileError, fresh_ring, key_ring, read_key_file, write_dev_keys
from fairway.settings import Settings

KEY = base64.b64encode(b"k" * 32).decode()


def key_file(tmp_path: Path, document) -> Path:
    path = tmp_path / "keys.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_a_good_file_gives_its_keys_and_current_one(tmp_path):
    ring = read_key_file(key_file(tmp_path, {"current": "k2", "keys": {"k1": KEY, "k2": KEY}}))
    assert ring.current == "k2" and ring.keys == {"k1": b"k" * 32, "k2": b"k" * 32}


@pytest.mark.parametrize(
    "document, reason",
    [
        ("not json", "not valid JSON"),
        ([], "expected one JSON object"),
        ({"keys": {"k1": KEY}}, "expected one JSON object"),
        ({"current": "k1", "keys": {"k1": KEY}, "extra": 1}, "expected one JSON object"),
        ({"current": "k1", "keys": {}}, "at least one key"),
        ({"current": "k9", "keys": {"k1": KEY}}, '"current" must be the id of one of the keys'),
        ({"current": "k1", "keys": {"k1": base64.b64encode(b"short").decode()}}, "key k1: expected"),
        ({"current": "k1", "keys": {"k1": KEY[:-2] + "!!"}}, "key k1: expected"),
        ({"current": "k1", "keys": {"k1": 42}}, "key k1: expected"),
        ({"current": "k 1", "keys": {"k 1": KEY}}, "1 to 64 letters"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_naming_it_and_no_key(tmp_path, document, reason):
    path = key_file(tmp_path, document)
    with pytest.raises(KeyFileError) as refused:
        read_key_file(path)
    message = str(refused.value)
    assert message.startswith(f"key file {path}: ") and reason in message
    assert KEY not in message and KEY[:12] not in message


def test_no_file_configured_is_refused():
    with pytest.raises(KeyFileError, match="FAIRWAY_ENCRYPTION_KEY_FILE is required"):
        key_ring(Settings(encryption_key_file=None))
    with pytest.raises(KeyFileError, match="cannot be read"):
        key_ring(Settings(encryption_key_file="/nonexistent/keys.json"))


def test_the_dev_key_file_is_owner_only_and_kept(tmp_path):
    path = write_dev_keys(tmp_path / "data" / "encryption-keys.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = read_key_file(path)
    assert len(first.keys[first.current]) == 32
    assert read_key_file(write_dev_keys(path)) == first


def test_rotation_adds_a_key_makes_it_current_and_keeps_the_old(tmp_path):
    ring = fresh_ring()
    rotated = ring.rotated()
    assert rotated.current not in ring.keys and rotated.keys.items() >= ring.keys.items()

    path = tmp_path / "keys.json"
    run = [sys.executable, "-m", "fairway.keys"]
    assert subprocess.run([*run, "new", str(path)], capture_output=True).returncode == 0
    before = read_key_file(path)
    result = subprocess.run([*run, "rotate", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    after = read_key_file(path)
    assert after.current != before.current and after.keys.items() >= before.keys.items()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["keys.json"]


@pytest.mark.parametrize("command", ["worker", "api"])
def test_the_worker_and_the_api_refuse_to_start_without_keys(tmp_path, command):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRWAY_")}
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps({"tokens": {"t": {"actor": "a", "role": "handler"}}}))
    env["FAIRWAY_TOKEN_FILE"] = str(tokens)
    # The working directory is tmp_path so that no .env file names a key file.
    result = subprocess.run(
        [sys.executable, "-m", "fairway.cli", command], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "fairway: FAIRWAY_ENCRYPTION_KEY_FILE is required: payloads in Temporal are encrypted and "
        "there is no default key (see docs/operations.md, 'Encryption keys')"
    ]
