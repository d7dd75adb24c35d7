"""Worked examples for the legal calendar, each named after the rule it checks.

Dates were checked against the holidays package: Christmas 2026 is a Friday with Boxing
Day observed on Monday 28 Dec; Easter 2027 runs Good Friday 26 Mar to Easter Monday
29 Mar; BST runs 29 Mar to 25 Oct 2026 and 28 Mar to 31 Oct 2027.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from activities.calendar import (
    FLAG_ENDS_ON_NON_BUSINESS_DAY,
    FLAG_ROLLED_FORWARD,
    PeriodRule,
    add_business_days,
    add_months,
    agreed_extension_limit,
    bank_holidays,
    birthday,
    claim_form_service_deadline,
    compute_due,
    deemed_service_claim_form,
    deemed_service_document,
    fatal_accidents_limitation,
    is_business_day,
    is_court_office_open,
    limitation,
)
from activities.court_service import deemed_service_of
from activities.deadlines import due_for
from models import early_notification as en
from models.advice import ADVICE_DEADLINES, AdvicePolicy
from models.deadline_policies import STANDARD
from models.deadlines import DueRequest
from models.litigation import DeemedServiceRequest
from workflows.advice import latest_review_on
from workflows.clock import end_of_london_day

BST = timezone(timedelta(hours=1))


def court_days(amount: int, basis: str, direction: str = "after") -> PeriodRule:
    """A CPR period in days: clear days, the 5-day rule, CPR 2.8(5) roll-forward."""
    return PeriodRule(
        amount=amount,
        unit="days",
        clear_days=True,
        short_period_excludes_non_business_days=True,
        end_rule="court_office_rolls_forward",
        basis=basis,
        direction=direction,  # type: ignore[arg-type]
    )


def protocol(amount: int, unit: str, basis: str) -> PeriodRule:
    return PeriodRule(amount, unit, True, False, "protocol_flag_only", basis)  # type: ignore[arg-type]


# ------------------------------------------------------------------ business days


def test_bank_holidays_come_from_the_holidays_package_for_england_and_wales():
    assert date(2027, 3, 26) in bank_holidays(2027)  # Good Friday
    assert date(2027, 3, 29) in bank_holidays(2027)  # Easter Monday
    assert date(2026, 12, 28) in bank_holidays(2026)  # Boxing Day (substitute)
    assert date(2023, 5, 8) in bank_holidays(2023)  # coronation, a one-off
    assert date(2026, 8, 3) not in bank_holidays(2026)  # Scottish summer holiday only
    assert date(2026, 3, 17) not in bank_holidays(2026)  # St Patrick's Day, NI only


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 24), True),  # Christmas Eve is an ordinary business day
        (date(2026, 12, 25), False),  # Christmas Day, named in CPR 2.8(4)
        (date(2026, 12, 28), False),  # Boxing Day substitute bank holiday
        (date(2027, 3, 26), False),  # Good Friday, named in CPR 2.8(4)
        (date(2027, 3, 29), False),  # Easter Monday
        (date(2027, 3, 30), True),
        (date(2026, 10, 17), False),  # Saturday
        (date(2026, 10, 18), False),  # Sunday
    ],
)
def test_cpr_6_2_business_day(day, expected):
    assert is_business_day(day) is expected


def test_add_business_days_skips_weekends_and_bank_holidays_both_ways():
    assert add_business_days(date(2026, 12, 23), 2) == date(2026, 12, 29)
    assert add_business_days(date(2026, 12, 29), -2) == date(2026, 12, 23)
    assert add_business_days(date(2026, 10, 17), 0) == date(2026, 10, 17)


def test_cpr_2_10_add_months_clamps_to_the_last_day_of_a_shorter_month():
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 10, 31), 4) == date(2027, 2, 28)
    assert add_months(date(2027, 3, 31), -1) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 15), 14) == date(2028, 1, 15)


# ------------------------------------------------------------------------ CPR 2.8


def test_cpr_2_8_3_official_example_3_clear_days_before_a_friday_hearing_is_monday():
    """CPR 2.8 example (i): heard Friday 20 October, last date for service Monday 16."""
    result = compute_due(date(2023, 10, 20), court_days(3, "CPR 23.7(1)(b)", "before"))
    assert result.due_date == date(2023, 10, 16)
    assert result.flags == []


def test_cpr_2_8_4_official_example_3_days_before_a_monday_hearing_is_tuesday():
    """CPR 2.8(4) example: heard Monday 20 October, last date for service Tuesday 14."""
    result = compute_due(date(2025, 10, 20), court_days(3, "CPR 23.7(1)(b)", "before"))
    assert result.due_date == date(2025, 10, 14)


def test_cpr_2_8_3_example_iii_particulars_within_14_days_of_service():
    """CPR 2.8 example (iii): claim form served 2 October, particulars by 16 October."""
    result = compute_due(date(2026, 10, 2), court_days(14, "CPR 7.4(1)(b)"))
    assert result.due_date == date(2026, 10, 16)
    assert "CPR 7.4(1)(b)" in result.explanation


def test_cpr_2_8_3_longer_period_before_an_event_counts_calendar_days():
    """Bundles 7 clear days before a CMC on 30 March: the last day is 22 March."""
    result = compute_due(date(2027, 3, 30), court_days(7, "court order", "before"))
    assert result.due_date == date(2027, 3, 22)


def test_cpr_2_8_4_five_days_over_christmas_excludes_weekend_and_bank_holidays():
    """From Tue 22 Dec 2026: 23, 24, (25 Christmas, 26-27 weekend, 28 Boxing Day
    substitute), 29, 30, 31 -> Thursday 31 December."""
    result = compute_due(date(2026, 12, 22), court_days(5, "CPR 2.8(4)"))
    assert result.due_date == date(2026, 12, 31)
    assert "CPR 2.8(4)" in result.explanation


def test_cpr_2_8_4_three_days_over_easter_2027_skip_good_friday_and_easter_monday():
    """From Wed 24 Mar 2027: Thu 25, (Good Friday, weekend, Easter Monday), Tue 30,
    Wed 31 -> 31 March."""
    result = compute_due(date(2027, 3, 24), court_days(3, "CPR 2.8(4)"))
    assert result.due_date == date(2027, 3, 31)


def test_cpr_2_8_4_three_clear_days_before_a_hearing_the_day_after_easter():
    """Hearing Tue 30 Mar 2027: clear days Thu 25, Wed 24, Tue 23 -> serve by Mon 22."""
    result = compute_due(date(2027, 3, 30), court_days(3, "CPR 23.7(1)(b)", "before"))
    assert result.due_date == date(2027, 3, 22)


def test_cpr_2_8_4_does_not_apply_to_periods_over_five_days():
    """A 6-day period counts weekends: Wed 24 Mar 2027 + 6 = Tue 30 Mar."""
    result = compute_due(date(2027, 3, 24), court_days(6, "court order"))
    assert result.due_date == date(2027, 3, 30)


def test_cpr_2_8_5_fourteen_day_court_period_ending_on_sunday_rolls_to_monday():
    result = compute_due(date(2026, 10, 4), court_days(14, "CPR 10.3(1)"))
    assert result.unadjusted_date == date(2026, 10, 18)  # Sunday
    assert result.due_date == date(2026, 10, 19)
    assert result.flags == [FLAG_ROLLED_FORWARD]
    assert "CPR 2.8(5)" in result.explanation


def test_cpr_2_8_5_court_period_ending_on_a_bank_holiday_rolls_over_it():
    """Particulars served Mon 17 Aug 2026: AoS due Mon 31 Aug, a bank holiday -> 1 Sep."""
    result = compute_due(date(2026, 8, 17), court_days(14, "CPR 10.3(1)(b)"))
    assert result.unadjusted_date == date(2026, 8, 31)
    assert result.due_date == date(2026, 9, 1)


def test_cpr_2_8_5_court_period_ending_on_christmas_day_rolls_past_boxing_day():
    result = compute_due(date(2026, 12, 11), court_days(14, "CPR 15.4(1)(a)"))
    assert result.unadjusted_date == date(2026, 12, 25)
    assert result.due_date == date(2026, 12, 29)


def test_cpr_15_4_1_a_defence_without_an_acknowledgment_is_due_14_days_after_the_particulars():
    """Particulars deemed served Mon 8 Sep 2025: the defence is due Mon 22 Sep, the same day as
    the acknowledgment (CPR 10.3); filing the acknowledgment turns it into 28 days (15.4(1)(b))."""
    without = compute_due(date(2025, 9, 8), court_days(14, "CPR 15.4(1)(a)"))
    acknowledged = compute_due(date(2025, 9, 8), court_days(28, "CPR 15.4(1)(b)"))
    assert (without.due_date, acknowledged.due_date) == (date(2025, 9, 22), date(2025, 10, 6))


def test_cpr_15_5_agreed_extension_counts_from_the_end_of_the_cpr_15_4_period():
    """Particulars served Thu 27 Nov 2025: 28 days end on Christmas Day and the defence is in
    time on Mon 29 Dec (CPR 2.8(5)); 28 days more run from 25 Dec, to Thu 22 Jan 2026, not from
    29 Dec (which would give Mon 26 Jan: 4 days more than the rule allows)."""
    defence = compute_due(date(2025, 11, 27), court_days(28, "CPR 15.4(1)(b)"))
    assert (defence.unadjusted_date, defence.due_date) == (date(2025, 12, 25), date(2025, 12, 29))
    latest = agreed_extension_limit(defence.unadjusted_date, 28, "court_office_rolls_forward", "CPR 15.5")
    assert (latest.due_date, latest.flags) == (date(2026, 1, 22), [])
    assert "CPR 15.5: up to 28 days more by agreement, counted from the end of the period on " in (
        latest.explanation
    )


def test_cpr_15_5_an_extended_period_ending_when_the_court_office_is_closed_rolls_forward():
    """CPR 2.8(5) applies to the extended period too: 28 days after a period ending Sun 3 May
    2026 end on Sun 31 May, so the latest agreed date is Mon 1 Jun."""
    latest = agreed_extension_limit(date(2026, 5, 3), 28, "court_office_rolls_forward", "CPR 15.5")
    assert (latest.unadjusted_date, latest.due_date) == (date(2026, 5, 31), date(2026, 6, 1))
    assert latest.flags == [FLAG_ROLLED_FORWARD]


def test_cpr_7_6_no_agreed_extension_leaves_the_period_where_it_ends():
    latest = agreed_extension_limit(date(2026, 1, 31), 0, "protocol_flag_only", "CPR 7.6")
    assert latest.due_date == date(2026, 1, 31)
    with pytest.raises(ValueError):
        agreed_extension_limit(date(2026, 1, 31), -1, "none", "CPR 15.5")


def test_cpr_2_8_5_announced_court_closure_also_rolls_forward():
    """HMCTS closed the civil courts on Wed 24 Dec 2025, which is not a bank holiday."""
    closures = [date(2025, 12, 24)]
    assert not is_court_office_open(date(2025, 12, 24), closures)
    result = compute_due(date(2025, 12, 10), court_days(14, "CPR 15.4(1)(a)"), court_office_closures=closures)
    assert result.due_date == date(2025, 12, 29)


def test_cpr_2_8_5_period_before_a_hearing_ending_on_sunday_is_flagged_not_moved():
    """7 clear days before Mon 26 Oct 2026 ends Sun 18 Oct; moving it to Monday would
    leave only 6 clear days, so it is flagged for the handler instead."""
    result = compute_due(date(2026, 10, 26), court_days(7, "court order", "before"))
    assert result.due_date == date(2026, 10, 18)
    assert result.flags == [FLAG_ENDS_ON_NON_BUSINESS_DAY]


def test_pap_fourteen_day_acknowledgment_ending_on_a_weekend_is_flagged_not_moved():
    """Pre-Action Protocol periods do not roll forward (DOMAIN 'Time engine')."""
    result = compute_due(date(2026, 10, 3), protocol(14, "days", "PAP Clinical Disputes"))
    assert result.due_date == date(2026, 10, 17)  # Saturday
    assert result.unadjusted_date == result.due_date
    assert result.flags == [FLAG_ENDS_ON_NON_BUSINESS_DAY]
    assert "not moved" in result.explanation


def test_pap_period_ending_on_a_bank_holiday_is_flagged_not_moved():
    result = compute_due(date(2026, 8, 17), protocol(14, "days", "PAP Clinical Disputes"))
    assert result.due_date == date(2026, 8, 31)
    assert result.flags == [FLAG_ENDS_ON_NON_BUSINESS_DAY]


def test_pap_letter_of_response_4_months_from_31_october_clamps_to_28_february():
    """PAP 3.25: 4 months from a Letter of Claim of 31 Oct 2026 -> Sun 28 Feb 2027."""
    result = compute_due(date(2026, 10, 31), protocol(4, "months", "PAP 3.25"))
    assert result.due_date == date(2027, 2, 28)
    assert result.flags == [FLAG_ENDS_ON_NON_BUSINESS_DAY]
    assert "CPR 2.10" in result.explanation


def test_pap_letter_of_response_4_months_from_31_october_clamps_to_29_february_in_leap_year():
    result = compute_due(date(2027, 10, 31), protocol(4, "months", "PAP 3.25"))
    assert result.due_date == date(2028, 2, 29)
    assert result.flags == []


def test_period_rule_in_weeks_and_years():
    weeks = PeriodRule(2, "weeks", True, True, "none", "order")
    assert compute_due(date(2026, 10, 3), weeks).due_date == date(2026, 10, 17)
    years = PeriodRule(1, "years", True, False, "none", "order")
    assert compute_due(date(2028, 2, 29), years).due_date == date(2029, 2, 28)


def test_period_rule_rejects_a_negative_amount():
    with pytest.raises(ValueError):
        PeriodRule(-1, "days", True, True, "none", "order")


def test_due_result_due_at_is_the_end_of_the_london_day():
    result = compute_due(date(2026, 10, 2), court_days(14, "CPR 7.4(1)(b)"))
    assert result.due_at == datetime(2026, 10, 16, 22, 59, 59, 999999, tzinfo=UTC)


# ------------------------------------------------------------- instants and BST


@pytest.mark.parametrize(
    ("day", "expected_utc_hour"),
    [
        (date(2026, 3, 28), 23),  # last GMT day
        (date(2026, 3, 29), 22),  # clocks go forward at 01:00 GMT: the evening is BST
        (date(2026, 10, 24), 22),  # last BST evening
        (date(2026, 10, 25), 23),  # clocks go back at 02:00 BST: the evening is GMT
    ],
)
def test_due_instant_is_end_of_london_day_across_bst_changes(day, expected_utc_hour):
    instant = end_of_london_day(day)
    assert instant == datetime.combine(day, datetime.min.time(), UTC).replace(
        hour=expected_utc_hour, minute=59, second=59, microsecond=999999
    )
    assert instant.utcoffset() == timedelta(0)


def test_cpr_7_5_claim_form_issued_in_january_served_by_midnight_15_may_bst():
    result = claim_form_service_deadline(date(2027, 1, 15))
    assert result.due_date == date(2027, 5, 15)
    assert result.due_at == datetime(2027, 5, 15, 22, 59, 59, 999999, tzinfo=UTC)
    assert result.basis == "CPR 7.5(1)"
    assert result.flags == [FLAG_ENDS_ON_NON_BUSINESS_DAY]  # a Saturday, not moved


def test_cpr_7_5_claim_form_issued_30_june_ends_30_october_still_bst():
    """BST 2027 ends on Sunday 31 October, so Saturday 30 October is still BST."""
    result = claim_form_service_deadline(date(2027, 6, 30))
    assert result.due_date == date(2027, 10, 30)
    assert result.due_at == datetime(2027, 10, 30, 22, 59, 59, 999999, tzinfo=UTC)


def test_cpr_7_5_claim_form_deadline_in_winter_is_midnight_gmt():
    result = claim_form_service_deadline(date(2027, 7, 15))
    assert result.due_date == date(2027, 11, 15)
    assert result.due_at == datetime(2027, 11, 15, 23, 59, 59, 999999, tzinfo=UTC)
    assert result.flags == []


def test_cpr_7_5_calendar_day_4_months_after_31_october_is_end_of_february():
    assert claim_form_service_deadline(date(2027, 10, 31)).due_date == date(2028, 2, 29)


def test_cpr_7_5_2_out_of_jurisdiction_allows_6_months():
    result = claim_form_service_deadline(date(2027, 1, 15), out_of_jurisdiction=True)
    assert result.due_date == date(2027, 7, 15)
    assert result.basis == "CPR 7.5(2)"


# ---------------------------------------------------------------- deemed service


def test_cpr_6_14_claim_form_deemed_served_second_business_day_over_a_weekend():
    assert deemed_service_claim_form(date(2026, 10, 1)) == date(2026, 10, 5)  # Thu -> Mon
    assert deemed_service_claim_form(date(2026, 10, 3)) == date(2026, 10, 6)  # Sat -> Tue


def test_cpr_6_14_claim_form_deemed_served_second_business_day_over_a_bank_holiday():
    assert deemed_service_claim_form(date(2026, 8, 27)) == date(2026, 9, 1)
    assert deemed_service_claim_form(date(2026, 12, 23)) == date(2026, 12, 29)


def test_cpr_6_26_email_before_and_after_4_30pm_london_in_bst():
    """Tue 13 Oct 2026 is BST: 16:29 London is 15:29Z, 16:31 London is 15:31Z."""
    before = datetime(2026, 10, 13, 15, 29, tzinfo=UTC)
    after = datetime(2026, 10, 13, 15, 31, tzinfo=UTC)
    assert deemed_service_document("email", before) == date(2026, 10, 13)
    assert deemed_service_document("email", after) == date(2026, 10, 14)


def test_cpr_6_26_cut_off_is_london_time_not_utc():
    """15:45Z reads as before 4.30pm in UTC, but it is 16:45 in London during BST."""
    assert deemed_service_document("email", datetime(2026, 10, 13, 15, 45, tzinfo=UTC)) == date(2026, 10, 14)
    # In winter London is on UTC, so 16:29Z is before the cut-off.
    assert deemed_service_document("email", datetime(2026, 12, 1, 16, 29, tzinfo=UTC)) == date(2026, 12, 1)


def test_cpr_6_26_cut_off_is_strictly_before_4_30pm():
    at_cut_off = datetime(2026, 10, 13, 16, 30, tzinfo=BST)
    assert deemed_service_document("fax", at_cut_off) == date(2026, 10, 14)


def test_cpr_6_26_email_on_friday_after_4_30pm_is_served_monday():
    sent = datetime(2026, 10, 16, 17, 0, tzinfo=BST)
    assert deemed_service_document("email", sent) == date(2026, 10, 19)


def test_cpr_6_26_personal_service_on_christmas_eve_evening_is_served_after_boxing_day():
    sent = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    assert deemed_service_document("personal", sent) == date(2026, 12, 29)


def test_cpr_6_26_email_on_saturday_morning_is_served_monday():
    sent = datetime(2026, 10, 17, 9, 0, tzinfo=UTC)
    assert deemed_service_document("email", sent) == date(2026, 10, 19)


def test_cpr_6_26_leaving_at_permitted_address_uses_the_4_30pm_rule():
    sent = datetime(2026, 10, 15, 10, 0, tzinfo=BST)
    assert deemed_service_document("leaving_at_address", sent) == date(2026, 10, 15)


def test_cpr_6_26_first_class_post_on_thursday_second_day_saturday_so_monday():
    posted = datetime(2026, 10, 15, 18, 0, tzinfo=BST)
    assert deemed_service_document("first_class_post", posted) == date(2026, 10, 19)


def test_cpr_6_26_first_class_post_on_monday_is_served_wednesday():
    posted = datetime(2026, 10, 12, 9, 0, tzinfo=BST)
    assert deemed_service_document("first_class_post", posted) == date(2026, 10, 14)


def test_cpr_6_26_document_exchange_second_day_christmas_day_goes_to_next_business_day():
    left = datetime(2026, 12, 23, 12, 0, tzinfo=UTC)
    assert deemed_service_document("document_exchange", left) == date(2026, 12, 29)


def test_cpr_6_26_post_uses_the_london_date_of_posting():
    """23:30Z on Wed 14 Oct 2026 is 00:30 Thursday in London: second day is Saturday."""
    posted = datetime(2026, 10, 14, 23, 30, tzinfo=UTC)
    assert deemed_service_document("first_class_post", posted) == date(2026, 10, 19)


def test_cpr_6_26_refuses_a_naive_datetime():
    with pytest.raises(ValueError):
        deemed_service_document("email", datetime(2026, 10, 13, 15, 0))


# -------------------------------------------------------------------- limitation


def test_limitation_zoan_v_rouamba_accrual_day_excluded():
    """Accident 1 Jan 2017: the limitation date is 1 Jan 2020 (LA 1980 s.11(4)(a))."""
    result = limitation(date(2017, 1, 1))
    assert result.status == "date"
    assert result.limitation_date == date(2020, 1, 1)
    assert result.basis == "LA 1980 s.11(4)(a)"
    assert "Zoan" in result.explanation
    assert "not a business day" in result.explanation  # 1 Jan 2020 is a bank holiday


def test_limitation_s_14_date_of_knowledge_later_than_incident():
    result = limitation(date(2018, 3, 10), date_of_knowledge=date(2020, 6, 15))
    assert result.limitation_date == date(2023, 6, 15)
    assert "s.14" in result.basis


def test_limitation_s_11_accrual_on_29_february_ends_28_february():
    assert limitation(date(2024, 2, 29)).limitation_date == date(2027, 2, 28)


def test_limitation_s_28_child_at_accrual_runs_to_21st_birthday():
    result = limitation(date(2015, 6, 1), claimant_date_of_birth=date(2010, 5, 10))
    assert result.limitation_date == date(2031, 5, 10)
    assert result.basis == "LA 1980 s.28(1), s.28(6)"


def test_limitation_s_28_child_with_knowledge_after_18_uses_the_later_knowledge_date():
    result = limitation(
        date(2010, 2, 1),
        date_of_knowledge=date(2024, 9, 1),  # aged 19
        claimant_date_of_birth=date(2005, 1, 20),
    )
    assert result.limitation_date == date(2027, 9, 1)  # after the 21st birthday, 20 Jan 2026


def test_limitation_s_28_child_with_knowledge_during_childhood_still_has_until_21():
    result = limitation(
        date(2010, 2, 1),
        date_of_knowledge=date(2015, 1, 1),
        claimant_date_of_birth=date(2005, 1, 20),
    )
    assert result.limitation_date == date(2026, 1, 20)


def test_limitation_s_28_adult_at_accrual_gets_no_extension():
    result = limitation(date(2024, 1, 20), claimant_date_of_birth=date(2005, 1, 20))
    assert result.limitation_date == date(2027, 1, 20)
    assert result.basis == "LA 1980 s.11(4)(a)"


def test_limitation_s_28_born_29_february_attains_21_on_1_march():
    """Family Law Reform Act 1969 s.9: a leap-day birthday falls on 1 March in a common
    year, so a child born 29 Feb 2008 turns 21 on 1 Mar 2029."""
    assert birthday(date(2008, 2, 29), 21) == date(2029, 3, 1)
    assert birthday(date(2008, 2, 29), 16) == date(2024, 2, 29)
    result = limitation(date(2012, 7, 1), claimant_date_of_birth=date(2008, 2, 29))
    assert result.limitation_date == date(2029, 3, 1)


def test_limitation_s_28_intrapartum_injury_before_birth_accrues_at_birth():
    """Labour began the day before the birth: the child was a child at accrual."""
    result = limitation(date(2023, 10, 1), claimant_date_of_birth=date(2023, 10, 2))
    assert result.limitation_date == date(2044, 10, 2)


def test_limitation_s_28_protected_party_lacking_capacity_is_suspended():
    result = limitation(date(2019, 5, 5), protected_party_lacks_capacity=True)
    assert result.status == "suspended"
    assert result.limitation_date is None
    assert result.basis == "LA 1980 s.28"


def test_limitation_standstill_moves_the_date_to_the_agreed_end():
    result = limitation(date(2020, 1, 1), standstill_until=date(2023, 6, 30))
    assert result.limitation_date == date(2023, 6, 30)
    assert "standstill" in result.basis


def test_limitation_standstill_ending_earlier_changes_nothing():
    result = limitation(date(2020, 1, 1), standstill_until=date(2022, 6, 30))
    assert result.limitation_date == date(2023, 1, 1)


def test_limitation_standstill_does_not_start_a_suspended_clock():
    result = limitation(
        date(2020, 1, 1), protected_party_lacks_capacity=True, standstill_until=date(2024, 1, 1)
    )
    assert result.status == "suspended"


def test_limitation_s_11_5_death_within_the_period_gives_3_years_from_death():
    result = limitation(date(2020, 1, 1), death_date=date(2021, 6, 1))
    assert result.limitation_date == date(2024, 6, 1)
    assert result.basis == "LA 1980 s.11(5)"


def test_limitation_s_11_5_personal_representative_knowledge_later_than_death():
    result = limitation(
        date(2020, 1, 1),
        death_date=date(2021, 6, 1),
        personal_representative_knowledge=date(2022, 2, 1),
    )
    assert result.limitation_date == date(2025, 2, 1)


def test_limitation_s_11_5_death_after_expiry_does_not_revive_the_claim():
    result = limitation(date(2017, 1, 1), death_date=date(2021, 1, 1))
    assert result.limitation_date == date(2020, 1, 1)


def test_limitation_s_28_protected_party_dies_then_time_runs_from_death():
    result = limitation(date(2019, 5, 5), protected_party_lacks_capacity=True, death_date=date(2022, 3, 3))
    assert result.status == "date"
    assert result.limitation_date == date(2025, 3, 3)


def test_limitation_s_11_5_death_on_the_last_day_is_before_expiry():
    """The period runs to the end of its last day: a death that day is within it."""
    result = limitation(date(2017, 1, 1), death_date=date(2020, 1, 1))
    assert (result.limitation_date, result.basis) == (date(2023, 1, 1), "LA 1980 s.11(5)")


def test_limitation_s_12_2_fatal_accidents_claim_runs_3_years_from_the_death():
    result = fatal_accidents_limitation(date(2020, 1, 1), date(2021, 6, 1))
    assert (result.status, result.limitation_date) == ("date", date(2024, 6, 1))
    assert result.basis == "LA 1980 s.12(2)"
    assert "Fatal Accidents Act" in result.explanation


def test_limitation_s_12_2_b_a_dependants_later_knowledge_runs_from_that_knowledge():
    result = fatal_accidents_limitation(
        date(2020, 1, 1), date(2021, 6, 1), dependants_knowledge=date(2022, 2, 1)
    )
    assert result.limitation_date == date(2025, 2, 1)
    assert "knowledge on Tue 1 Feb 2022" in result.explanation


def test_limitation_s_12_2_knowledge_before_the_death_changes_nothing():
    result = fatal_accidents_limitation(
        date(2020, 1, 1), date(2021, 6, 1), dependants_knowledge=date(2021, 1, 1)
    )
    assert result.limitation_date == date(2024, 6, 1)


def test_limitation_s_12_1_no_dependants_claim_once_the_injured_persons_own_had_expired():
    """Accident 1 Jan 2017: the injured person's own period ended 1 Jan 2020; they died 2 Jan."""
    result = fatal_accidents_limitation(date(2017, 1, 1), date(2020, 1, 2))
    assert (result.limitation_date, result.basis) == (date(2020, 1, 1), "LA 1980 s.12(1)")
    assert "no Fatal Accidents Act claim" in result.explanation


