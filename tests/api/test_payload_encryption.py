"""Personal data is encrypted in Temporal: a case's raw history (read with no codec) holds none
of its claimant's name, date of birth or allegations, every payload in it is encrypted for its
case's tier, it all decodes through Fairway's codec, search attributes stay plain, and a key
rotation in the middle of a claim's life leaves every event readable."""

from __future__ import annotations

import random
import uuid

import pytest
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter

from fairway.converter import data_converter
from fairway.encryption import ENCRYPTED, KEY_ID, PayloadKeyError
from fairway.keys import KeyRing, fresh_ring
from models import search_attributes
from models.common import CaseKind, case_workflow_id
from tests.access_cases import notification
from tests.advice_paths import CASES, referral
from tests.conftest import running_fairway
from tests.helpers import assert_eventually, auth, key, ok, open_claim, opening

EN_PREFIX = "/early-notifications"
# Payloads that are not Fairway's to encode: visibility's plain search attributes, and the SDK's
# own record of a local activity's attempt (its type, attempt and times, no case data), which
# the SDK's core writes without a codec.
NOT_OURS = (".search_attributes.", ".marker_recorded_event_attributes.details[data].")


def plain_client(client: Client) -> Client:
    """The same connection with no codec: what Temporal holds, as anyone reading it sees it."""
    return Client(**{**client.config(), "data_converter": pydantic_data_converter})


def client_with(client: Client, keys: KeyRing) -> Client:
    return Client(**{**client.config(), "data_converter": data_converter(keys)})


def payloads_in(message: Message, path: str = "") -> list[tuple[str, Payload]]:
    """Every payload anywhere in a history event, with where it is."""
    if isinstance(message, Payload):
        return [(path, message)]
    found: list[tuple[str, Payload]] = []
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            items = [(field.name, value)]
        elif hasattr(value, "keys"):  # a map
            items = [(f"{field.name}[{k}]", v) for k, v in value.items()]
        else:
            items = [(f"{field.name}[{i}]", v) for i, v in enumerate(value)]
        found += [
            hit
            for name, item in items
            if isinstance(item, Message)
            for hit in payloads_in(item, f"{path}.{name}")
        ]
    return found


def ours(path: str) -> bool:
    return not any(part in path for part in NOT_OURS)


async def raw_history(client: Client, workflow_id: str) -> WorkflowHistory:
    return await plain_client(client).get_workflow_handle(workflow_id).fetch_history()


def assert_sealed(history: WorkflowHistory, secrets: list[str], tier: str) -> list[Payload]:
    raw = b"".join(event.SerializeToString() for event in history.events)
    for secret in secrets:
        assert secret.encode() not in raw, f"{secret!r} is readable in Temporal"
    payloads = [p for event in history.events for path, p in payloads_in(event) if ours(path)]
    assert payloads, "the history holds no payloads"
    for payload in payloads:
        assert payload.metadata["encoding"] == ENCRYPTED, payload.metadata
        assert payload.metadata[KEY_ID].decode().startswith(f"{tier}/"), payload.metadata
    return payloads


async def assert_decodes(client: Client, payloads: list[Payload], secrets: list[str]) -> None:
    decoded = await client.data_converter.payload_codec.decode(payloads)
    text = b"".join(p.data for p in decoded)
    for secret in secrets:
        assert secret.encode() in text, f"{secret!r} did not decode"


def claim_secrets() -> tuple[dict, list[str]]:
    name, allegations = f"Claimant {uuid.uuid4().hex[:10]}", f"Missed sepsis {uuid.uuid4().hex}."
    born = f"19{random.randint(40, 99)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}"
    claimant = {"name": name, "date_of_birth": born, "protected_party": False}
    return {"claimant": claimant, "allegations": allegations}, [name, born, allegations]


async def test_a_claims_history_holds_no_personal_data_in_the_clear(fairway):
    body, secrets = claim_secrets()
    ref = (await open_claim(fairway.http, **body))["state"]["ref"]
    note = f"spoke to {body['claimant']['name']}"
    await ok(fairway.http, ref, "add_note", {"text": note})
    workflow_id = case_workflow_id(CaseKind.CLAIM, ref)

    async def sealed() -> list[Payload]:
        history = await raw_history(fairway.client, workflow_id)
        payloads = assert_sealed(history, secrets, "claims")
        await assert_decodes(fairway.client, payloads, [*secrets, note])
        return payloads

    await assert_eventually(sealed)


