"""The `fairway` command: `fairway dev` runs everything locally; `worker` and `api` run one part."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer

from fairway.logging import configure_logging
from fairway.settings import get_settings

app = typer.Typer(help="Fairway: clinical-negligence claims as durable workflows.", no_args_is_help=True)


@app.command()
def worker() -> None:
    """Run a worker against the configured Temporal cluster and register database."""
    from worker import run_worker

    configure_logging()
    asyncio.run(run_worker(get_settings()))


@app.command()
def api() -> None:
    """Serve the HTTP API against the configured Temporal cluster and register database."""
    import uvicorn

    from api.app import create_app

    configure_logging()
    settings = get_settings()
    uvicorn.run(
        create_app(settings),
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
    for process in reversed(processes):
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@app.command()
def dev() -> None:
    """Start the Temporal dev server (data/temporal.db, UI on :8233), the worker and the API."""
    from api.auth import DEV_TOKENS, write_dev_tokens
    from fairway import db
    from fairway.devserver import start_dev_args, wait_for_port

    configure_logging()
    settings = get_settings()
    data = Path(settings.data_dir)
    data.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("FAIRWAY_TOKEN_FILE", str(write_dev_tokens(data / "dev-tokens.json")))
    env.setdefault("FAIRWAY_DATABASE_URL", settings.database_url)

    port = int(settings.temporal_address.rsplit(":", 1)[1])
    processes: list[subprocess.Popen] = []
    try:
        # Children get their own process group so a terminal's Ctrl-C reaches only this process,
        # which then stops them in order, once each.
        temporal = subprocess.Popen(
            start_dev_args(data / "temporal.db", port=port, ui_port=settings.ui_port), process_group=0
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
            f"\nFairway is running.\n  API      http://{settings.api_host}:{settings.api_port}/docs\n"
            f"  Temporal http://127.0.0.1:{settings.ui_port}\n  Tokens   "
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
