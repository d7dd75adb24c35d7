"""The `fairway` command: `fairway dev` runs everything locally; `worker` and `api` run one part."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from fairway.logging import configure_logging
from fairway.settings import get_settings

app = typer.Typer(help="Fairway: clinical-negligence claims as durable workflows.", no_args_is_help=True)


@contextmanager
def _settings_files_checked() -> Iterator[None]:
    """A token, key, contacts or taxonomy file that is missing or cannot be used stops the command
    with its one-line reason (naming the file and the entry), not a traceback."""
    from api.token_file import TokenFileError
    from fairway.clinical_coding import TaxonomyFileError
    from fairway.escalation_contacts import ContactsFileError
    from fairway.keys import KeyFileError

    try:
        yield
    except (TokenFileError, KeyFileError, ContactsFileError, TaxonomyFileError) as err:
        typer.echo(f"fairway: {err}", err=True)
        raise typer.Exit(2) from None


@app.command()
def worker() -> None:
    """Run a worker against the configured Temporal cluster and register database."""
    from fairway.clinical_coding import current_taxonomy
    from fairway.keys import key_ring
    from worker import escalation_contacts, run_worker

    configure_logging()
    with _settings_files_checked():
        key_ring(get_settings())
        escalation_contacts(get_settings())
        current_taxonomy(get_settings())
    asyncio.run(run_worker(get_settings()))


@app.command()
def api() -> None:
    """Serve the HTTP API against the configured Temporal cluster and register database."""
    import uvicorn

    from api.app import create_app
    from fairway.startup import register_when_ready, temporal_when_ready

    configure_logging()
    settings = get_settings()
    with _settings_files_checked():
        application = create_app(settings)

    async def dependencies() -> None:
        await register_when_ready(settings.database_url)
        await temporal_when_ready(settings)

    # Before the server takes its port: until then a SIGTERM simply ends the wait.
    asyncio.run(dependencies())
    uvicorn.run(
        application,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
    )


@app.command()
def migrate() -> None:
    """Apply the register's migrations."""
    from fairway import db

    db.migrate(get_settings().database_url)


@app.command()
def docs() -> None:
    """Regenerate the documentation pages generated from the pathway tables."""
    from fairway.docs import write_docs

    for path in write_docs():
        typer.echo(f"wrote {path}")


def _stop(processes: list[subprocess.Popen]) -> None:
    """Stop the API, then the worker, then Temporal, each given time to finish cleanly."""
    from fairway.devserver import stop

    for process in reversed(processes):
        stop(process, signal.SIGINT)


def _interrupt(_signal: int, _frame) -> None:
    raise KeyboardInterrupt


@app.command()
def dev() -> None:
    """Start the Temporal dev server (data/temporal.db, UI on :8233), the worker and the API."""
    from api.auth import DEV_TOKENS, Directory, write_dev_tokens
    from fairway import db
    from fairway.devserver import codec_endpoint_flags, ports_taken, start_dev_args, wait_for_port
    from fairway.keys import read_key_file, write_dev_keys
    from fairway.private_files import private_dir, start_owner_only

    configure_logging()
    settings = get_settings()
    data = private_dir(Path(settings.data_dir))
    env = dict(os.environ)
    env.setdefault("FAIRWAY_TOKEN_FILE", str(write_dev_tokens(data / "dev-tokens.json")))
    if env["FAIRWAY_TOKEN_FILE"]:
        # A file of the user's own is checked before Temporal starts, not when the API fails later.
        with _settings_files_checked():
            Directory.load(Path(env["FAIRWAY_TOKEN_FILE"]))
    env.setdefault("FAIRWAY_DATABASE_URL", settings.database_url)
    keys = settings.encryption_key_file or write_dev_keys(data / "encryption-keys.json")
    with _settings_files_checked():
        read_key_file(keys)
    env["FAIRWAY_ENCRYPTION_KEY_FILE"] = str(keys)
    env.setdefault("FAIRWAY_CODEC_CORS_ORIGIN", f"http://127.0.0.1:{settings.ui_port}")
    codec_flags = codec_endpoint_flags(settings)

    port = int(settings.temporal_address.rsplit(":", 1)[1])
    ports = {"Temporal": port, "Temporal Web UI": settings.ui_port, "API": settings.api_port}
    if settings.worker_metrics_port is not None:
        ports["worker metrics"] = settings.worker_metrics_port
        ports["Temporal SDK metrics"] = settings.worker_sdk_metrics_port
    taken = ports_taken(ports)
    if taken:
        in_use = ", port ".join(taken)
        typer.echo(f"fairway: already in use: port {in_use}; is Fairway running already?", err=True)
        raise typer.Exit(1)
    # A SIGTERM (a service manager, `kill`) stops everything as Ctrl-C does, children included.
    # SIGINT is set explicitly too: started as a background job of a script, the process
    # inherits SIGINT ignored, and Ctrl-C's signal would never stop it.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    processes: list[subprocess.Popen] = []
    try:
        # Children get their own process group so a terminal's Ctrl-C reaches only this process,
        # which then stops them in order, once each.
        temporal = start_owner_only(
            start_dev_args(data / "temporal.db", port=port, ui_port=settings.ui_port, extra=codec_flags),
            process_group=0,
        )
        processes.append(temporal)
        try:
            wait_for_port(port, temporal)
        except (RuntimeError, TimeoutError) as err:
            raise SystemExit(f"the Temporal dev server did not start: {err}") from err
        db.migrate(env["FAIRWAY_DATABASE_URL"])
        fairway = [sys.executable, "-m", "fairway.cli"]
        processes.append(subprocess.Popen([*fairway, "worker"], env=env, process_group=0))
        processes.append(subprocess.Popen([*fairway, "api"], env=env, process_group=0))
        typer.echo(
            f"\nFairway is running.\n  Console  http://{settings.api_host}:{settings.api_port}/console\n"
            f"  API      http://{settings.api_host}:{settings.api_port}/docs\n"
            f"  Temporal http://127.0.0.1:{settings.ui_port} (decoded for a supervisor signed in at "
            f"http://{settings.api_host}:{settings.api_port}/session)\n  Tokens   "
            + ", ".join(f"{t} ({e['role']})" for t, e in DEV_TOKENS.items())
            + f"\nCtrl-C stops all three; cases are kept in {data}/.\n"
        )
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        typer.echo("a Fairway process exited; stopping the others", err=True)
    except KeyboardInterrupt:
        typer.echo("\nstopping Fairway…")
    finally:
        _stop(processes)


if __name__ == "__main__":
    app()
