"""The Early Notification entry criteria, versioned by the baby's date of birth (DOMAIN.md 3)."""

from __future__ import annotations

from datetime import date

import pytest

from models.early_notification import Notification, check_eligibility, claim_ref_for, criteria_for


def notification(**overrides) -> Notification:
    """Eligible under every version: term, after labour, cooled, MRI-confirmed, diagnosed on day 1."""
    body = {
        "mnsi_reference": "MNSI-2024-0001",
        "trust_code": "RX1",
        "trust_name": "Example Hospitals NHS Trust",
        "date_of_birth": "2024-05-01",
        "gestation_weeks": 39,
        "birth": "following_labour",
        "mri_confirmed": True,
        "actively_cooled": True,
        "injury_diagnosed_on": "2024-05-02",
    }
    return Notification.model_validate(body | overrides)


def failed(n: Notification) -> list[str]:
    return [f.criterion for f in check_eligibility(n)]


@pytest.mark.parametrize(
    ("born", "version", "consent"),
    [
        ("2017-04-01", "en-2017-04", False),
        ("2020-03-31", "en-2017-04", False),
        ("2020-04-01", "en-2020-04-hsib", False),
        ("2022-03-31", "en-2020-04-hsib", False),
        ("2022-04-01", "en-2022-04", False),
        ("2023-09-30", "en-2022-04", False),
        ("2023-10-01", "en-2023-10", True),
    ],
)
def test_the_version_in_force_follows_the_date_of_birth(born, version, consent):
    found = criteria_for(date.fromisoformat(born))
    assert (found.version, found.family_consent_required) == (version, consent)


def test_an_eligible_notification_fails_nothing_under_any_version():
    for born in ("2018-06-01", "2021-06-01", "2022-06-01", "2024-05-01"):
        n = notification(date_of_birth=born, injury_diagnosed_on=born)
        assert failed(n) == [], born


def test_a_birth_before_the_scheme_is_outside_it():
    assert failed(notification(date_of_birth="2017-03-31", injury_diagnosed_on=None)) == [
        "born_within_scheme"
    ]


def test_current_criteria_name_every_failure():
    n = notification(
        gestation_weeks=35,
        birth="elective_caesarean",
        mri_confirmed=False,
        actively_cooled=False,
        died_in_first_week=True,
        family_declined_mnsi=True,
    )
    assert failed(n) == [
        "term",
        "born_following_labour",
        "potential_severe_brain_injury",
        "mri_confirmed",
        "survived_first_week",
        "family_did_not_decline_mnsi",
    ]
    messages = {f.criterion: f.message for f in check_eligibility(n)}
    assert "35 completed weeks" in messages["term"]


def test_encephalopathy_needs_altered_consciousness_and_one_more_sign():
    uncooled = {"actively_cooled": False}
    alone = notification(**uncooled, encephalopathy={"altered_consciousness": True})
    assert failed(alone) == ["potential_severe_brain_injury"]
    for sign in ("hypotonia", "abnormal_reflexes", "absent_or_weak_suck", "clinical_seizures"):
        n = notification(**uncooled, encephalopathy={"altered_consciousness": True, sign: True})
        assert failed(n) == [], sign
    without_consciousness = notification(
        **uncooled, encephalopathy={"hypotonia": True, "clinical_seizures": True}
    )
    assert failed(without_consciousness) == ["potential_severe_brain_injury"]


def test_2017_criteria_need_grade_three_hie_cooling_or_the_triad_in_the_first_week():
    born = {"date_of_birth": "2018-06-01", "mri_confirmed": False, "died_in_first_week": True}
    # MRI confirmation and a death in the first week were not part of the 2017 criteria.
    assert failed(notification(**born, injury_diagnosed_on="2018-06-02")) == []
    uncooled = born | {"actively_cooled": False, "injury_diagnosed_on": "2018-06-02"}
    assert failed(notification(**uncooled, hie_grade=3)) == []
    assert failed(notification(**uncooled, hie_grade=2)) == ["severe_brain_injury_2017"]
    triad = {"hypotonia": True, "coma": True, "clinical_seizures": True}
    assert failed(notification(**uncooled, encephalopathy=triad)) == []
    # Altered consciousness short of coma meets today's criteria but not 2017's.
    current_signs = {"altered_consciousness": True, "hypotonia": True, "clinical_seizures": True}
    assert failed(notification(**uncooled, encephalopathy=current_signs)) == ["severe_brain_injury_2017"]
    late = born | {"injury_diagnosed_on": "2018-06-08"}
    assert failed(notification(**late)) == ["diagnosed_in_first_week"]
    assert failed(notification(**born, injury_diagnosed_on=None)) == ["diagnosed_in_first_week"]


def test_a_family_that_declined_mnsi_may_still_ask_for_an_investigation():
    assert failed(notification(family_declined_mnsi=True)) == ["family_did_not_decline_mnsi"]
    assert failed(notification(family_declined_mnsi=True, family_asked_for_investigation=True)) == []


def test_the_claim_an_admission_opens_has_a_reference_derived_from_the_case():
    ref = claim_ref_for("EN-ABCDEFGHIJKL")
    assert ref == claim_ref_for("EN-ABCDEFGHIJKL") != claim_ref_for("EN-ABCDEFGHIJKM")
    assert ref.startswith("CLM-") and len(ref) == 16