def test_limitation_s_12_1_a_child_who_dies_before_21_leaves_a_claim_for_the_dependants():
    """Injured at birth in 2010, so their own period ran to their 21st birthday (s.28); they
    died aged 14, within it, so the dependants have 3 years from the death."""
    result = fatal_accidents_limitation(
        date(2010, 5, 10), date(2025, 1, 6), claimant_date_of_birth=date(2010, 5, 10)
    )
    assert (result.limitation_date, result.basis) == (date(2028, 1, 6), "LA 1980 s.12(2)")


def test_limitation_s_12_1_a_protected_party_whose_time_never_ran_leaves_a_claim():
    result = fatal_accidents_limitation(
        date(2012, 3, 1), date(2024, 3, 4), protected_party_lacks_capacity=True
    )
    assert result.limitation_date == date(2027, 3, 4)


def test_limitation_s_12_standstill_moves_the_dependants_date_too():
    result = fatal_accidents_limitation(
        date(2020, 1, 1), date(2021, 6, 1), standstill_until=date(2025, 3, 31)
    )
    assert result.limitation_date == date(2025, 3, 31)
    assert result.basis == "LA 1980 s.12(2); standstill agreement"


def test_limitation_s_12_rejects_a_death_before_the_incident():
    with pytest.raises(ValueError):
        fatal_accidents_limitation(date(2020, 1, 1), date(2019, 12, 31))


