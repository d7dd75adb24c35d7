"""The legal calendar: England and Wales business days, CPR time periods and limitation.

Pure functions only: no I/O, no clock, no Temporal imports. An activity calls these so
that every deadline a workflow waits on is computed in one place, with the rule that
produced it recorded in ``basis`` and a one-sentence ``explanation`` for the handler.

Sources (see shared/DOMAIN.md section 1 and "Time engine"):
- CPR 2.8 (counting days, clear days, the 5-day rule, court office closed), CPR 2.10
  (months are calendar months), CPR 6.2(b) ("business day"), CPR 6.14 and 6.26 (deemed
  service), CPR 7.5 (service of the claim form).
- Limitation Act 1980 ss.11, 12, 13, 14, 28; Zoan v Rouamba [2000] 1 WLR 1509 (the day the
  cause of action accrues is excluded); Dodds v Walker [1981] 1 WLR 1027 (a period of
  months ends on the corresponding date, or the last day of a shorter month).
- Family Law Reform Act 1969 s.9 (a person attains an age at the start of the birthday).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal

import holidays
from dateutil.easter import easter

from workflows.clock import end_of_london_day, london_time

# CPR 6.26: the same-day cut-off for personal service, leaving, fax and email.
SERVICE_CUT_OFF = time(16, 30)

FLAG_ENDS_ON_NON_BUSINESS_DAY = "ends_on_non_business_day"
FLAG_ROLLED_FORWARD = "rolled_forward_court_office_closed"

Unit = Literal["days", "weeks", "months", "years", "working_days"]
UNITS = ("days", "weeks", "months", "years", "working_days")
Direction = Literal["after", "before"]
EndRule = Literal["court_office_rolls_forward", "protocol_flag_only", "none"]
ServiceMethod = Literal[
    "first_class_post",
    "document_exchange",
    "personal",
    "email",
    "fax",
    "leaving_at_address",
]


# --------------------------------------------------------------------------- days


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays for ``year``, substitute days included.

    Taken from the ``holidays`` package (Banking and Financial Dealings Act 1971 days,
    plus one-off proclamations such as the 2023 coronation) rather than a hand list.
    """
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def good_friday(year: int) -> date:
    return easter(year) - timedelta(days=2)


def is_business_day(d: date) -> bool:
    """CPR 6.2(b) / CPR 2.8(4): not a Saturday, Sunday, bank holiday, Christmas Day or Good Friday.

    Christmas Day and Good Friday are bank holidays in England and Wales anyway, but the
    rules name them separately (they are common-law holidays, not statutory bank
    holidays), so they are checked independently of the holiday data.
    """
    if d.weekday() >= 5:
        return False
    if (d.month, d.day) == (12, 25) or d == good_friday(d.year):
        return False
    return d not in bank_holidays(d.year)


def is_court_office_open(d: date, closures: Iterable[date] = ()) -> bool:
    """Whether the court office is open on ``d`` for CPR 2.8(5).

    HMCTS announces extra closures each year (e.g. Christmas Eve 2025), which are not
    bank holidays, so they are passed in from the deadline policy.
    """
    return is_business_day(d) and d not in set(closures)


def next_business_day(d: date) -> date:
    """The first business day strictly after ``d``."""
    return add_business_days(d, 1)


