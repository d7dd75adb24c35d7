"""docker-compose.yml, Dockerfile and .dockerignore, checked without a Docker engine.

Structural checks keep the deployment in step with the code: the services and how they wait
for each other, the settings the worker and API get (every one a real FAIRWAY_ setting), no
token in the compose file, and exactly the search attributes models/search_attributes.py
names. The one-shot script that registers those attributes is also run for real, twice,
against a bare Temporal dev server.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from api.auth import DEV_TOKENS
from api.metrics import METRICS_PATH
from fairway.devserver import free_port, temporal_binary
from fairway.metrics import FIGURES, exported_samples
from fairway.settings import Settings
from models import search_attributes

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"

FAIRWAY_SERVICES = ("worker", "api")
ONE_SHOT = "service_completed_successfully"
HEALTHY = "service_healthy"

# The `temporal` CLI's names for the SDK's indexed value types.
CLI_TYPE = {
    "KEYWORD": "Keyword",
    "TEXT": "Text",
    "INT": "Int",
    "DOUBLE": "Double",
    "BOOL": "Bool",
    "DATETIME": "Datetime",
    "KEYWORD_LIST": "KeywordList",
}
EXPECTED_ATTRIBUTES = {key.name: CLI_TYPE[key.indexed_value_type.name] for key in search_attributes.ALL}


# --- reading the compose file --------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def env(service: dict) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {key: "" if value is None else str(value) for key, value in raw.items()}


def argv(value) -> list[str]:
    if value is None:
        return []
    return shlex.split(value) if isinstance(value, str) else [str(part) for part in value]


def script(service: dict) -> str:
    """The shell text a one-shot service runs, with Compose's `$$` escapes undone."""
    return " ".join(argv(service.get("entrypoint")) + argv(service.get("command"))).replace("$$", "$")


def depends_on(service: dict) -> dict[str, str | None]:
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw)
    return {name: (spec or {}).get("condition") for name, spec in raw.items()}


def setup_service_name(services: dict) -> str:
    """The one-shot service that registers the search attributes."""
    found = [name for name, svc in services.items() if "search-attribute create" in script(svc)]
    assert found == ["temporal-setup"], f"expected temporal-setup alone to register attributes: {found}"
    return found[0]


def registered_attributes(setup_script: str) -> dict[str, str]:
    """`--name X --type Y` pairs given to `temporal operator search-attribute create`."""
    commands = re.findall(r"search-attribute\s+create\b((?:\\\n|[^\n])*)", setup_script)
    assert commands, "no `temporal operator search-attribute create` in the setup service"
    pairs: dict[str, str] = {}
    for args in commands:
        for name, kind in re.findall(r"--name[ =]\"?(\w+)\"?\s+--type[ =]\"?(\w+)\"?", args):
            assert name not in pairs, f"{name} is registered twice"
            pairs[name] = kind
    return pairs


def published(service: dict) -> list[tuple[str, str]]:
    """(host port, container port) for each `ports:` entry."""
    result = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            result.append((str(entry.get("published")), str(entry["target"])))
        else:
            parts = str(entry).split(":")
            result.append((parts[-2] if len(parts) > 1 else parts[-1], parts[-1]))
    return result


# --- services and their order ---------------------------------------------------------------


def test_the_services_exist(services: dict) -> None:
    expected = {
        "postgresql",
        "temporal",
        "temporal-ui",
        "temporal-setup",
        "worker",
        "api",
        "prometheus",
        "grafana",
    }
    assert expected <= set(services), f"missing: {sorted(expected - set(services))}"


def test_postgresql_keeps_its_data_and_reports_health(compose: dict, services: dict) -> None:
    pg = services["postgresql"]
    assert pg["image"].split(":")[0] == "postgres" and pg["image"].split(":")[1].startswith("16")
    volumes = [str(v).split(":") for v in pg.get("volumes", [])]
    data = [v for v in volumes if v[-1] == "/var/lib/postgresql/data"]
    assert data, "PostgreSQL's data directory is not on a volume"
    assert data[0][0] in (compose.get("volumes") or {}), "use a named volume, declared at the top level"
    assert "pg_isready" in " ".join(argv(pg["healthcheck"]["test"]))


