"""`fairway dev` (what `make run` runs) starts Temporal, the worker and the API; stops all three
on Ctrl-C or SIGTERM; refuses to start over ports in use; keeps every case across a restart;
keeps its files readable by their owner only; and wires the Web UI to the API's codec endpoint,
through which the `temporal` CLI reads a case decoded for a supervisor."""

from __future__ import annotations

import base64
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time

import httpx

from fairway.devserver import free_port, temporal_binary
from tests.helpers import opening


def _wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "fairway dev exited early"
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("the API did not come up")


def _start(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fairway.cli", "dev"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(process: subprocess.Popen, how: signal.Signals = signal.SIGINT) -> int:
    process.send_signal(how)
    return process.wait(timeout=60)


def _closed(*ports: int) -> None:
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after stopping"


def _retry(call, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        response = call()
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def _show(workflow_id: str, temporal_port: int, *codec: str) -> str:
    """The case's payloads as the `temporal` CLI gets them (through a codec endpoint if given):
    its JSON output carries each payload's data in base64."""
    args = ["workflow", "show", "-w", workflow_id, "--address", f"127.0.0.1:{temporal_port}", "-o", "json"]
    shown = subprocess.run([temporal_binary(), *args, *codec], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    data = re.findall(r'"data": "([A-Za-z0-9+/=]*)"', shown.stdout)
    return "\n".join(base64.b64decode(d).decode(errors="replace") for d in data)


def _codec_wiring(api_port: int, temporal_port: int, ui_port: int, ref: str) -> None:
    codec = f"http://127.0.0.1:{api_port}/codec"
    ui = httpx.get(f"http://127.0.0.1:{ui_port}/api/v1/settings", timeout=10).json()
    assert ui["Codec"]["Endpoint"] == codec
    preflight = {"Origin": f"http://127.0.0.1:{ui_port}", "Access-Control-Request-Method": "POST"}
    assert httpx.options(f"{codec}/decode", headers=preflight).status_code == 200
    name = opening()["claimant"]["name"]
    assert name not in _show(f"claim-{ref}", temporal_port)
    supervisor = ["--codec-endpoint", codec, "--codec-auth", "Bearer dev-supervisor"]
    assert name in _show(f"claim-{ref}", temporal_port, *supervisor)


def test_fairway_dev_runs_stops_and_keeps_cases(tmp_path):
    api_port, temporal_port, ui_port, metrics_port = free_port(), free_port(), free_port(), free_port()
    env = dict(os.environ) | {
        "FAIRWAY_DATA_DIR": str(tmp_path),
        "FAIRWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'fairway.db'}",
        "FAIRWAY_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "FAIRWAY_UI_PORT": str(ui_port),
        "FAIRWAY_API_PORT": str(api_port),
        # The worker's metrics too, so two runs on one machine never reach for the same port.
        "FAIRWAY_WORKER_METRICS_PORT": str(metrics_port),
        "FAIRWAY_WORKER_SDK_METRICS_PORT": str(free_port()),
    }
    env.pop("FAIRWAY_TOKEN_FILE", None)
    env.pop("FAIRWAY_ENCRYPTION_KEY_FILE", None)
    env.pop("FAIRWAY_CODEC_CORS_ORIGIN", None)
    url, handler = f"http://127.0.0.1:{api_port}", {"Authorization": "Bearer dev-handler"}

    process = _start(env)
    try:
        _wait_healthy(url, process)
        opened = _retry(lambda: httpx.post(f"{url}/claims", json=opening(), headers=handler, timeout=30))
        assert opened.status_code == 201, opened.text
        ref = opened.json()["state"]["ref"]
        private = ("temporal.db", "temporal.db-wal", "dev-tokens.json", "fairway.db", "fairway.db-wal")
        private += ("encryption-keys.json",)
        assert {name: stat.S_IMODE((tmp_path / name).stat().st_mode) for name in private} == dict.fromkeys(
            private, 0o600
        )
        figures = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).text
        assert "fairway_temporal_sdk_metrics_up 1.0" in figures and "temporal_request_total" in figures
        _codec_wiring(api_port, temporal_port, ui_port, ref)
        # A second `fairway dev` names the ports in use and starts nothing.
        second = subprocess.run(
            [sys.executable, "-m", "fairway.cli", "dev"], env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1 and f"port {temporal_port} (Temporal)" in second.stderr, second.stderr
        assert f"port {api_port} (API)" in second.stderr
    finally:
        assert _stop(process) == 0
    _closed(api_port, temporal_port, metrics_port)

    process = _start(env)
    try:
        _wait_healthy(url, process)
        again = _retry(lambda: httpx.get(f"{url}/claims/{ref}", headers=handler, timeout=30))
        assert again.status_code == 200 and again.json()["state"]["ref"] == ref
        noted = _retry(
            lambda: httpx.post(
                f"{url}/claims/{ref}/add-note", json={"text": "after restart"}, headers=handler, timeout=30
            )
        )
        assert noted.status_code == 200, noted.text
    finally:
        # A service manager's SIGTERM stops all three as Ctrl-C does.
        assert _stop(process, signal.SIGTERM) == 0
    _closed(api_port, temporal_port, ui_port)