def add_business_days(d: date, n: int) -> date:
    """The ``n``-th business day after ``d`` (before it if ``n`` is negative).

    ``d`` itself never counts, whether or not it is a business day; ``n == 0`` returns
    ``d`` unchanged.
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    current = d
    while remaining:
        current += timedelta(days=step)
        if is_business_day(current):
            remaining -= 1
    return current


def add_months(d: date, n: int) -> date:
    """``n`` calendar months after ``d`` (CPR 2.10), on the same day number.

    Where the target month is shorter the period ends on its last day (Dodds v Walker):
    31 January + 1 month = 28 (or 29) February. ``n`` may be negative.
    """
    month_index = d.year * 12 + (d.month - 1) + n
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def add_years(d: date, n: int) -> date:
    """``n`` years after ``d``; 29 February maps to 28 February in a common year."""
    return add_months(d, 12 * n)


def birthday(date_of_birth: date, age: int) -> date:
    """The day a person attains ``age`` (Family Law Reform Act 1969 s.9).

    Someone born on 29 February attains an age in a common year on 1 March: the
    anniversary of the birth date has not arrived until 28 February has passed.
    """
    year = date_of_birth.year + age
    if (date_of_birth.month, date_of_birth.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 3, 1)
    return date_of_birth.replace(year=year)


# ---------------------------------------------------------------------- instants


# ---------------------------------------------------------------- period policy


@dataclass(frozen=True)
class PeriodRule:
    """A deadline policy: how long, how it is counted, and what happens at its end.

    ``clear_days`` (CPR 2.8(2)-(3)): the day on which the period begins is never counted
    and, where the end of the period is defined by an event (``direction="before"``,
    e.g. "at least 3 days before the hearing"), neither is the event day. So:

    - "within 14 days after service" (direction "after"): due = trigger + 14 calendar
      days. CPR 2.8 example (iii): claim form served 2 October, particulars due 16
      October.
    - "at least 3 days before the hearing" (direction "before"): three whole days must
      separate the act and the hearing, so the last day = hearing - 4. CPR 2.8 example
      (i): "Notice of an application must be served at least 3 days before the hearing.
      An application is to be heard on Friday 20 October. The last date for service is
      Monday 16 October" (the clear days are Tue 17, Wed 18, Thu 19).

    With ``clear_days=False`` the start day is still excluded (the ordinary rule) but the
    event day is not, so "3 days before" a Friday is the Tuesday. The flag has no effect
    on months and years, which are calendar periods (CPR 2.10). Weeks count as 7 days.

    ``short_period_excludes_non_business_days`` (CPR 2.8(4)): for a period of 5 days or
    less, Saturdays, Sundays, bank holidays, Christmas Day and Good Friday do not count.
    It is ignored for longer periods, as the rule is.

    ``working_days``: a period counted in working days whatever its length (a body's own
    service standard, not the CPR): Monday to Friday, less bank holidays in England and Wales,
    Christmas Day and Good Friday, the start day excluded. MNSI phones the trust "within 1
    working day" of the trust's report: reported on Friday, due on Monday. Such a period always
    ends on a working day, and ``clear_days`` adds the event day only before an event, as for days.

    ``end_rule`` decides what happens when the computed day is not a business day:
    ``court_office_rolls_forward`` (CPR 2.8(5): an act at the court office is in time on
    the next day the office is open), ``protocol_flag_only`` (Pre-Action Protocol
    periods are not moved; the result is flagged for the handler) or ``none``.
    """

    amount: int
    unit: Unit
    clear_days: bool
    short_period_excludes_non_business_days: bool
    end_rule: EndRule
    basis: str
    direction: Direction = "after"

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"period amount must not be negative, got {self.amount}")
        if self.unit not in UNITS:
            raise ValueError(f"unknown period unit {self.unit!r}")
        if self.direction not in ("after", "before"):
            raise ValueError(f"unknown period direction {self.direction!r}")

    @property
    def length_in_days(self) -> int | None:
        return {"days": self.amount, "weeks": 7 * self.amount}.get(self.unit)

    @property
    def short_period_rule_applies(self) -> bool:
        return self.short_period_excludes_non_business_days and self.unit == "days" and self.amount <= 5


@dataclass(frozen=True)
class DueDateResult:
    """A computed deadline: the date the act is due, the date before any end rule moved
    it, flags for the handler, the rule cited and one sentence saying how it was found."""

    due_date: date
    unadjusted_date: date
    flags: list[str] = field(default_factory=list)
    basis: str = ""
    explanation: str = ""

    @property
    def due_at(self) -> datetime:
        """The end of the due London day in UTC, for the workflow timer."""
        return end_of_london_day(self.due_date)


def compute_due(
    trigger: date, rule: PeriodRule, *, court_office_closures: Iterable[date] = ()
) -> DueDateResult:
    """Apply ``rule`` to ``trigger`` (the service, receipt or hearing date).

    For ``direction="after"`` the result is the last day for the act; for
    ``direction="before"`` the trigger is the event and the result is the last day for
    the act ahead of it. ``court_office_closures`` adds announced HMCTS closure days to
    the CPR 2.8(5) roll-forward.
    """
    unadjusted = _period_end(trigger, rule)
    due, flags, ending = _apply_end_rule(unadjusted, rule, set(court_office_closures))
    return DueDateResult(
        due_date=due,
        unadjusted_date=unadjusted,
        flags=flags,
        basis=rule.basis,
        explanation=f"{rule.basis}: {_describe_period(trigger, rule)} {ending}.",
    )


def agreed_extension_limit(
    period_end: date,
    extension_days: int,
    end_rule: EndRule,
    basis: str,
    *,
    court_office_closures: Iterable[date] = (),
) -> DueDateResult:
    """The latest date the parties may agree for an act whose rule lets them extend its period
    by up to ``extension_days`` (CPR 15.5(1): a defence, by up to 28 days).

    The extension is of "the period ... specified in rule 15.4", so it counts from that
    period's own end (``period_end``, the day before any end rule moved it), never from a day
    CPR 2.8(5) moved it to past a closed court office: a defence due on Christmas Day and
    filed in time on the next open day may be extended to 22 January, not 26. The extended
    period's end is itself subject to the rule's end rule (CPR 2.8(5) again).
    """
    if extension_days < 0:
        raise ValueError(f"an extension cannot be negative, got {extension_days}")
    rule = PeriodRule(extension_days, "days", True, False, end_rule, basis)
    unadjusted = period_end + timedelta(days=extension_days)
    latest, flags, ending = _apply_end_rule(unadjusted, rule, set(court_office_closures))
    return DueDateResult(
        due_date=latest,
        unadjusted_date=unadjusted,
        flags=flags,
        basis=basis,
        explanation=(
            f"{basis}: up to {extension_days} days more by agreement, counted from the end of the "
            f"period on {_fmt(period_end)}, {ending}."
        ),
    )


def _period_end(trigger: date, rule: PeriodRule) -> date:
    sign = 1 if rule.direction == "after" else -1
    # The event day is excluded only where the period is measured back from an event.
    event_day = 1 if rule.direction == "before" and rule.clear_days else 0
    if rule.unit == "working_days" or rule.short_period_rule_applies:
        return add_business_days(trigger, sign * (rule.amount + event_day))
    days = rule.length_in_days
    if days is not None:
        return trigger + timedelta(days=sign * (days + event_day))
    months = rule.amount * (12 if rule.unit == "years" else 1)
    return add_months(trigger, sign * months)


def _apply_end_rule(unadjusted: date, rule: PeriodRule, closures: set[date]) -> tuple[date, list[str], str]:
    """Returns the due date, the flags and the end of the explanation sentence."""
    ends = f"ends on {_fmt(unadjusted)}"
    if rule.end_rule == "court_office_rolls_forward":
        if is_court_office_open(unadjusted, closures):
            return unadjusted, [], ends
        if rule.direction == "before":
            # Rolling forward would eat into the clear days owed before the event, so
            # the day is only flagged for the handler to act earlier.
            note = "when the court office is closed; a period before an event is not moved"
            return unadjusted, [FLAG_ENDS_ON_NON_BUSINESS_DAY], f"{ends}, {note}"
        due = unadjusted + timedelta(days=1)
        while not is_court_office_open(due, closures):
            due += timedelta(days=1)
        note = f"when the court office is closed, so under CPR 2.8(5) it is in time on {_fmt(due)}"
        return due, [FLAG_ROLLED_FORWARD], f"{ends}, {note}"
    if rule.end_rule == "protocol_flag_only" and not is_business_day(unadjusted):
        note = "which is not a business day; protocol periods are not moved"
        return unadjusted, [FLAG_ENDS_ON_NON_BUSINESS_DAY], f"{ends}, {note}"
    return unadjusted, [], ends


def _describe_period(trigger: date, rule: PeriodRule) -> str:
    unit = unit_words(rule.unit, rule.amount)
    if rule.direction == "after":
        what = f"{rule.amount} {unit} after {_fmt(trigger)}"
    else:
        what = f"at least {rule.amount} {unit} before {_fmt(trigger)}"
    if rule.unit == "working_days":
        how = ", counting working days only (not weekends, bank holidays, Christmas Day or Good Friday)"
    elif rule.short_period_rule_applies:
        how = ", counting business days only (CPR 2.8(4))"
    elif rule.unit in ("months", "years"):
        how = ", in calendar months (CPR 2.10)"
    elif rule.clear_days and rule.direction == "before":
        how = ", in clear days (the day of the act and the event day both excluded)"
    else:
        how = ", the start day excluded"
    return f"{what}{how},"


def unit_words(unit: Unit, amount: int) -> str:
    """A period's unit as a sentence says it: "1 working day", "14 days"."""
    words = unit.replace("_", " ")
    return words[:-1] if amount == 1 else words