def test_temporal_runs_on_that_postgresql(services: dict) -> None:
    temporal, pg = services["temporal"], env(services["postgresql"])
    image = temporal["image"].split(":")[0]
    assert image in ("temporalio/server", "temporalio/auto-setup")
    e = env(temporal)
    assert e["DB"] == "postgres12"
    assert e["POSTGRES_SEEDS"] == "postgresql"
    assert (e["POSTGRES_USER"], e["POSTGRES_PWD"]) == (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"])
    exposed = [str(p) for p in temporal.get("expose", [])] + [c for _, c in published(temporal)]
    assert "7233" in exposed
    assert temporal.get("healthcheck", {}).get("test"), "temporal needs a healthcheck for its dependants"
    if image == "temporalio/server":
        # The bare server image sets up no schema: a one-shot admin-tools service must, first.
        schema = [name for name, cond in depends_on(temporal).items() if cond == ONE_SHOT]
        assert schema, "temporal must wait for a schema one-shot to complete"
        text = script(services[schema[0]])
        assert services[schema[0]]["image"].startswith("temporalio/admin-tools:")
        assert "temporal-sql-tool" in text and "postgres12" in text
        for db, kind in (
            (e.get("DBNAME", "temporal"), "temporal"),
            (e.get("VISIBILITY_DBNAME", "temporal_visibility"), "visibility"),
        ):
            assert db in text, f"the schema one-shot does not set up database {db}"
            assert f"/schema/postgresql/v12/{kind}/versioned" in text
        assert f"-u {pg['POSTGRES_USER']}" in text


def test_server_and_tool_versions_match(services: dict) -> None:
    versions = {
        svc["image"].split(":")[1]
        for svc in services.values()
        if svc.get("image", "").split(":")[0] in ("temporalio/server", "temporalio/admin-tools")
    }
    assert len(versions) == 1, f"server and admin-tools images differ: {versions}"


def test_temporal_ui_reaches_temporal(services: dict) -> None:
    ui = services["temporal-ui"]
    assert ui["image"].startswith("temporalio/ui")
    assert env(ui)["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert ("8233", "8080") in published(ui)


def test_every_wait_has_something_to_wait_for(services: dict) -> None:
    for name, svc in services.items():
        for dep, condition in depends_on(svc).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            assert condition in (HEALTHY, ONE_SHOT), f"{name} -> {dep} needs a condition, not {condition}"
            if condition == HEALTHY:
                assert services[dep].get("healthcheck"), f"{dep} has no healthcheck for {name} to wait on"
            else:
                restart = services[dep].get("restart", "no")
                assert restart in ("no", "on-failure"), f"one-shot {dep} must not restart ({restart})"


def test_temporal_setup_waits_for_temporal(services: dict) -> None:
    setup = services[setup_service_name(services)]
    assert setup["image"].startswith("temporalio/admin-tools:")
    assert depends_on(setup).get("temporal") == HEALTHY
    assert env(setup).get("TEMPORAL_ADDRESS") == "temporal:7233"


@pytest.mark.parametrize("name", FAIRWAY_SERVICES)
def test_worker_and_api_start_after_everything_they_need(services: dict, name: str) -> None:
    deps = depends_on(services[name])
    assert deps.get("postgresql") == HEALTHY
    assert deps.get("temporal") == HEALTHY
    assert deps.get(setup_service_name(services)) == ONE_SHOT


# --- the Fairway services -------------------------------------------------------------------


@pytest.mark.parametrize("name", FAIRWAY_SERVICES)
def test_worker_and_api_are_built_from_the_dockerfile(services: dict, name: str) -> None:
    build = services[name]["build"]
    context, dockerfile = (
        (build, "Dockerfile")
        if isinstance(build, str)
        else (build.get("context", "."), build.get("dockerfile", "Dockerfile"))
    )
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE
    assert argv(services[name].get("entrypoint")) + argv(services[name]["command"]) == ["fairway", name]


@pytest.mark.parametrize("name", FAIRWAY_SERVICES)
def test_worker_and_api_settings(compose: dict, services: dict, name: str) -> None:
    svc, e = services[name], env(services[name])
    fields = set(Settings.model_fields)
    for key in e:
        assert key.startswith("FAIRWAY_"), f"{name}: {key} is not a Fairway setting"
        assert key.removeprefix("FAIRWAY_").lower() in fields, f"{name}: {key} is not in fairway/settings.py"

    assert e["FAIRWAY_TEMPORAL_ADDRESS"] == "temporal:7233"

    url, pg = make_url(e["FAIRWAY_DATABASE_URL"]), env(services["postgresql"])
    assert url.get_backend_name() == "postgresql"
    assert url.host == "postgresql"
    assert (url.username, url.password, url.database) == (
        pg["POSTGRES_USER"],
        pg["POSTGRES_PASSWORD"],
        pg.get("POSTGRES_DB", pg["POSTGRES_USER"]),
    )

    secrets = [s if isinstance(s, str) else s["source"] for s in svc.get("secrets", [])]
    for setting in ("FAIRWAY_TOKEN_FILE", "FAIRWAY_ENCRYPTION_KEY_FILE"):
        assert e[setting] in {f"/run/secrets/{s}" for s in secrets}, f"{setting} is not a secret"
        secret = compose["secrets"][e[setting].rsplit("/", 1)[1]]
        assert set(secret) == {"file"}, f"{setting} comes from a file the user provides"


def test_the_web_ui_decodes_through_the_api(services: dict) -> None:
    ui, api = env(services["temporal-ui"]), env(services["api"])
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == "http://127.0.0.1:8000/codec"
    assert api["FAIRWAY_CODEC_CORS_ORIGIN"] == "http://127.0.0.1:8233"


def test_the_api_listens_beyond_its_container(services: dict) -> None:
    api = services["api"]
    assert env(api)["FAIRWAY_API_HOST"] == "0.0.0.0"
    port = env(api).get("FAIRWAY_API_PORT", str(Settings.model_fields["api_port"].default))
    assert any(container == port for _, container in published(api))


def test_no_token_in_the_compose_file(compose: dict) -> None:
    text = COMPOSE_FILE.read_text()
    for token in DEV_TOKENS:
        assert token not in text, f"development token {token} in docker-compose.yml"
    assert not re.search(r"sha256:[0-9a-fA-F]{16}", text), "a token hash in docker-compose.yml"
    assert not re.search(r"""(?m)^\s*["']?tokens["']?\s*:|"tokens"\s*:""", text), (
        "a token table in docker-compose.yml"
    )
    for name, svc in compose["services"].items():
        for key in env(svc):
            assert "TOKEN" not in key or key == "FAIRWAY_TOKEN_FILE", f"{name} sets {key}"


# --- search attributes ----------------------------------------------------------------------


def test_every_search_attribute_is_registered_with_its_type(services: dict) -> None:
    setup = script(services[setup_service_name(services)])
    assert registered_attributes(setup) == EXPECTED_ATTRIBUTES


def test_the_attribute_parser_sees_drift() -> None:
    """The check above would notice a missing, extra or retyped attribute."""
    good = (
        "retry temporal operator search-attribute create --namespace x \\\n"
        "  --name Stage --type Keyword \\\n"
        "  --name Overdue --type Bool\n"
        "temporal operator search-attribute list --name Ignored --type Int\n"
    )
    expected = {"Stage": "Keyword", "Overdue": "Bool"}
    assert registered_attributes(good) == expected
    assert registered_attributes(good.replace("Bool", "Keyword")) != expected
    assert registered_attributes(good.replace("  --name Overdue --type Bool", "")) != expected


@pytest.fixture(scope="module")
def bare_temporal() -> Iterator[str]:
    """A Temporal dev server with no custom search attributes registered."""
    port = free_port()
    process = subprocess.Popen(
        [
            temporal_binary(),
            "server",
            "start-dev",
            "--headless",
            "--ip",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(
            [temporal_binary(), "operator", "cluster", "health", "--address", address],
            capture_output=True,
        ).returncode:
            assert process.poll() is None, "the Temporal dev server exited"
            assert time.monotonic() < deadline, "the Temporal dev server did not start"
            time.sleep(0.3)
        yield address
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_the_setup_script_registers_them_on_a_real_server(services: dict, bare_temporal: str) -> None:
    setup = services[setup_service_name(services)]
    shell = argv(setup.get("entrypoint"))
    assert shell[:2] == ["/bin/sh", "-c"], "the setup script is expected to run under /bin/sh -c"
    body = " ".join(argv(setup["command"])).replace("$$", "$")
    temporal_dir = str(Path(temporal_binary()).parent)
    environment = {
        **os.environ,
        **env(setup),
        "TEMPORAL_ADDRESS": bare_temporal,
        "PATH": f"{temporal_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    for attempt in ("first run", "second run: must be idempotent"):
        done = subprocess.run(
            [shutil.which("sh") or "/bin/sh", "-c", body],
            env=environment,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, f"{attempt}: {done.stderr or done.stdout}"

    listed = subprocess.run(
        [
            temporal_binary(),
            "operator",
            "search-attribute",
            "list",
            "--address",
            bare_temporal,
            "--namespace",
            env(setup).get("TEMPORAL_NAMESPACE", "default"),
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    custom = json.loads(listed.stdout)["customAttributes"]
    expected = {
        key.name: f"INDEXED_VALUE_TYPE_{key.indexed_value_type.name}" for key in search_attributes.ALL
    }
    assert {name: custom.get(name) for name in expected} == expected


# --- the image ------------------------------------------------------------------------------


def _instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(
        r"\\\n", " ", "\n".join(line for line in dockerfile.splitlines() if not line.lstrip().startswith("#"))
    )
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def _final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    assert starts, "no FROM in the Dockerfile"
    return instructions[starts[-1] :]


def test_the_image_installs_the_project_and_runs_as_a_user() -> None:
    stage = _final_stage(_instructions(DOCKERFILE.read_text()))
    assert stage[0][1].split()[0] == "python:3.11-slim"

    installs = [args for word, args in stage if word == "RUN" and "pip install" in args]
    assert installs, "the final stage does not pip install anything"
    words = [w.strip("'\"") for w in " ".join(installs).split()]
    assert "-e" not in words and "--editable" not in words, "install the project, not an editable link"
    assert any(
        w in ("fairway", ".") or w.startswith("fairway") for w in words[words.index("install") + 1 :]
    ), "the project itself is not installed"

    users = [args for word, args in stage if word == "USER"]
    assert users, "the image runs as root"
    assert users[-1].split(":")[0] not in ("root", "0"), "the image runs as root"


def test_the_build_context_keeps_what_the_package_needs() -> None:
    patterns = [
        p.strip().rstrip("/")
        for p in DOCKERIGNORE.read_text().splitlines()
        if p.strip() and not p.startswith("#")
    ]

    def ignored(path: str) -> bool:
        verdict = False
        for pattern in patterns:
            negate = pattern.startswith("!")
            if fnmatch.fnmatch(path, pattern.removeprefix("!")):
                verdict = not negate
        return verdict

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = ["pyproject.toml", project["project"]["readme"]]
    needed += [f"{m}.py" for m in project["tool"]["setuptools"].get("py-modules", [])]
    needed += [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    for path in needed:
        assert (ROOT / path).exists(), f"{path} is missing from the repository"
        assert not ignored(path), f".dockerignore drops {path}, which the build needs"
    for path in (".venv", "data", "secrets", ".git"):
        assert ignored(path), f".dockerignore should keep {path} out of the image"


def test_temporal_buffers_as_many_queries_per_case_as_the_dev_server(compose: dict) -> None:
    """Each action's answer is a query right after its update (docs/scale.md): the cluster in
    Compose must allow as many buffered queries per workflow as `fairway dev` does."""
    from fairway.devserver import DYNAMIC_CONFIG

    dev = dict(v.split("=", 1) for v in DYNAMIC_CONFIG[1::2])
    dynamic = yaml.safe_load(compose["configs"]["temporal-dynamic-config"]["content"])
    for key, value in dev.items():
        assert [entry["value"] for entry in dynamic[key]] == [int(value)], key


# --- metrics: Prometheus and Grafana --------------------------------------------------------

WATCHERS = ("prometheus", "grafana")
# A metric's name in PromQL: Fairway's and the SDK's all begin so; `up` is Prometheus's own.
METRIC_NAME = re.compile(r"\b(?:fairway|temporal)_[a-z0-9_]+\b")


def mounted(service: dict, target: str) -> Path:
    """The repository file or directory a service mounts at `target`; it must exist."""
    for volume in service.get("volumes") or []:
        source, _, rest = str(volume).partition(":")
        if rest.split(":")[0] == target:
            path = (ROOT / source).resolve()
            assert source.startswith("./") and path.exists(), f"{source} is mounted but missing"
            return path
    raise AssertionError(f"nothing is mounted at {target}")


def published_port(service: dict, container: str) -> str:
    ports = [host for host, inner in published(service) if inner == container]
    assert ports, f"port {container} is not published"
    return ports[0]


@pytest.fixture(scope="module")
def prometheus_config(services: dict) -> dict:
    prometheus = services["prometheus"]
    flags = dict(arg.split("=", 1) for arg in argv(prometheus.get("command")) if "=" in arg)
    return yaml.safe_load(mounted(prometheus, flags["--config.file"]).read_text())


@pytest.fixture(scope="module")
def grafana_files(services: dict) -> tuple[Path, Path]:
    """Grafana's provisioning directory and the directory holding the dashboards."""
    grafana = services["grafana"]
    provisioning = mounted(grafana, "/etc/grafana/provisioning")
    providers = yaml.safe_load((provisioning / "dashboards" / "fairway.yml").read_text())["providers"]
    [provider] = providers
    return provisioning, mounted(grafana, provider["options"]["path"])


@pytest.fixture(scope="module")
def dashboard(grafana_files: tuple[Path, Path]) -> dict:
    return json.loads((grafana_files[1] / "fairway.json").read_text())


def panel_queries(board: dict) -> list[str]:
    panels = [p for p in board["panels"] if p.get("type") != "row"]
    assert panels, "the dashboard has no panels"
    return [target["expr"] for panel in panels for target in panel["targets"]]


def unknown_metrics(query: str, exported: set[str]) -> set[str]:
    return set(METRIC_NAME.findall(query)) - exported


@pytest.mark.parametrize("name", WATCHERS)
def test_prometheus_and_grafana_are_pinned_and_local(services: dict, name: str) -> None:
    image, _, tag = services[name]["image"].partition(":")
    assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: pin {image} to a version"
    for entry in services[name].get("ports") or []:
        assert str(entry).startswith("127.0.0.1:"), f"{name} publishes {entry} beyond this machine"


def test_prometheus_scrapes_the_api_and_the_worker(services: dict, prometheus_config: dict) -> None:
    jobs = {job["job_name"]: job for job in prometheus_config["scrape_configs"]}
    targets = {name: [t for c in job["static_configs"] for t in c["targets"]] for name, job in jobs.items()}
    api, worker = env(services["api"]), env(services["worker"])
    assert targets["fairway-api"] == [f"api:{api['FAIRWAY_API_PORT']}"]
    assert jobs["fairway-api"].get("metrics_path", "/metrics") == METRICS_PATH

    port = worker["FAIRWAY_WORKER_METRICS_PORT"]
    assert targets["fairway-worker"] == [f"worker:{port}"]
    assert worker["FAIRWAY_WORKER_METRICS_HOST"] == "0.0.0.0", "the worker's /metrics must listen beyond it"
    assert port in [str(p) for p in services["worker"].get("expose", [])]


def test_grafana_reads_that_prometheus(
    services: dict, grafana_files: tuple[Path, Path], dashboard: dict
) -> None:
    provisioning, dashboards = grafana_files
    [source] = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert source["type"] == "prometheus"
    assert source["url"] == f"http://prometheus:{published_port(services['prometheus'], '9090')}"
    uids = {
        target["datasource"]["uid"]
        for panel in dashboard["panels"]
        if panel.get("type") != "row"
        for target in panel["targets"]
    }
    assert uids == {source["uid"]}, "every panel must query the provisioned data source"
    home = env(services["grafana"]).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH", "")
    assert home.rsplit("/", 1)[1] in {p.name for p in dashboards.glob("*.json")}


def test_the_dashboard_charts_only_what_fairway_exports(dashboard: dict) -> None:
    exported = exported_samples()
    for query in panel_queries(dashboard):
        assert METRIC_NAME.search(query) or re.search(r"\bup\{", query), f"no metric in: {query}"
        assert not unknown_metrics(query, exported), f"{query} names metrics nothing exports"


def test_the_dashboard_charts_every_fairway_figure(dashboard: dict) -> None:
    charted = {name for query in panel_queries(dashboard) for name in METRIC_NAME.findall(query)}
    uncharted = [figure.name for figure in FIGURES if not figure.samples & charted]
    assert not uncharted, f"not on the dashboard: {uncharted}"


def test_the_dashboard_check_sees_a_name_nothing_exports() -> None:
    exported = exported_samples()
    assert not unknown_metrics("sum(rate(fairway_http_requests_total[5m]))", exported)
    assert unknown_metrics("sum(rate(fairway_http_requests[5m]))", exported) == {"fairway_http_requests"}
    assert unknown_metrics("temporal_workflow_completed", exported) == {"temporal_workflow_completed"}
