"""Runtime settings, all from the environment with the FAIRWAY_ prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The clinical coding taxonomy Fairway ships (fairway/clinical_coding.py); an operator's own file
# replaces it without a code change.
SHIPPED_TAXONOMY_FILE = Path(__file__).parent / "taxonomies" / "clinical-coding-2026.1.json"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAIRWAY_", env_file=".env", extra="ignore")

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "fairway"
    temporal_tls: bool = False
    temporal_tls_cert: Path | None = Field(None, description="client certificate for mTLS")
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_api_key: str | None = Field(None, description="Temporal Cloud API key")

    # The worker keeps recently used cases in memory between tasks; one evicted is replayed
    # from its history on its next task. The cache holds as many as the budget allows at the
    # measured cost of a cached claim (bench/results/scale.md).
    worker_memory_budget_mib: float = Field(512, description="memory for the worker's cache of cases")
    worker_memory_per_case_mib: float = Field(0.15, description="measured worker memory per cached case")
    worker_workflow_cache: int | None = Field(None, description="cases cached; unset: budget / per case")

    @property
    def cached_cases(self) -> int:
        if self.worker_workflow_cache is not None:
            return self.worker_workflow_cache
        return max(1, int(self.worker_memory_budget_mib / self.worker_memory_per_case_mib))

    # A case's next workflow task goes first to the worker caching it, and waits there this long
    # before any worker may take it, from the case's whole history. A burst (thousands of
    # deadlines due at one instant) queues minutes deep on one worker: Temporal's 10 s then hands
    # most of the burst on, to be replayed, doubling its cost (bench/results/deadlines-10000.md). A
    # worker that dies without stopping leaves the tasks already queued for it waiting this long.
    worker_sticky_wait_seconds: float = Field(300, gt=0, description="a task's wait for its case's worker")

    # An action or a read waits this long for a worker's answer, then gets 503 no_worker.
    worker_wait_seconds: float = Field(10.0, gt=0, description="how long the API waits for a worker")

    database_url: str = "sqlite:///data/fairway.db"
    token_file: Path | None = Field(None, description="JSON file mapping bearer tokens to actors")
    # Each team's supervisor and head of service (fairway/escalation_contacts.py); a team the file
    # leaves out keeps its deadline policy's contacts.
    escalation_contacts_file: Path | None = Field(None, description="JSON file of each team's contacts")
    policy: str = Field("standard", description="deadline policy name given to new cases")
    clinical_coding_file: Path = Field(SHIPPED_TAXONOMY_FILE, description="JSON clinical coding taxonomy")
    # Scorecards, statistics and research extracts hide counts from 1 to this less one, and enough
    # other cells that they cannot be worked back (models/disclosure.py suppress_small_counts).
    suppress_counts_below: int = Field(5, ge=2, le=100, description="the smallest count published")

    # Every payload in Temporal is encrypted with the key file's current key (fairway/keys.py);
    # the Web UI at the origin below may ask the API's codec endpoint to decode them.
    encryption_key_file: Path | None = Field(None, description="JSON key file encrypting payloads")
    codec_cors_origin: str = Field("http://127.0.0.1:8233", description="the Temporal Web UI's origin")
    # A browser signed in at /session (api/browser_session.py) stays signed in this long.
    session_hours: float = Field(8.0, gt=0, le=168, description="how long a browser sign-in lasts")

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # The largest request Fairway takes: the largest real body (an opening with its 10,000
    # characters of allegations) is a small fraction of it.
    max_request_body_bytes: int = Field(1_048_576, ge=1_024, description="larger bodies get 413")
    data_dir: Path = Path("data")
    # Research extracts leave the register as files (fairway/research_extracts.py), one directory
    # each, readable by their owner only; unset, they go under the data directory.
    extracts_dir: Path = Field(None, validate_default=True, description="where research extracts are written")
    ui_port: int = 8233

    # The worker's /metrics (fairway/worker_metrics.py): Fairway's figures and, read from the
    # SDK's own endpoint on the loopback interface, the Temporal SDK's.
    worker_metrics_host: str = Field("127.0.0.1", description="address the worker's /metrics binds")
    worker_metrics_port: int | None = Field(9464, ge=0, description="unset: the worker serves no metrics")
    worker_sdk_metrics_port: int = Field(9465, ge=1, description="the SDK's endpoint, on 127.0.0.1 only")

    # Traces go to an OpenTelemetry collector over OTLP/HTTP when this (or the standard
    # OTEL_EXPORTER_OTLP_ENDPOINT) is set; unset, no tracing is installed (fairway/tracing.py).
    otel_exporter_otlp_endpoint: str | None = Field(None, description="e.g. http://collector:4318")

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "fairway@localhost"
    # A worker that dies while sending notifications holds them from the others this long
    # (activities/notifications.py LEASE when unset): keep it well above the relay's 10 s timeout.
    outbox_lease_seconds: float | None = Field(None, gt=0, description="a dead worker's hold on its outbox")

    @field_validator(
        "token_file",
        "escalation_contacts_file",
        "encryption_key_file",
        "temporal_tls_cert",
        "temporal_tls_key",
        "temporal_tls_ca",
        "worker_workflow_cache",
        "worker_metrics_port",
        "otel_exporter_otlp_endpoint",
        "outbox_lease_seconds",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value):
        return None if value == "" else value

    @field_validator("extracts_dir", mode="before")
    @classmethod
    def _empty_is_under_the_data_dir(cls, value, info: ValidationInfo):
        if value is None or value == "":
            return Path(info.data.get("data_dir", "data")) / "extracts"
        return value

    @field_validator("clinical_coding_file", mode="before")
    @classmethod
    def _empty_is_shipped(cls, value):
        return SHIPPED_TAXONOMY_FILE if value == "" else value


@lru_cache
def get_settings() -> Settings:
    return Settings()