def _fmt(d: date) -> str:
    return d.strftime("%a %d %b %Y").replace(" 0", " ")


# -------------------------------------------------------------------- CPR 7 and 6


def claim_form_service_deadline(issue_date: date, *, out_of_jurisdiction: bool = False) -> DueDateResult:
    """CPR 7.5: the last day to take the service step for a claim form.

    Within the jurisdiction the step must be taken "before 12.00 midnight on the
    calendar day four months after the date of issue" (CPR 7.5(1)); out of the
    jurisdiction the claim form must be served within 6 months (CPR 7.5(2)). The day is
    never moved: CPR 2.8(5) covers acts at the court office, and service is not one. A
    weekend or holiday end is flagged because posting or delivering may be harder then.
    ``due_at`` on the result is midnight London time at the end of that day.
    """
    months, basis = (6, "CPR 7.5(2)") if out_of_jurisdiction else (4, "CPR 7.5(1)")
    rule = PeriodRule(months, "months", False, False, "protocol_flag_only", basis)
    result = compute_due(issue_date, rule)
    return DueDateResult(
        due_date=result.due_date,
        unadjusted_date=result.unadjusted_date,
        flags=result.flags,
        basis=basis,
        explanation=(
            f"{basis}: the claim form issued on {_fmt(issue_date)} must be served (the "
            f"step taken) by midnight at the end of {_fmt(result.due_date)}, {months} "
            "calendar months after issue; the day is not moved if it is not a business day."
        ),
    )


