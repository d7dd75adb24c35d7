"""The payload codec: compress then encrypt, the key id and tier in each payload's metadata, the
tier told from the workflow a payload belongs to, failures encoded, and any payload it cannot
open refused with the reason."""

from __future__ import annotations

import dataclasses

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.converter import ActivitySerializationContext, WorkflowSerializationContext
from temporalio.exceptions import ApplicationError

from fairway.converter import ZLIB, data_converter
from fairway.encryption import ENCRYPTED, KEY_ID, EncryptionCodec, PayloadKeyError, tier_of_workflow
from fairway.keys import fresh_ring
from models.access import Tier

SECRET = "Alex Example, born 1990-01-01"


def workflow(workflow_id: str) -> WorkflowSerializationContext:
    return WorkflowSerializationContext(namespace="default", workflow_id=workflow_id)


def activity_of(workflow_id: str) -> ActivitySerializationContext:
    return ActivitySerializationContext(
        namespace="default",
        activity_id="1",
        activity_type="project_case",
        activity_task_queue="fairway",
        workflow_id=workflow_id,
        workflow_type="ClaimWorkflow",
        is_local=False,
    )


@pytest.mark.parametrize(
    "workflow_id, tier",
    [
        ("claim-CLM-ABC", Tier.CLAIMS),
        ("mediation-CLM-ABC-MED1", Tier.CLAIMS),
        ("early_notification-EN-ABC", Tier.CLAIMS),
        ("advice-PPA-ABC", Tier.ADVICE),
        ("intervention-PPA-ABC-INT1", Tier.ADVICE),
        ("exclusion-PPA-ABC-EXC1", Tier.ADVICE),
        ("something-else", Tier.ADVICE),
        ("", Tier.ADVICE),
        (None, Tier.ADVICE),
    ],
)
def test_a_workflows_tier_is_its_case_kinds_and_advice_when_unknown(workflow_id, tier):
    assert tier_of_workflow(workflow_id) is tier


@pytest.mark.parametrize(
    "context, tier",
    [
        (None, "advice"),
        (workflow("claim-CLM-ABC"), "claims"),
        (activity_of("claim-CLM-ABC"), "claims"),
        (workflow("advice-PPA-ABC"), "advice"),
        (activity_of("exclusion-PPA-ABC-EXC1"), "advice"),
    ],
)
async def test_values_round_trip_encrypted_for_their_workflows_tier(context, tier):
    keys = fresh_ring()
    converter = data_converter(keys)
    if context is not None:
        converter = converter.with_context(context)
    short, long = {"name": SECRET}, {"allegations": SECRET * 20}
    payloads = await converter.encode([short, long])
    for payload in payloads:
        assert payload.metadata["encoding"] == ENCRYPTED
        assert payload.metadata[KEY_ID] == f"{tier}/{keys.current}".encode()
        assert SECRET.encode() not in payload.data
    # Decoding needs no context: the key id says which key.
    assert await data_converter(keys).decode(payloads, [dict, dict]) == [short, long]


async def test_a_large_payload_is_compressed_before_it_is_encrypted():
    codec = EncryptionCodec(fresh_ring(), Tier.CLAIMS)
    (payload,) = await data_converter(codec.keys).with_context(workflow("claim-C")).encode([SECRET * 50])
    assert codec.decrypt(payload).metadata["encoding"] == ZLIB
    assert len(payload.data) < len(SECRET * 50)


async def test_a_payload_with_a_key_the_file_lacks_fails_naming_the_key():
    old = fresh_ring()
    new = old.rotated()
    (payload,) = await data_converter(new).with_context(workflow("claim-C")).encode([SECRET])
    with pytest.raises(
        PayloadKeyError, match=rf"key 'claims/{new.current}', which the key file does not hold"
    ):
        await data_converter(old).decode([payload])
    # The rotated ring still reads what the old key wrote.
    (older,) = await data_converter(old).with_context(workflow("claim-C")).encode([SECRET])
    assert await data_converter(new).decode([older]) == [SECRET]


async def test_a_payload_relabelled_to_another_tier_does_not_decrypt():
    keys = fresh_ring()
    (payload,) = await data_converter(keys).with_context(workflow("advice-PPA-A")).encode([SECRET])
    payload.metadata[KEY_ID] = f"claims/{keys.current}".encode()
    with pytest.raises(PayloadKeyError, match="does not decrypt"):
        await data_converter(keys).decode([payload])


async def test_another_key_under_the_same_id_does_not_decrypt():
    keys = fresh_ring()
    (payload,) = await data_converter(keys).encode([SECRET])
    impostor = dataclasses.replace(keys, keys={keys.current: b"x" * 32})
    with pytest.raises(PayloadKeyError, match="does not decrypt"):
        await data_converter(impostor).decode([payload])


async def test_a_payload_never_encrypted_passes_through():
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"hello"')
    assert await data_converter(fresh_ring()).decode([plain]) == ["hello"]


async def test_a_failures_message_and_details_are_encrypted_and_restored():
    converter = data_converter(fresh_ring()).with_context(workflow("claim-CLM-A"))
    failure = Failure()
    await converter.encode_failure(ApplicationError(f"refused for {SECRET}", {"who": SECRET}), failure)
    assert failure.message == "Encoded failure"
    assert SECRET.encode() not in failure.SerializeToString()
    assert failure.encoded_attributes.metadata["encoding"] == ENCRYPTED
    error = await converter.decode_failure(failure)
    assert str(error) == f"refused for {SECRET}" and error.details == ({"who": SECRET},)