def test_limitation_rejects_knowledge_before_the_incident():
    with pytest.raises(ValueError):
        limitation(date(2020, 1, 1), date_of_knowledge=date(2019, 1, 1))


# ----------------------------------------- the policy's rules through the calendar activity


def policy_due(rule: str, trigger: date):
    """What the calendar activity computes for one of the standard policy's rules."""
    request = DueRequest(rule=STANDARD.rules[rule], trigger_date=trigger, trigger_at=datetime.now(UTC))
    return due_for(request)


def test_model_directions_experts_agenda_answered_within_21_days_then_agreed_within_7():
    """Masters' Model Directions for Clinical Negligence Cases (DOMAIN.md 1c): the defendant
    agrees the claimant's draft agenda or proposes amendments within 21 days of receiving it,
    then the parties have 7 days to agree it. Received Tue 1 Sep 2026: answer by Tue 22 Sep;
    amendments proposed Tue 15 Sep: agree by Tue 22 Sep."""
    answer = policy_due("experts_agenda_response_due", date(2026, 9, 1))
    assert (answer.due_on, answer.flags) == (date(2026, 9, 22), [])
    assert answer.explanation.startswith("Directions order (Masters' Model Directions")
    assert policy_due("experts_agenda_agreement_due", date(2026, 9, 15)).due_on == date(2026, 9, 22)


