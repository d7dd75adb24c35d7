"""Deadline policies travel by reference: published versions are immutable, and a payload
carries a policy's name and version, never its rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models import deadline_policies as dp
from models.advice import AdvicePolicy
from models.claims import ClaimInput, ClaimPolicy
from models.early_notification import EarlyNotificationPolicy


def test_a_payload_carries_the_policys_name_and_version_not_its_rules():
    carried = ClaimInput(ref="CLM-X", owner="hana.handler").model_dump(mode="json")
    assert carried["policy"]["deadlines"] == {"name": "claims", "version": "2026-11"}
    assert len(ClaimInput(ref="CLM-X", owner="hana.handler").model_dump_json()) < 500


def test_a_reference_reads_back_as_the_one_shared_published_policy():
    for policy in (ClaimPolicy(), EarlyNotificationPolicy(), AdvicePolicy()):
        again = type(policy).model_validate_json(policy.model_dump_json())
        assert again.deadlines is policy.deadlines


def test_a_published_version_cannot_change():
    changed = dp.STANDARD.model_copy(update={"contacts": {}})
    with pytest.raises(ValueError, match="already published"):
        dp.publish(changed)
    with pytest.raises(ValueError, match="differs from the published"):
        ClaimPolicy(deadlines=changed).model_dump_json()
    with pytest.raises(ValidationError, match="frozen"):
        dp.STANDARD.version = "2026-12"  # frozen: changed only by publishing a new version


def test_an_unknown_version_is_refused_when_read():
    with pytest.raises(ValidationError, match="unknown deadline policy claims@1999-01"):
        ClaimPolicy.model_validate({"deadlines": {"name": "claims", "version": "1999-01"}})


def test_a_short_policy_is_derived_again_from_its_reference_by_a_worker_that_never_built_it():
    short = dp.short(seconds=3, warn_before=1.5, base=dp.STANDARD)
    text = ClaimPolicy(deadlines=short).model_dump_json()
    dp._KNOWN.pop((short.name, short.version))  # as in a worker process that never called short()
    again = ClaimPolicy.model_validate_json(text).deadlines
    assert again == short and again.key == "claims-short@2026-11:3.0/1.5/1.5"
    assert all(rule.seconds == 3.0 for rule in again.rules.values() if not rule.limitation)
