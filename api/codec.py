"""The codec endpoint: Temporal's remote codec protocol, for the Web UI and `temporal --codec-endpoint`.

POST /codec/decode and /codec/encode take and return `{"payloads": [...]}`, each payload in
protobuf's JSON form (base64 metadata values and data). Temporal itself never sees a key: the
Web UI and the CLI send the payloads they show here, with the signed-in person's bearer token
or, from a browser signed in at /session, its session cookie (api/browser_session.py).

Who sees what: decoding is for people who oversee cases (supervisors, advice supervisors,
auditors, admins), and each payload decodes only for those who may read its tier (its key id
says which: fairway/encryption.py), so advice stays confidential to advice roles. A payload
the caller may not read comes back unchanged, as the UI shows any payload it cannot decode; a
caller who may decode nothing is refused outright. Only the Web UI's origin may call it from a
browser (CORS), and the routes are a sub-application so that no other route answers CORS.
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from google.protobuf import json_format
from starlette.middleware.cors import CORSMiddleware
from temporalio.api.common.v1 import Payload, Payloads

from api import errors
from api.auth import Directory
from api.browser_session import SessionSeal
from api.deps import SignedInActor, require
from fairway.converter import FairwayCodec
from fairway.encryption import EncryptionCodec, PayloadKeyError, payload_tier
from fairway.keys import KeyRing
from models.access import Tier
from models.common import Actor, Role

PREFIX = "/codec"
DECODERS = frozenset({Role.SUPERVISOR, Role.ADVICE_SUPERVISOR, Role.AUDITOR, Role.ADMIN})
# What the Web UI sends: its JSON, its namespace, and, when it passes one, the user's token.
UI_HEADERS = ["Authorization", "Authorization-Extras", "Content-Type", "X-Namespace"]


def may_decode(role: Role, tier: Tier) -> bool:
    return role in DECODERS and role in tier.readers


def writing_tier(role: Role) -> Tier:
    """What a caller encodes is encrypted for the most confidential tier they read: text from
    someone who reads advice may be advice."""
    return Tier.ADVICE if role in Tier.ADVICE.readers else Tier.CLAIMS


async def _payloads(request: Request) -> list[Payload]:
    try:
        return list(json_format.Parse(await request.body(), Payloads(), ignore_unknown_fields=True).payloads)
    except json_format.ParseError as err:
        raise errors.ApiError(400, "invalid_payloads", f"expected {{'payloads': [...]}}: {err}") from None


def _answer(payloads: list[Payload]) -> Response:
    return Response(json_format.MessageToJson(Payloads(payloads=payloads)), media_type="application/json")


async def _decoded(codec: FairwayCodec, actor: Actor, payload: Payload) -> Payload:
    tier = payload_tier(payload)
    if tier is None or not may_decode(actor.role, tier):
        return payload
    try:
        (decoded,) = await codec.decode([payload])
    except PayloadKeyError as err:
        raise errors.ApiError(422, "payload_key", str(err)) from None
    return decoded


def app(keys: KeyRing, directory: Directory, ui_origin: str, session_seal: SessionSeal) -> FastAPI:
    """The codec routes as their own application, mounted at PREFIX by api/app.py."""
    codec = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    # api.deps reads the caller's token, or their browser's session cookie, against these.
    codec.state.directory, codec.state.session_seal = directory, session_seal
    encryption = EncryptionCodec(keys)
    errors.install(codec)

    @codec.post("/decode")
    async def decode(request: Request, actor: SignedInActor) -> Response:
        require(DECODERS, actor, "decoding payloads")
        payloads = await _payloads(request)
        whole = FairwayCodec(encryption)
        return _answer([await _decoded(whole, actor, p) for p in payloads])

    @codec.post("/encode")
    async def encode(request: Request, actor: SignedInActor) -> Response:
        require(DECODERS, actor, "encoding payloads")
        payloads = await _payloads(request)
        return _answer(await FairwayCodec(encryption.for_tier(writing_tier(actor.role))).encode(payloads))

    codec.add_middleware(
        CORSMiddleware,
        allow_origins=[ui_origin],
        allow_methods=["POST"],
        allow_headers=UI_HEADERS,
        allow_credentials=True,  # the UI may be set to send credentials; the token is what counts
        max_age=600,
    )
    return codec