def deemed_service_claim_form(step_date: date) -> date:
    """CPR 6.14: a claim form is deemed served on the second business day after the
    step required by CPR 7.5(1) (posting, delivering, sending the email...)."""
    return add_business_days(step_date, 2)


def deemed_service_document(method: ServiceMethod, sent_at: datetime) -> date:
    """CPR 6.26: the deemed day of service of a document other than a claim form.

    - First class post and document exchange: the second day after posting (or leaving
      with the service provider) if that is a business day, otherwise the next business
      day after it.
    - Personal service, leaving at the permitted address, fax and email: that day if
      done on a business day before 4.30pm, otherwise the next business day.

    CPR 6.26 puts "delivering the document to or leaving it at a permitted address" in
    the 4.30pm group, not with post. The cut-off is London local time, so ``sent_at``
    must be aware; it is converted to London before the day and the time are read.
    """
    local = london_time(sent_at)
    day = local.date()
    if method in ("first_class_post", "document_exchange"):
        second_day = day + timedelta(days=2)
        return second_day if is_business_day(second_day) else next_business_day(second_day)
    if method in ("personal", "email", "fax", "leaving_at_address"):
        if is_business_day(day) and local.time() < SERVICE_CUT_OFF:
            return day
        return next_business_day(day)
    raise ValueError(f"unknown service method {method!r}")


# -------------------------------------------------------------------- limitation


@dataclass(frozen=True)
class LimitationResult:
    """The last day to issue proceedings (issue, not service, stops the clock), or
    ``status="suspended"`` with no date while time is not running."""

    status: Literal["date", "suspended"]
    limitation_date: date | None
    basis: str
    explanation: str


LIMITATION_YEARS = 3  # Limitation Act 1980 s.11(4) and, for disability, s.28(6).
ADULT_AGE = 18