def test_model_directions_experts_agenda_period_ending_on_a_sunday_is_flagged_not_moved():
    """Agreeing an agenda is not an act at the court office, so CPR 2.8(5) does not move it:
    received Sun 6 Sep 2026, the 21 days end Sun 27 Sep, flagged for the handler."""
    answer = policy_due("experts_agenda_response_due", date(2026, 9, 6))
    assert (answer.due_on, answer.flags) == (date(2026, 9, 27), [FLAG_ENDS_ON_NON_BUSINESS_DAY])


def test_cpr_15_4_1_a_and_15_5_through_the_policy_a_defence_without_acknowledgment():
    """Particulars deemed served Fri 12 Dec 2025: the defence is due 14 days after, Fri 26 Dec, a
    bank holiday, so in time on Mon 29 Dec (CPR 2.8(5)); agreed extensions count 28 days from the
    26th, to Fri 23 Jan 2026 (CPR 15.5)."""
    defence = policy_due("defence_due_without_acknowledgment", date(2025, 12, 12))
    assert (defence.due_on, defence.flags) == (date(2025, 12, 29), [FLAG_ROLLED_FORWARD])
    assert defence.extendable_to == date(2026, 1, 23)


def test_cpr_7_6_the_claim_form_service_date_is_extendable_by_agreement_to_itself_only():
    service = policy_due("claim_form_service_due", date(2025, 7, 31))
    assert service.due_on == service.extendable_to == date(2025, 11, 30)
    assert policy_due("particulars_of_claim_due", date(2025, 8, 26)).extendable_to is None


