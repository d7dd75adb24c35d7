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
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)

from fairway.encryption import EncryptionCodec, tier_of_context
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
    encryption tier (FairwayDataConverter keeps one converter, so one codec, per tier)."""

    def __init__(self, encryption: EncryptionCodec) -> None:
        self.compression, self.encryption = CompressionCodec(), encryption

    def with_context(self, context: SerializationContext) -> FairwayCodec:
        return FairwayCodec(self.encryption.with_context(context))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.encryption.encode(await self.compression.encode(payloads))

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return await self.compression.decode(await self.encryption.decode(payloads))


class SharedPayloadConverter(PydanticPayloadConverter):
    """Pydantic's payload converter, built once. The SDK builds a data converter, and with it a
    new payload converter, twice for every workflow activation (its command-aware converter),
    only to set it aside: building pydantic's converter each time was a tenth of the worker's
    CPU per opening. It holds nothing but its type adapters, so one serves them all."""

    _shared: SharedPayloadConverter | None = None

    def __new__(cls) -> SharedPayloadConverter:
        if cls._shared is None:
            cls._shared = super().__new__(cls)
            PydanticPayloadConverter.__init__(cls._shared)
        return cls._shared

    def __init__(self) -> None:
        pass  # built once, in __new__


@dataclasses.dataclass(frozen=True)
class FairwayDataConverter(DataConverter):
    """A data converter whose only context is the encryption tier of the payload's workflow: so
    one converter per tier, kept, rather than a copy made (and its payload converter built) for
    every payload of every activation."""

    _per_tier: dict = dataclasses.field(default_factory=dict, init=False, repr=False, compare=False)

    def with_context(self, context: SerializationContext) -> DataConverter:
        tier = tier_of_context(context)
        converter = self._per_tier.get(tier)
        if converter is None:
            converter = self._per_tier[tier] = super().with_context(context)
        return converter


def data_converter(keys: KeyRing) -> DataConverter:
    """The one way Fairway's payloads are written to and read from Temporal."""
    return FairwayDataConverter(
        payload_converter_class=SharedPayloadConverter,
        payload_codec=FairwayCodec(EncryptionCodec(keys)),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def converter_for(settings: Settings) -> DataConverter:
    return data_converter(key_ring(settings))
