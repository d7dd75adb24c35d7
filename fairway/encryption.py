"""Payloads encrypted with AES-256-GCM before they reach Temporal, by case tier.

Temporal keeps every payload of a case (its opening, each action, every answer) in its history
for as long as the case lives; encrypted, the history shows its shape but none of its personal
data. Each payload names the key that wrote it in its metadata, so a payload written before a
rotation still decrypts with the key it names.

Advice cases are confidential to advice roles even from claims supervisors, who may decode
claim payloads in the Web UI. The codec cannot read a payload's case, but the SDK tells it the
workflow a payload belongs to (its serialization context), and a workflow id starts with its
case kind: so a payload of an advice-tier case is encrypted with that tier's key (a key id
such as `advice/k2`), and the codec endpoint decodes it only for roles that may read advice.
A payload whose workflow cannot be told is encrypted as advice: the safe side.

Each tier's key is derived from the key file's key with HKDF, so the file stays one list of
keys; the key id is the authenticated data, so a payload relabelled with another tier's id
fails to decrypt rather than decoding for the wrong readers.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext

from fairway.keys import KeyRing, derived_cipher
from models.access import ACCESS, Tier
from models.common import CaseKind

ENCRYPTED = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
KINDS = {kind.value for kind in CaseKind}
TIERS = {tier.value for tier in Tier}


class PayloadKeyError(ValueError):
    """A payload this codec cannot decrypt: its key is not in the key file, or it was altered."""


def tier_of_workflow(workflow_id: str | None) -> Tier:
    """The tier of the case a workflow runs (`advice-ADV-…` is an advice case); advice when unknown."""
    kind = (workflow_id or "").split("-", 1)[0]
    if kind in KINDS:
        return ACCESS[CaseKind(kind)].tier
    return Tier.ADVICE


def tier_of_context(context: SerializationContext) -> Tier:
    """The tier of the workflow the SDK says a payload belongs to (advice when it names none)."""
    return tier_of_workflow(getattr(context, "workflow_id", None))


def payload_tier(payload: Payload) -> Tier | None:
    """The tier an encrypted payload was written for, None if it is not encrypted."""
    if payload.metadata.get("encoding") != ENCRYPTED:
        return None
    tier, _, _ = payload.metadata.get(KEY_ID, b"").decode(errors="replace").partition("/")
    return Tier(tier) if tier in TIERS else Tier.ADVICE


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """Encrypts for one tier (advice until the SDK names the workflow); decrypts any tier."""

    def __init__(self, keys: KeyRing, tier: Tier = Tier.ADVICE, _ciphers=None, _tiers=None) -> None:
        self.keys, self.tier = keys, tier
        # Derived once per key and tier, and shared by this codec's other tiers.
        self._ciphers: dict[str, AESGCM] = _ciphers or {
            f"{t.value}/{key_id}": derived_cipher(key, f"payloads/{t.value}")
            for key_id, key in keys.keys.items()
            for t in Tier
        }
        self._tiers: dict[Tier, EncryptionCodec] = _tiers if _tiers is not None else {}
        self._tiers[tier] = self

    def for_tier(self, tier: Tier) -> EncryptionCodec:
        return self._tiers.get(tier) or EncryptionCodec(self.keys, tier, self._ciphers, self._tiers)

    def with_context(self, context: SerializationContext) -> EncryptionCodec:
        return self.for_tier(tier_of_context(context))

    @property
    def key_id(self) -> str:
        return f"{self.tier.value}/{self.keys.current}"

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.key_id.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.key_id].encrypt(nonce, payload.SerializeToString(), key_id)
        return Payload(metadata={"encoding": ENCRYPTED, KEY_ID: key_id}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCRYPTED:
            return payload  # never encrypted: nothing here to open
        key_id = payload.metadata.get(KEY_ID, b"")
        cipher = self._ciphers.get(key_id.decode(errors="replace"))
        if cipher is None:
            raise PayloadKeyError(
                f"payload encrypted with key {key_id.decode(errors='replace')[:80]!r}, which the key "
                f"file does not hold (it holds {', '.join(sorted(self.keys.keys))}): add that key back"
            )
        try:
            opened = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], key_id)
        except InvalidTag:
            raise PayloadKeyError(
                f"payload with key {key_id.decode()!r} does not decrypt: altered, or another key by that id"
            ) from None
        return Payload.FromString(opened)
