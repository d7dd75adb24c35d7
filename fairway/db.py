"""The register's engine, sessions and migrations (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Insert, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fairway.private_files import create_private_file, private_dir

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use psycopg 3 for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """A database URL as a log line may show it: never its password."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    if parsed.database and parsed.database != ":memory:" and "uri" not in parsed.query:
        # The register holds case data: made readable by its owner only before SQLite opens it
        # (SQLite takes an empty file for a new database, and gives -wal and -shm its mode).
        register = Path(parsed.database)
        private_dir(register.parent)
        create_private_file(register)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        # WAL lets the API read while the worker writes; the busy timeout rides out the
        # brief write lock instead of failing the activity.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


class Sessions:
    """Sessions on the register. `sessions()` reads; `sessions.begin()` writes in a transaction.

    SQLite has one writer at a time, and a thread that finds the database locked sleeps in
    growing steps before it tries again; under a burst (a thousand deadlines falling due at
    once) those sleeps, not the writes, made up most of the time. So on SQLite the worker's
    writers take turns on a lock in the process instead. PostgreSQL needs no such thing.
    """

    def __init__(self, engine: Engine) -> None:
        self._maker = sessionmaker(engine, expire_on_commit=False)
        self._writer = threading.Lock() if engine.dialect.name == "sqlite" else None

    def __call__(self) -> Session:
        return self._maker()

    @property
    def engine(self) -> Engine:
        return self._maker.kw["bind"]

    def shown_url(self) -> str:
        """The register's URL as a log line or an error may show it: never its password."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with self._writer or contextlib.nullcontext(), self._maker.begin() as session:
            yield session


def session_factory(engine: Engine) -> Sessions:
    return Sessions(engine)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the register schema to the latest migration; safe to run on every start."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # The worker and the API both migrate on start: one at a time.
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7243001)")
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def dialect_insert(session: Session, table):
    """An INSERT that supports ON CONFLICT on both SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def insert_if_new(session: Session, table: Table, key: Sequence[str]) -> Insert:
    """INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id, for the session's dialect; execute
    it with one row's values. A row that was already there returns nothing."""
    return _insert_if_new(session.get_bind().dialect.name, table, tuple(key))


@functools.cache
def _insert_if_new(dialect: str, table: Table, key: tuple[str, ...]) -> Insert:
    # Built once: in a burst of escalations, building the statement for every row took three
    # times as long as running it.
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=list(key)).returning(table.c.id)


def upsert_if_newer(
    session: Session, table: Table, key: Sequence[str] = ("ref",), newer_by: str = "version"
) -> Insert:
    """INSERT ... ON CONFLICT (key) DO UPDATE every other column, but only over a row whose
    `newer_by` count is lower (a late retry of an old projection never rolls a row back); execute
    it with a row's values, every column given, or a list of rows. For one row, its result's
    rowcount says whether the row was written."""
    return _upsert_if_newer(session.get_bind().dialect.name, table, tuple(key), newer_by)


@functools.cache
def _upsert_if_newer(dialect: str, table: Table, key: tuple[str, ...], newer_by: str) -> Insert:
    # Built once, like _insert_if_new: building it for each projection cost more worker CPU than
    # running it (a third of a claim's opening, measured with py-spy).
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    newer = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in key}
    return statement.on_conflict_do_update(
        index_elements=list(key), set_=newer, where=table.c[newer_by] < statement.excluded[newer_by]
    )


class GroupCommit:
    """Writers that arrive together share one transaction (a group commit).

    A burst of activities (a thousand escalations falling due at one instant) would otherwise
    pay for a thousand commits one after another. Each caller's work still runs exactly once
    per attempt: the first to arrive leads and commits for everyone waiting; if the shared
    transaction fails, each piece of work is tried again in a transaction of its own, so one
    bad row never fails its neighbours.
    """

    def __init__(self, sessions: Sessions, max_batch: int = 200) -> None:
        self.sessions, self.max_batch = sessions, max_batch
        self._lock = threading.Lock()
        self._queue: list[_Work] = []
        self._leading = False

    def run(self, work):
        item = _Work(work)
        with self._lock:
            self._queue.append(item)
            lead, self._leading = not self._leading, True
        if lead:
            self._drain()
        item.done.wait()
        if item.error is not None:
            raise item.error
        return item.result

    def _drain(self) -> None:
        while True:
            with self._lock:
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                if not batch:
                    self._leading = False
                    return
            try:
                with self.sessions.begin() as session:
                    results = [item.work(session) for item in batch]
                for item, result in zip(batch, results, strict=True):
                    item.result = result
            except Exception:
                for item in batch:
                    item.run_alone(self.sessions)
            for item in batch:
                item.done.set()


class _Work:
    def __init__(self, work) -> None:
        self.work, self.result, self.error = work, None, None
        self.done = threading.Event()

    def run_alone(self, sessions: Sessions) -> None:
        try:
            with sessions.begin() as session:
                self.result = self.work(session)
        except Exception as error:  # handed to the waiting activity, which Temporal retries
            self.error = error