async def test_search_attributes_stay_plain(fairway):
    ref = (await open_claim(fairway.http))["state"]["ref"]
    handle = plain_client(fairway.client).get_workflow_handle(case_workflow_id(CaseKind.CLAIM, ref))
    found = (await handle.describe()).typed_search_attributes
    assert found.get(search_attributes.CASE_KIND) == "claim"
    assert found.get(search_attributes.HANDLER) == opening()["handler"]
    assert found.get(search_attributes.SCHEME) == "CNST"


async def test_an_early_notification_cases_history_holds_no_personal_data_in_the_clear(fairway):
    born = f"2024-0{random.randint(2, 9)}-1{random.randint(0, 9)}"
    body = notification() | {"date_of_birth": born}
    response = await fairway.http.post(
        EN_PREFIX, json=body, headers=auth("handler") | {"Idempotency-Key": key()}
    )
    assert response.status_code == 201, response.text
    ref = response.json()["state"]["ref"]
    note = f"family contact {uuid.uuid4().hex}"
    noted = await fairway.http.post(
        f"{EN_PREFIX}/{ref}/add-note",
        json={"text": note},
        headers=auth("handler") | {"Idempotency-Key": key()},
    )
    assert noted.status_code == 200, noted.text
    history = await raw_history(fairway.client, case_workflow_id(CaseKind.EARLY_NOTIFICATION, ref))
    payloads = assert_sealed(history, [born, note], "claims")
    await assert_decodes(fairway.client, payloads, [born, note])


async def test_an_advice_cases_history_is_sealed_with_the_advice_key(fairway):
    number = str(random.randint(1_000_000, 9_999_999))
    body = referral(practitioner={"regulator": "GMC", "number": number})
    response = await fairway.http.post(CASES, json=body, headers=auth("adviser") | {"Idempotency-Key": key()})
    assert response.status_code == 201, response.text
    ref = response.json()["state"]["ref"]
    note = f"advice call notes {uuid.uuid4().hex}"
    noted = await fairway.http.post(
        f"{CASES}/{ref}/add-note", json={"text": note}, headers=auth("adviser") | {"Idempotency-Key": key()}
    )
    assert noted.status_code == 200, noted.text
    history = await raw_history(fairway.client, case_workflow_id(CaseKind.ADVICE, ref))
    payloads = assert_sealed(history, [number, note], "advice")
    await assert_decodes(fairway.client, payloads, [number, note])


async def test_a_key_rotation_mid_claim_keeps_every_event_readable(client: Client, sqlite_sessions):
    before = fresh_ring()
    after = before.rotated()
    task_queue = f"fairway-rotation-{uuid.uuid4().hex[:8]}"
    body, secrets = claim_secrets()

    async with running_fairway(client_with(client, before), sqlite_sessions, task_queue=task_queue) as f:
        ref = (await open_claim(f.http, **body))["state"]["ref"]
        await ok(f.http, ref, "add_note", {"text": "before the rotation"})
    # The worker and the API start again with the new key added and made current.
    rotated = client_with(client, after)
    async with running_fairway(rotated, sqlite_sessions, task_queue=task_queue) as f:
        await ok(f.http, ref, "add_note", {"text": "after the rotation"})
        timeline = await f.http.get(f"/claims/{ref}/history", headers=auth("supervisor"))
        assert timeline.status_code == 200, timeline.text
        notes = [e["payload"].get("text") for e in timeline.json()["temporal"] if e["action"] == "add_note"]
        assert notes == ["before the rotation", "after the rotation"]

    history = await raw_history(client, case_workflow_id(CaseKind.CLAIM, ref))
    payloads = assert_sealed(history, secrets, "claims")
    used = {p.metadata[KEY_ID].decode() for p in payloads}
    assert used == {f"claims/{before.current}", f"claims/{after.current}"}
    await assert_decodes(rotated, payloads, [*secrets, "before the rotation", "after the rotation"])
    # A process still holding only the old keys says which key it lacks.
    with pytest.raises(PayloadKeyError, match=f"claims/{after.current}"):
        await client_with(client, before).data_converter.payload_codec.decode(payloads)
