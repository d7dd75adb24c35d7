"""The one data converter between Fairway and Temporal: pydantic models as JSON, larger
payloads compressed, and every payload then encrypted (fairway/encryption.py).

A case's history holds every payload it was given or produced for as long as it lives (years,
for a claim), and so does every cached case's copy in the worker. JSON of a case's projection
or opening shrinks to about two fifths under zlib; a payload too small to gain is left
uncompressed. Compression comes first since ciphertext does not compress. Failures carry their
message and stack trace in an encoded payload too: a failure's message can quote a case's data.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)

from fairway.encryption import EncryptionCodec
from fairway.keys import KeyRing, key_ring
from fairway.settings import Settings

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


class FairwayCodec(PayloadCodec, WithSerializationContext):
    """Compress, then encrypt; decode in reverse. The workflow a payload belongs to picks its
    encryption tier."""

    def __init__(self, encryption: EncryptionCodec) -> None:
        self.compression, self.encryption = CompressionCodec(), encryption

    def with_context(self, context: SerializationContext) -> FairwayCodec:
        return FairwayCodec(self.encryption.with_context(context))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.encryption.encode(await self.compression.encode(payloads))

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.compression.decode(await self.encryption.decode(payloads))


def data_converter(keys: KeyRing) -> DataConverter:
    """The one way Fairway's payloads are written to and read from Temporal."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=FairwayCodec(EncryptionCodec(keys)),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def converter_for(settings: Settings) -> DataConverter:
    return data_converter(key_ring(settings))
