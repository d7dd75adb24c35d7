"""The one way Fairway connects to Temporal: always with the pydantic data converter."""

from __future__ import annotations

from temporalio.client import Client, TLSConfig
from temporalio.runtime import Runtime

from fairway import tracing
from fairway.converter import converter_for
from fairway.settings import Settings
from models import search_attributes


def search_attribute_flags() -> list[str]:
    """`--search-attribute Name=Type` arguments for `temporal server start-dev`."""
    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}
    flags = []
    for key in search_attributes.ALL:
        flags += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    return flags


def _tls(settings: Settings) -> bool | TLSConfig:
    if settings.temporal_tls_cert or settings.temporal_tls_ca:
        return TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes() if settings.temporal_tls_cert else None,
            client_private_key=settings.temporal_tls_key.read_bytes() if settings.temporal_tls_key else None,
            server_root_ca_cert=settings.temporal_tls_ca.read_bytes() if settings.temporal_tls_ca else None,
        )
    return settings.temporal_tls or bool(settings.temporal_api_key)


async def connect(
    settings: Settings, *, runtime: Runtime | None = None, service: str = "fairway-api"
) -> Client:
    """`runtime`: the worker's, which serves the SDK's metrics; `service`: the name its traces
    carry, when tracing is configured."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        api_key=settings.temporal_api_key,
        tls=_tls(settings),
        data_converter=converter_for(settings),
        interceptors=tracing.interceptors(settings, service),
        runtime=runtime,
    )