def test_cpr_36_8_2_clarification_of_a_part_36_offer_within_7_days_of_the_request():
    """Requested Fri 16 Oct 2026: clarify by Fri 23 Oct. Requested Sat 17 Oct: the 7 days end
    Sat 24 Oct, flagged but not moved (not an act at the court office)."""
    assert policy_due("part_36_clarification_due", date(2026, 10, 16)).due_on == date(2026, 10, 23)
    weekend = policy_due("part_36_clarification_due", date(2026, 10, 17))
    assert (weekend.due_on, weekend.flags) == (date(2026, 10, 24), [FLAG_ENDS_ON_NON_BUSINESS_DAY])


def test_cpr_36_7_an_offer_is_made_when_deemed_served_under_cpr_6_26():
    """A Part 36 offer is made when served (CPR 36.7): posted first class on Thu 19 Nov 2026,
    the second day is a Saturday, so it is made on Mon 23 Nov; emailed at 10am that Thursday,
    it is made that day; emailed after 4.30pm on Friday 20 Nov, on Monday 23 Nov."""

    def made_on(method: str, sent_at: datetime) -> date:
        request = DeemedServiceRequest(document="other", method=method, sent_at=sent_at)
        return deemed_service_of(request).deemed_served_on

    assert made_on("first_class_post", datetime(2026, 11, 19, 17, 0, tzinfo=UTC)) == date(2026, 11, 23)
    assert made_on("email", datetime(2026, 11, 19, 10, 0, tzinfo=UTC)) == date(2026, 11, 19)
    assert made_on("email", datetime(2026, 11, 20, 16, 45, tzinfo=UTC)) == date(2026, 11, 23)