def limitation(
    incident_date: date,
    date_of_knowledge: date | None = None,
    claimant_date_of_birth: date | None = None,
    protected_party_lacks_capacity: bool = False,
    standstill_until: date | None = None,
    death_date: date | None = None,
    *,
    personal_representative_knowledge: date | None = None,
) -> LimitationResult:
    """The primary limitation date for a personal injury claim (Limitation Act 1980).

    - s.11(4), s.14: 3 years from the later of accrual (the incident) and the date of
      knowledge. The accrual day is excluded (Zoan v Rouamba), so the date is the
      anniversary: accident 1 Jan 2017, proceedings must be issued by 1 Jan 2020. A 29
      February accrual ends on 28 February (the last day of the shorter month).
    - s.28, s.28(6): a child at accrual is under a disability until 18, then has 3
      years, so the date is the 21st birthday, unless the knowledge date gives a later
      one. A child injured before birth (intrapartum) has a cause of action from birth.
    - s.28: a claimant who lacked capacity to conduct proceedings when the cause of
      action accrued: time does not run and there is no longstop, so the result is
      "suspended". (Capacity lost after accrual does not stop time; do not set the flag
      for that, and consider s.33 instead.)
    - s.11(5), s.28: if the claimant dies before the period expires, 3 years from death
      or from the personal representative's knowledge, whichever is later. Death after
      expiry does not revive the claim.
    - Standstill: an agreement not to take a limitation point on proceedings issued by
      ``standstill_until`` has the practical effect of moving the date to the later of
      the computed date and that day. Agreements that instead stop the clock for a time
      must be converted to an end date by whoever records them.

    s.33 discretion is not modelled: it can only help a late claimant, never a deadline.
    """
    if date_of_knowledge is not None and date_of_knowledge < incident_date:
        raise ValueError("the date of knowledge cannot be before the incident")
    accrual = incident_date
    if claimant_date_of_birth is not None:
        accrual = max(incident_date, claimant_date_of_birth)
    knowledge = max(accrual, date_of_knowledge or accrual)

    result = _primary_limitation(accrual, knowledge, claimant_date_of_birth, protected_party_lacks_capacity)
    if death_date is not None:
        result = _after_death(result, death_date, personal_representative_knowledge)
    if standstill_until is not None:
        result = _with_standstill(result, standstill_until)
    return _warn_if_court_closed(result)


def _warn_if_court_closed(result: LimitationResult) -> LimitationResult:
    # Pritam Kaur v S Russell & Sons [1973] QB 336 lets a claimant issue on the next open
    # day, but online issue is available every day, so the date is kept and only noted.
    if result.limitation_date is None or is_business_day(result.limitation_date):
        return result
    return LimitationResult(
        status=result.status,
        limitation_date=result.limitation_date,
        basis=result.basis,
        explanation=(
            f"{result.explanation} That day is not a business day: issue earlier rather "
            "than rely on issuing on the next day the court office is open."
        ),
    )


def _primary_limitation(
    accrual: date, knowledge: date, date_of_birth: date | None, lacks_capacity: bool
) -> LimitationResult:
    if lacks_capacity:
        return LimitationResult(
            status="suspended",
            limitation_date=None,
            basis="LA 1980 s.28",
            explanation=(
                "LA 1980 s.28: the claimant lacked capacity to conduct proceedings when the "
                "cause of action accrued, so time does not run while the incapacity lasts."
            ),
        )
    ordinary = add_years(knowledge, LIMITATION_YEARS)
    if date_of_birth is not None and accrual < birthday(date_of_birth, ADULT_AGE):
        twenty_first = birthday(date_of_birth, ADULT_AGE + LIMITATION_YEARS)
        if twenty_first >= ordinary:
            return LimitationResult(
                status="date",
                limitation_date=twenty_first,
                basis="LA 1980 s.28(1), s.28(6)",
                explanation=(
                    f"LA 1980 s.28: the claimant was a child when the cause of action "
                    f"accrued, so time ran from their 18th birthday and the last day to "
                    f"issue is their 21st birthday, {_fmt(twenty_first)}."
                ),
            )
    if knowledge > accrual:
        return LimitationResult(
            status="date",
            limitation_date=ordinary,
            basis="LA 1980 s.11(4)(b), s.14",
            explanation=(
                f"LA 1980 s.11(4)(b): 3 years from the date of knowledge, "
                f"{_fmt(knowledge)}, which is later than accrual on {_fmt(accrual)}, "
                f"ends on {_fmt(ordinary)}."
            ),
        )
    return LimitationResult(
        status="date",
        limitation_date=ordinary,
        basis="LA 1980 s.11(4)(a)",
        explanation=(
            f"LA 1980 s.11(4)(a): 3 years from accrual on {_fmt(accrual)}, the accrual day "
            f"excluded (Zoan v Rouamba), ends on {_fmt(ordinary)}."
        ),
    )


