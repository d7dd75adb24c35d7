"""Files holding tokens or case data, and the data directory, are created readable by their owner
only: the dev token file, the register's SQLite files and Temporal's dev database."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

from sqlalchemy import text

from api.auth import DEV_TOKENS, Directory, write_dev_tokens
from fairway import db
from fairway.private_files import create_private_file, private_dir, start_owner_only


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_directory_is_the_owners_alone(tmp_path):
    assert mode(private_dir(tmp_path / "a" / "data")) == 0o700


def test_an_existing_directory_keeps_its_mode(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    assert mode(private_dir(shared)) == 0o755


def test_a_private_file_is_created_0600_and_never_overwritten(tmp_path):
    path = tmp_path / "secret"
    assert create_private_file(path, "first")
    assert not create_private_file(path, "second")
    assert mode(path) == 0o600 and path.read_text() == "first"


def test_the_dev_token_file_and_its_directory(tmp_path):
    path = write_dev_tokens(tmp_path / "data" / "dev-tokens.json")
    assert (mode(path.parent), mode(path)) == (0o700, 0o600)
    assert Directory.load(path).actor_for("dev-handler").id == DEV_TOKENS["dev-handler"]["actor"]


def test_the_dev_token_file_is_kept_when_it_exists(tmp_path):
    path = tmp_path / "dev-tokens.json"
    path.write_text("{}")
    write_dev_tokens(path)
    assert path.read_text() == "{}"


def test_the_register_sqlite_files_and_their_directory(tmp_path):
    register = tmp_path / "data" / "fairway.db"
    engine = db.make_engine(f"sqlite:///{register}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE probe (id INTEGER)"))
            wal_files = [register.with_name(register.name + suffix) for suffix in ("-wal", "-shm")]
            assert all(f.exists() for f in wal_files)
            assert [mode(f) for f in (register, *wal_files)] == [0o600] * 3
    finally:
        engine.dispose()
    assert mode(register.parent) == 0o700


def test_the_temporal_dev_server_creates_its_files_for_its_owner_only(tmp_path):
    # The dev server is started like this; a child that creates a file stands in for it.
    created = tmp_path / "temporal.db"
    child = start_owner_only([sys.executable, "-c", f"open({str(created)!r}, 'w').close()"])
    assert child.wait(timeout=30) == 0
    assert mode(created) == 0o600