def test_pap_no_proceedings_until_4_months_after_the_letter_of_claim_end_with_the_response():
    """PAP (DOMAIN.md 1a): proceedings should not be issued until 4 months after the letter of
    claim, the letter of response's own period: a letter of 31 Oct 2026 keeps the claimant from
    issuing until after Sun 28 Feb 2027 (CPR 2.10, Dodds v Walker), a day flagged, not moved."""
    bar = policy_due("letter_of_response_due", date(2026, 10, 31))
    assert (bar.due_on, bar.flags) == (date(2027, 2, 28), [FLAG_ENDS_ON_NON_BUSINESS_DAY])
    assert bar.extendable_to is None


# ----------------------------------------- the advice policy's rules through the calendar activity


def advice_due(rule: str, trigger: date):
    """What the calendar activity computes for one of the advice policy's rules."""
    request = DueRequest(
        rule=ADVICE_DEADLINES.rules[rule], trigger_date=trigger, trigger_at=datetime.now(UTC)
    )
    return due_for(request)


def test_mhps_part_ii_para_38_board_returns_a_calendar_month_apart():
    """Excluded Sat 31 Jan 2026: the first monthly return is due Sat 28 Feb (CPR 2.10 counting, the
    shorter month's last day), not moved for the weekend; received that day, the next is due
    Sat 28 Mar, a month from the return, not from the exclusion."""
    first = advice_due("board_return_due", date(2026, 1, 31))
    assert (first.due_on, first.flags) == (date(2026, 2, 28), [])
    assert first.explanation.startswith("MHPS Part II para 38")
    assert "in calendar months (CPR 2.10)" in first.explanation
    assert advice_due("board_return_due", date(2026, 2, 28)).due_on == date(2026, 3, 28)