def _after_death(
    result: LimitationResult, death_date: date, representative_knowledge: date | None
) -> LimitationResult:
    if result.limitation_date is not None and death_date > result.limitation_date:
        return LimitationResult(
            status=result.status,
            limitation_date=result.limitation_date,
            basis=result.basis,
            explanation=(
                f"{result.explanation} The claimant died on {_fmt(death_date)}, after the "
                "period expired, which does not revive it (LA 1980 s.11(5))."
            ),
        )
    start = max(death_date, representative_knowledge or death_date)
    new_date = add_years(start, LIMITATION_YEARS)
    return LimitationResult(
        status="date",
        limitation_date=new_date,
        basis="LA 1980 s.11(5)",
        explanation=(
            f"LA 1980 s.11(5): the claimant died on {_fmt(death_date)} before the period "
            f"expired, so the estate has 3 years from the later of death and the personal "
            f"representative's knowledge, ending on {_fmt(new_date)}."
        ),
    )


def fatal_accidents_limitation(
    incident_date: date,
    death_date: date,
    date_of_knowledge: date | None = None,
    claimant_date_of_birth: date | None = None,
    protected_party_lacks_capacity: bool = False,
    standstill_until: date | None = None,
    *,
    dependants_knowledge: date | None = None,
) -> LimitationResult:
    """The last day to issue the dependants' claim under the Fatal Accidents Act 1976.

    - s.12(1): no such action lies if, when they died, the injured person could no longer
      have brought their own claim; their s.11 period is taken without s.33. So a death
      after that period expired keeps its expired date, and the explanation says why.
    - s.12(2): otherwise 3 years from the later of the death and the date of knowledge
      (s.14) of the person for whose benefit the action is brought. The death day is
      excluded like an accrual day (Zoan v Rouamba), so the date is the anniversary.
    - s.13(1): with several dependants, s.12(2)(b) applies to each separately: give the
      earliest dependant's knowledge, which gives the first date on which any of them can
      be shut out (s.13(2)). A dependant's own disability (s.12(3) applies s.28) can only
      give that dependant longer.
    - A standstill agreement moves the working date as it does for the injured person's claim.
    """
    if death_date < incident_date:
        raise ValueError("the death cannot be before the incident")
    # A standstill in force at the death means the injured person could still have sued.
    injured_persons = limitation(
        incident_date,
        date_of_knowledge,
        claimant_date_of_birth,
        protected_party_lacks_capacity,
        standstill_until,
    )
    expired = injured_persons.limitation_date
    if expired is not None and death_date > expired:
        result = LimitationResult(
            status="date",
            limitation_date=expired,
            basis="LA 1980 s.12(1)",
            explanation=(
                f"LA 1980 s.12(1): the injured person died on {_fmt(death_date)}, after their own "
                f"period ended on {_fmt(expired)}, so no Fatal Accidents Act claim can be brought."
            ),
        )
    else:
        start = max(death_date, dependants_knowledge or death_date)
        ends = add_years(start, LIMITATION_YEARS)
        knowledge = "the death" if start == death_date else f"a dependant's knowledge on {_fmt(start)}"
        result = LimitationResult(
            status="date",
            limitation_date=ends,
            basis="LA 1980 s.12(2)",
            explanation=(
                f"LA 1980 s.12(2): the dependants' Fatal Accidents Act claim must be issued within "
                f"3 years of the later of the death on {_fmt(death_date)} and the dependant's date "
                f"of knowledge; from {knowledge} that ends on {_fmt(ends)}."
            ),
        )
    if standstill_until is not None:
        result = _with_standstill(result, standstill_until)
    return _warn_if_court_closed(result)


def _with_standstill(result: LimitationResult, standstill_until: date) -> LimitationResult:
    if result.limitation_date is None or standstill_until <= result.limitation_date:
        return result
    return LimitationResult(
        status="date",
        limitation_date=standstill_until,
        basis=f"{result.basis}; standstill agreement",
        explanation=(
            f"{result.explanation} A standstill agreement means no limitation point is "
            f"taken on proceedings issued by {_fmt(standstill_until)}, so that is the "
            "working limitation date."
        ),
    )
