"""The one data converter between Fairway and Temporal: pydantic models as JSON, and larger
payloads compressed.

A case's history holds every payload it was given or produced for as long as it lives (years,
for a claim), and so does every cached case's copy in the worker. JSON of a case's projection
or opening shrinks to about two fifths under zlib; a payload too small to gain is left as
plain JSON, readable in the Web UI as before.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, PayloadCodec

ZLIB = b"binary/zlib"
SMALLEST_COMPRESSED = 256  # bytes of serialized payload; below this the saving is lost in metadata


class CompressionCodec(PayloadCodec):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [compress(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [decompress(p) for p in payloads]


def compress(payload: Payload) -> Payload:
    whole = payload.SerializeToString()
    if len(whole) < SMALLEST_COMPRESSED:
        return payload
    packed = zlib.compress(whole, 6)
    if len(packed) >= len(whole):
        return payload
    return Payload(metadata={"encoding": ZLIB}, data=packed)


def decompress(payload: Payload) -> Payload:
    if payload.metadata.get("encoding") != ZLIB:
        return payload
    return Payload.FromString(zlib.decompress(payload.data))


DATA_CONVERTER: DataConverter = dataclasses.replace(pydantic_data_converter, payload_codec=CompressionCodec())