def test_hpan_review_interval_unconfirmed_six_months_is_the_furthest_a_review_is_set():
    """The calendar's six months (unconfirmed) from an alert notice issued Mon 31 Aug 2026 end on
    Sun 28 Feb 2027; the advice case refuses a review date after the same day."""
    interval = advice_due("hpan_review_due", date(2026, 8, 31))
    assert interval.due_on == date(2027, 2, 28)
    assert latest_review_on(date(2026, 8, 31), AdvicePolicy()) == interval.due_on


# ------------------------------------------- working days, and the EN reporting chain (issue 18)


def working_days(amount: int, basis: str) -> PeriodRule:
    return PeriodRule(amount, "working_days", False, False, "none", basis)  # type: ignore[arg-type]


def test_working_days_skip_weekends_and_bank_holidays_at_any_length():
    """A period in working days counts working days whatever its length, where CPR 2.8(4) counts
    business days only in periods of 5 days or less: 10 working days from Mon 6 Jan 2025 end on
    Mon 20 Jan, 10 CPR days on Thu 16 Jan."""
    assert compute_due(date(2025, 1, 6), working_days(10, "a standard")).due_date == date(2025, 1, 20)
    assert compute_due(date(2025, 1, 6), court_days(10, "CPR 2.8")).due_date == date(2025, 1, 16)


def test_working_days_explanation_names_the_rule_not_cpr_2_8_4():
    result = compute_due(date(2024, 3, 22), working_days(1, "MNSI"))
    assert result.explanation == (
        "MNSI: 1 working day after Fri 22 Mar 2024, counting working days only (not weekends, bank "
        "holidays, Christmas Day or Good Friday), ends on Mon 25 Mar 2024."
    )
    assert "CPR" not in result.explanation
    plural = compute_due(date(2024, 3, 22), working_days(5, "MNSI")).explanation
    assert "5 working days after" in plural


def test_a_period_unit_the_calendar_does_not_know_is_refused():
    with pytest.raises(ValueError, match="unknown period unit"):
        PeriodRule(1, "fortnights", False, False, "none", "x")  # type: ignore[arg-type]


def en_due(rule: str, trigger: date):
    """What the calendar activity computes for one of the Early Notification policy's rules."""
    request = DueRequest(rule=en.EN_DEADLINES.rules[rule], trigger_date=trigger, trigger_at=datetime.now(UTC))
    return due_for(request)


def test_en_report_form_clinical_team_tells_legal_within_14_days_of_the_birth():
    """EN report form (DOMAIN.md 3, "14 days, then 30 days"): the clinical team tells the trust's
    legal team within 14 days of the incident. Born Thu 1 Feb 2024: by Thu 15 Feb. Born Sat 3 Feb:
    the 14 days end Sat 17 Feb, flagged and not moved, as a protocol period."""
    due = en_due(en.LEGAL_TEAM_TOLD, date(2024, 2, 1))
    assert (due.due_on, due.flags) == (date(2024, 2, 15), [])
    assert due.explanation.startswith("EN report form: the clinical team tells the trust's legal team")
    weekend = en_due(en.LEGAL_TEAM_TOLD, date(2024, 2, 3))
    assert (weekend.due_on, weekend.flags) == (date(2024, 2, 17), [FLAG_ENDS_ON_NON_BUSINESS_DAY])


def test_en_report_form_legacy_report_to_nhs_resolution_within_30_days_of_the_incident():
    """EN report form, the 2017 scheme (DOMAIN.md 3): legal services report to NHS Resolution
    within 30 days of the incident. Born Sun 10 Jun 2018: by Tue 10 Jul. Born Fri 15 Jun 2018:
    the 30 days end Sun 15 Jul, flagged, not moved."""
    assert en_due(en.LEGACY_REPORT, date(2018, 6, 10)).due_on == date(2018, 7, 10)
    weekend = en_due(en.LEGACY_REPORT, date(2018, 6, 15))
    assert (weekend.due_on, weekend.flags) == (date(2018, 7, 15), [FLAG_ENDS_ON_NON_BUSINESS_DAY])


@pytest.mark.parametrize(
    ("reported", "called_by"),
    [
        (date(2024, 3, 25), date(2024, 3, 26)),  # Monday: Tuesday
        (date(2024, 3, 22), date(2024, 3, 25)),  # Friday: Monday
        (date(2024, 3, 28), date(2024, 4, 2)),  # Thursday before Good Friday: Tuesday after Easter Monday
        (date(2024, 12, 24), date(2024, 12, 27)),  # Christmas Eve: past Christmas and Boxing Day
        (date(2024, 3, 23), date(2024, 3, 25)),  # reported on a Saturday: the next working day
    ],
)
def test_mnsi_phones_the_trust_within_1_working_day_of_its_report(reported, called_by):
    """MNSI investigation process (DOMAIN.md 3, MNSI): MNSI phones the trust within 1 working day."""
    due = en_due(en.MNSI_FIRST_CONTACT, reported)
    assert (due.due_on, due.flags) == (called_by, [])
    assert due.explanation.startswith(
        "MNSI investigation process: MNSI phones the trust within 1 working day"
    )
    assert "CPR" not in due.explanation
