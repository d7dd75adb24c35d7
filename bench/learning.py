"""Learning from claims at the national volume: a large trust's scorecard, national statistics and
a research extract's selection, read from a register of 100,000 claims, beside the database's floor.

The register: N claims (`--claims`, default 100,000) generated from a seed and written straight
into a fresh, migrated register (fairway.db.migrate) on each backend: a SQLite file in a temporary
directory, and PostgreSQL in a database of the bench's own (`fairway_bench_learning`, created and
dropped again; skipped with a line saying so when the server cannot be reached). Shaped like the
national picture: claims notified evenly over the seven years up to the register's day (about
15,000 a year at the default size); 230 trusts of very different sizes (the largest holds about
4,200 claims, the smallest under 200); specialties, causes, injuries and themes from the shipped
taxonomy's leaves (a few specialties leaning to their own causes and themes; nine in ten claims
coded, recent ones less often); closure the likelier the older a claim is; damages and costs paid
on most closed claims, over every band; resolution routes with their results on a minority; and
some open claims overdue.

Measured warm (one untimed call first), `--runs` times each, p50 and max:

- the scorecard (fairway/scorecards.py `member_scorecard`) of the largest trust over the last five
  whole years before the register's day;
- national statistics (fairway/statistics.py `national_statistics`) over the same five years;
- the claims a research extract selects (fairway/research_extracts.py `selected_claims`: the
  selection only, no files written) for one specialty and one theme group over the five years.

Beside each, its floor in the same run: the least the database must do for the same answer's data,
as plain SQL through the driver's own cursor, fetched into Python as the driver gives it (no ORM,
no Fairway models, no aggregation in Python): for the scorecard, the trust's claims in the period
(notified, closed or open now) with their payments summed, their theme codes, their routes, and the
national count of coded claims and of each theme in the period; for the statistics, the claims
closed in the years with their payments summed; for the extract, the chosen claims' columns with
damages summed, their codes and their routes. Fairway's time is then split into its statements,
replayed through the same raw cursor, and the rest (Python: building queries, reading rows,
aggregating, pydantic).

    python -m bench.learning [--claims 100000] [--runs 10] [--seed 19] [--postgres URL]
        [--no-postgres] [--label TEXT] [--note TEXT] [--results PATH] [--profile]

Target (issue 19): a large trust's scorecard over five years within 1 s at 100,000 claims, on
each backend. Each run adds a dated section at the top of bench/results/learning.md. Not part of
`make test`. How long, at the default size on the 2-core dev machine: about 3 minutes (4 s to
generate; SQLite loaded in about 10 s, PostgreSQL in 20-45 s; under a minute of measuring each).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import math
import os
import pstats
import random
import re
import shlex
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bench.common import cpu_seconds, machine, machine_cpu_seconds, percentile, sqlite_mib, write_section
from fairway import db
from fairway.clinical_coding import read_taxonomy_file
from fairway.research_extracts import selected_claims
from fairway.scorecards import member_scorecard
from fairway.settings import SHIPPED_TAXONOMY_FILE
from fairway.statistics import national_statistics
from models.coding import CodeKind, Taxonomy
from models.disclosure import AGE_BANDS
from models.register import ClaimCodeRow, ClaimRouteRow, ClaimRow, PaymentRow
from models.research_extracts import CODED_FIELDS, ExtractFilters, ExtractRequest, codes_under
from models.scorecards import ReportingPeriod

RESULTS = Path(__file__).parent / "results" / "learning.md"
MARKER = "<!-- newest first: bench/learning.py inserts each run's section below this line -->"
PREAMBLE = f"""# Learning from claims: scorecards, statistics and extracts at 100,000 claims vs the floor

`python -m bench.learning` (see its docstring). Each run adds a dated section below, newest first;
earlier sections are kept as history.

{MARKER}
"""
SCORECARD_TARGET_S = 1.0
POSTGRES_ADMIN_URL = os.environ.get(
    "FAIRWAY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BENCH_DATABASE = "fairway_bench_learning"  # the bench's own: created fresh, dropped after

# --- the national register ----------------------------------------------------------------------

# Fixed, so that one seed gives the same register whenever the bench runs; the periods measured
# are the whole years before it.
REGISTER_DAY = datetime(2026, 12, 7, tzinfo=UTC)
# Claims notified evenly over the seven years up to it: 100,000 is about 15,000 a year, the
# national rate; a smaller register has the same shape, thinner.
YEARS_OF_CLAIMS = 7
TRUSTS = 230
# Claims per trust fall off with its rank as rank^-0.55: with 230 trusts the largest holds about
# 3.5% of the claims (3,500 of 100,000), the tenth about 1.0%, the smallest about 0.2%.
TRUST_SKEW = 0.55
# Claims by specialty lean to a few, as the national figures do; the rest share what is left.
SPECIALTY_WEIGHTS = {
    "specialty.orthopaedic_surgery": 14,
    "specialty.emergency_medicine": 13,
    "specialty.obstetrics": 11,
    "specialty.general_surgery": 10,
    "specialty.gynaecology": 5,
    "specialty.general_medicine": 5,
    "specialty.urology": 4,
    "specialty.radiology": 3,
    "specialty.ophthalmology": 3,
    "specialty.cardiology": 2,
    "specialty.oncology": 2,
    "specialty.paediatrics": 2,
}
# A specialty's claims lean to their own causes, themes and injuries (the groups named here) for
# the share LEANING of each; otherwise they are drawn from every leaf.
LEANINGS = {
    "specialty.obstetrics": ("cause.maternity", "theme.monitoring_and_escalation", "injury.brain"),
    "specialty.emergency_medicine": ("cause.diagnosis", "theme.diagnosis_and_investigation", None),
    "specialty.orthopaedic_surgery": ("cause.surgery", None, "injury.physical"),
    "specialty.general_surgery": ("cause.surgery", "theme.monitoring_and_escalation", "injury.physical"),
    "specialty.radiology": ("cause.investigation", "theme.diagnosis_and_investigation", None),
}
LEANING = 0.6
# Months from notification to closure: lognormal, median about 17 months, so about a third of
# claims close within their first year and nearly all within six.
CLOSURE_MEDIAN_DAYS, CLOSURE_SIGMA = 520, 0.8
# Days from incident to notification: lognormal, median about 18 months; birth injuries later.
NOTIFICATION_MEDIAN_DAYS, NOTIFICATION_SIGMA = 540, 0.9
# Damages paid on a settled claim: lognormal, median £35,000, reaching every band; obstetric
# claims (brain injuries at birth) are the largest.
DAMAGES_MEDIAN, DAMAGES_SIGMA, OBSTETRIC_FACTOR = 35_000, 1.5, 6
CLOSED_OUTCOMES = {
    "settled_with_damages": 62,
    "closed_without_payment": 30,
    "withdrawn": 5,
    "discontinued": 3,
}
ROUTE_SHARE = 0.15  # claims that tried a resolution route
ROUTE_KINDS = {"mediation": 45, "litigation": 35, "early_neutral_evaluation": 10, "resolution_summit": 10}
ROUTE_RESULTS = {
    "mediation": ("settled", "not_settled", "narrowed", "declined"),
    "early_neutral_evaluation": ("settled", "not_settled", "narrowed"),
    "resolution_summit": ("settled", "not_settled"),
    "litigation": (
        "settled",
        "discontinued",
        "struck_out",
        "judgment_for_claimant",
        "judgment_for_defendant",
    ),
}
OVERDUE_SHARE = 0.08  # of open claims, a deadline past due
OPEN_STAGES = (
    "notified",
    "letter_of_claim_received",
    "investigating",
    "letter_of_response_sent",
    "negotiating",
)
SCHEMES = {"CNST": 92, "ELS": 5, "DHSC_CLINICAL": 3}


@dataclass
class NationalRegister:
    """Rows for the register's claim-side tables, as the projection would leave them."""

    claims: list[dict] = field(default_factory=list)
    payments: list[dict] = field(default_factory=list)
    codes: list[dict] = field(default_factory=list)
    routes: list[dict] = field(default_factory=list)

    def tables(self) -> list[tuple]:
        return [
            (ClaimRow.__table__, self.claims),
            (PaymentRow.__table__, self.payments),
            (ClaimCodeRow.__table__, self.codes),
            (ClaimRouteRow.__table__, self.routes),
        ]

    def sizes(self) -> dict[str, int]:
        return {table.name: len(rows) for table, rows in self.tables()}


def trust_codes(n: int) -> list[str]:
    """ODS-like trust codes (RA0, RA1, ... RGZ), largest trust first."""
    alphanumerics = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [f"R{alphanumerics[10 + i // 36]}{alphanumerics[i % 36]}" for i in range(n)]


class Coder:
    """Draws a claim's coding from the taxonomy's leaves, with each specialty's leanings."""

    def __init__(self, taxonomy: Taxonomy, rng: random.Random) -> None:
        self.taxonomy, self.rng = taxonomy, rng
        self.leaves = {kind: [c.code for c in taxonomy.codable(kind)] for kind in CodeKind}
        specialties = self.leaves[CodeKind.SPECIALTY]
        self.specialties = specialties
        self.specialty_weights = [SPECIALTY_WEIGHTS.get(code, 1) for code in specialties]
        # Within every kind, the file's first leaves are drawn more often than its last.
        self.weights = {
            kind: [1 / (rank + 1) ** 0.7 for rank in range(len(codes))] for kind, codes in self.leaves.items()
        }
        self.under = {
            group: sorted(codes_under(taxonomy, [group]) - taxonomy.parents)
            for leaning in LEANINGS.values()
            for group in leaning
            if group
        }

    def specialty(self) -> str:
        return self.rng.choices(self.specialties, self.specialty_weights)[0]

    def pick(self, kind: CodeKind, specialty: str, k: int = 1) -> list[str]:
        """k distinct leaves of the kind, leaning to the specialty's group for the kind."""
        position = {CodeKind.CAUSE: 0, CodeKind.THEME: 1, CodeKind.INJURY: 2}[kind]
        group = LEANINGS.get(specialty, (None, None, None))[position]
        chosen: list[str] = []
        while len(chosen) < k:
            if group and self.rng.random() < LEANING:
                code = self.rng.choice(self.under[group])
            else:
                code = self.rng.choices(self.leaves[kind], self.weights[kind])[0]
            if code not in chosen:
                chosen.append(code)
        return chosen


def national_register(claims: int, seed: int, taxonomy: Taxonomy, trusts: int = TRUSTS) -> NationalRegister:
    """`claims` claims notified over YEARS_OF_CLAIMS up to REGISTER_DAY, the same for the same seed."""
    rng = random.Random(seed)
    coder = Coder(taxonomy, rng)
    codes = trust_codes(trusts)
    by_trust = rng.choices(codes, [1 / (rank + 1) ** TRUST_SKEW for rank in range(trusts)], k=claims)
    span = timedelta(days=365.25 * YEARS_OF_CLAIMS)
    register = NationalRegister()
    for n, trust in enumerate(by_trust, start=1):
        opened = REGISTER_DAY - span * rng.random()
        _claim(register, rng, coder, taxonomy.version, f"CLM-BL{n:07d}", trust, opened)
    return register


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


def _claim(
    register: NationalRegister,
    rng: random.Random,
    coder: Coder,
    version: str,
    ref: str,
    trust: str,
    opened: datetime,
) -> None:
    specialty = coder.specialty()
    birth = specialty == "specialty.obstetrics"
    to_notify = _lognormal(rng, NOTIFICATION_MEDIAN_DAYS * (2 if birth else 1), NOTIFICATION_SIGMA)
    closes = opened + timedelta(days=_lognormal(rng, CLOSURE_MEDIAN_DAYS, CLOSURE_SIGMA))
    closed = closes if closes < REGISTER_DAY else None
    # A claim is coded once its investigation has gone some way: the newest less often.
    coded = rng.random() < (0.92 if REGISTER_DAY - opened > timedelta(days=120) else 0.45)
    outcome = rng.choices(list(CLOSED_OUTCOMES), list(CLOSED_OUTCOMES.values()))[0] if closed else None
    overdue = closed is None and rng.random() < OVERDUE_SHARE
    routes = _routes(register, rng, ref, trust, opened, closed) if rng.random() < ROUTE_SHARE else []
    running = sorted({r["kind"] for r in routes if r["ended_at"] is None})
    register.claims.append(
        {
            "ref": ref,
            "workflow_id": f"claim-{ref}",
            "stage": "closed" if closed else rng.choice(OPEN_STAGES),
            "handler": f"handler.{rng.randrange(400):03d}",
            "scheme": rng.choices(list(SCHEMES), list(SCHEMES.values()))[0],
            "claimant_firm_id": f"SRA-{rng.randrange(900):04d}",
            "claimant_firm_name": "Claimant Solicitors LLP",
            "defendant_code": trust,
            "defendant_name": f"{trust} NHS Foundation Trust",
            "specialty": coder.taxonomy.by_code[specialty].label,
            "incident_date": (opened - timedelta(days=to_notify)).date(),
            "on_hold": False,
            "outcome": outcome,
            "opened_at": opened,
            "updated_at": closed or opened,
            "closed_at": closed,
            "seq": rng.randrange(5, 80),
            "version": 1,
            "team": f"team-{trust}",
            "next_deadline_at": None if closed else REGISTER_DAY + timedelta(days=rng.randrange(-30, 90)),
            "overdue": overdue,
            "active_routes": ",".join(running) or None,
            "claimant_age_band": "0" if birth else rng.choice(AGE_BANDS[2:])[1],
            "taxonomy_version": version if coded else None,
            "coded_specialty": specialty if coded else None,
            "primary_cause": coder.pick(CodeKind.CAUSE, specialty)[0] if coded else None,
        }
    )
    if coded:
        row = register.claims[-1]
        fields = [("specialty", specialty), ("primary_cause", row["primary_cause"])]
        fields += [("injuries", c) for c in coder.pick(CodeKind.INJURY, specialty, rng.choice((1, 1, 2)))]
        fields += [("themes", c) for c in coder.pick(CodeKind.THEME, specialty, rng.choice((1, 2, 2, 3)))]
        register.codes.extend({"claim_ref": ref, "field": f, "code": c} for f, c in fields)
    if outcome == "settled_with_damages":
        _payments(register, rng, ref, opened, closed, birth)


def _payments(
    register: NationalRegister, rng: random.Random, ref: str, opened: datetime, closed: datetime, birth: bool
) -> None:
    """Damages (large ones partly as an interim first, the largest partly periodical) and costs."""
    damages = Decimal(
        round(_lognormal(rng, DAMAGES_MEDIAN * (OBSTETRIC_FACTOR if birth else 1), DAMAGES_SIGMA))
    )
    parts = [("lump_sum", damages)]
    if damages > 250_000:
        interim = (damages * Decimal("0.3")).quantize(Decimal(1))
        parts = [("interim", interim), ("lump_sum", damages - interim)]
    if damages > 1_000_000:
        periodical = (damages * Decimal("0.1")).quantize(Decimal(1))
        parts = [(kind, amount - periodical if kind == "lump_sum" else amount) for kind, amount in parts]
        parts.append(("periodical", periodical))
    costs = Decimal(round(float(damages) * rng.uniform(0.2, 0.9) + 2_000))
    for n, (kind, amount) in enumerate([*parts, ("costs", costs)], start=1):
        paid_on = opened + (closed - opened) * (0.5 if kind == "interim" else 1.0)
        register.payments.append(
            {
                "claim_ref": ref,
                "reference": f"PAY-{n}",
                "kind": kind,
                "amount": amount,
                "payee": "claimant_solicitors",
                "paid_on": paid_on.date(),
                "recorded_by": "handler.bench",
                "recorded_at": paid_on,
            }
        )


def _routes(
    register: NationalRegister,
    rng: random.Random,
    ref: str,
    trust: str,
    opened: datetime,
    closed: datetime | None,
) -> list[dict]:
    """One route (now and then two) tried on the claim, ended with a result unless still running."""
    tried = []
    life = (closed or REGISTER_DAY) - opened
    for n in range(1, rng.choice((1, 1, 1, 2)) + 1):
        kind = rng.choices(list(ROUTE_KINDS), list(ROUTE_KINDS.values()))[0]
        started = opened + life * rng.uniform(0.2, 0.8)
        ended = closed is not None or rng.random() < 0.5
        # A summit is one route of many claims: the trust's claims in it share its reference.
        route_ref = f"RS-{trust}-{started:%Y%m}" if kind == "resolution_summit" else f"{ref}-R{n}"
        if any(r["route_ref"] == route_ref for r in tried):
            continue  # one summit of the month is enough for one claim
        route = {
            "claim_ref": ref,
            "route_ref": route_ref,
            "kind": kind,
            "started_at": started,
            "ended_at": started + (REGISTER_DAY - started) * rng.uniform(0.1, 0.9) if ended else None,
            # A few ended routes were abandoned with no result recorded.
            "result": rng.choice(ROUTE_RESULTS[kind]) if ended and rng.random() > 0.05 else None,
            "version": 1,
        }
        if closed is not None and route["ended_at"] > closed:
            route["ended_at"] = closed
        tried.append(route)
    register.routes.extend(tried)
    return tried


# --- registers on each backend -------------------------------------------------------------------


@dataclass
class Backend:
    name: str
    url: str
    engine: Engine
    size_mib: Callable[[], float]


@contextlib.contextmanager
def sqlite_backend(workdir: Path) -> Iterator[Backend]:
    path = workdir / "register.db"
    url = f"sqlite:///{path}"
    db.migrate(url)
    engine = db.make_engine(url)
    try:
        yield Backend("SQLite", url, engine, lambda: sqlite_mib(path))
    finally:
        engine.dispose()


@contextlib.contextmanager
def postgres_backend(admin_url: str) -> Iterator[Backend | None]:
    """A fresh database of the bench's own on the server, dropped afterwards; None (and a line
    saying so) when the server cannot be reached."""
    admin = create_engine(db.normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
            connection.exec_driver_sql(f"CREATE DATABASE {BENCH_DATABASE}")
    except OperationalError as err:
        print(f"PostgreSQL skipped: {db.shown_url(admin_url)} unreachable ({str(err).splitlines()[0]})")
        admin.dispose()
        yield None
        return
    url = (
        make_url(db.normalise_url(admin_url))
        .set(database=BENCH_DATABASE)
        .render_as_string(hide_password=False)
    )
    engine = None
    try:
        db.migrate(url)
        engine = db.make_engine(url)

        def size() -> float:
            with engine.connect() as connection:
                return (
                    connection.exec_driver_sql("SELECT pg_database_size(current_database())").scalar() / 2**20
                )

        yield Backend("PostgreSQL", url, engine, size)
    finally:
        if engine is not None:
            engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        admin.dispose()


def batches(rows: list[dict], size: int = 10_000) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load(backend: Backend, register: NationalRegister) -> dict[str, float]:
    """Every row inserted by executemany in batches, one transaction; then the database left as
    production would find it after a bulk load: PostgreSQL vacuumed and analysed (autovacuum does
    both after this many inserts), SQLite checkpointed and not analysed (Fairway never runs
    ANALYZE there)."""
    started = time.perf_counter()
    with backend.engine.begin() as connection:
        for table, rows in register.tables():
            for batch in batches(rows):
                connection.execute(table.insert(), batch)
    inserted = time.perf_counter()
    with backend.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if backend.engine.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"insert_s": inserted - started, "settle_s": time.perf_counter() - inserted}


# --- the measures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """What every measure asks of the register: the largest trust, the last five whole years."""

    trust: str
    trust_claims: int
    first_year: int
    last_year: int
    taxonomy: Taxonomy
    specialty: str = "specialty.obstetrics"
    theme_group: str = "theme.monitoring_and_escalation"

    @property
    def period(self) -> ReportingPeriod:
        return ReportingPeriod(first_day=date(self.first_year, 1, 1), last_day=date(self.last_year, 12, 31))

    @property
    def start(self) -> datetime:
        return datetime(self.first_year, 1, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return datetime(self.last_year + 1, 1, 1, tzinfo=UTC)

    def extract_request(self) -> ExtractRequest:
        filters = ExtractFilters(
            specialties=[self.specialty],
            themes=[self.theme_group],
            first_year=self.first_year,
            last_year=self.last_year,
        )
        return ExtractRequest(filters=filters, purpose="the learning benchmark's selection")


def question(register: NationalRegister, taxonomy: Taxonomy, years: int = 5) -> Question:
    sizes: dict[str, int] = {}
    for claim in register.claims:
        sizes[claim["defendant_code"]] = sizes.get(claim["defendant_code"], 0) + 1
    largest = max(sizes, key=lambda code: (sizes[code], code))
    last_year = REGISTER_DAY.year - 1
    return Question(largest, sizes[largest], last_year - years + 1, last_year, taxonomy)


def fairway_scorecard(session, q: Question):
    card = member_scorecard(session, q.taxonomy, q.trust, q.period)
    return card, {
        "notified claims": card.notified.claims,
        "closed claims": card.closed.claims,
        "national coded claims notified": card.national_coded_claims_notified,
    }


def fairway_statistics(session, q: Question):
    figures = national_statistics(session, q.taxonomy, q.first_year, q.last_year)
    return figures, {
        "figures (year, specialty, band)": len(figures),
        "closed claims": sum(f.claims for f in figures),
    }


def fairway_extract(session, q: Question):
    claims = selected_claims(session, q.extract_request(), q.taxonomy)
    return claims, {"claims selected": len(claims)}


# The floors: plain SQL with :named parameters (turned into the driver's own style), run on the
# driver's cursor and fetched whole. IN lists are spelled out as :name0, :name1, ...

PAID = """SUM(CASE WHEN p.kind <> 'costs' THEN p.amount ELSE 0 END),
          SUM(CASE WHEN p.kind = 'costs' THEN p.amount ELSE 0 END)"""

FLOOR_SCORECARD = {
    "trust's claims, payments summed": f"""
        SELECT c.ref, c.coded_specialty, c.primary_cause, c.incident_date, c.opened_at,
               c.closed_at, c.overdue, {PAID}
        FROM claim c LEFT JOIN payment p ON p.claim_ref = c.ref
        WHERE c.defendant_code = :trust
          AND ((c.opened_at >= :start AND c.opened_at < :end)
               OR (c.closed_at >= :start AND c.closed_at < :end) OR c.closed_at IS NULL)
        GROUP BY c.ref""",
    "trust's themes": """
        SELECT k.claim_ref, k.code FROM claim_code k JOIN claim c ON c.ref = k.claim_ref
        WHERE k.field = 'themes' AND c.defendant_code = :trust
          AND c.opened_at >= :start AND c.opened_at < :end""",
    "trust's routes": """
        SELECT r.kind, r.result, r.ended_at FROM claim_route r JOIN claim c ON c.ref = r.claim_ref
        WHERE c.defendant_code = :trust AND r.started_at >= :start AND r.started_at < :end""",
    "national coded claims": """
        SELECT COUNT(*) FROM claim c
        WHERE c.coded_specialty IS NOT NULL AND c.opened_at >= :start AND c.opened_at < :end""",
    "national claims by theme": """
        SELECT k.code, COUNT(*) FROM claim_code k JOIN claim c ON c.ref = k.claim_ref
        WHERE k.field = 'themes' AND c.coded_specialty IS NOT NULL
          AND c.opened_at >= :start AND c.opened_at < :end
        GROUP BY k.code""",
}

FLOOR_STATISTICS = {
    "closed claims, payments summed": f"""
        SELECT c.coded_specialty, c.incident_date, c.opened_at, c.closed_at, {PAID}
        FROM claim c LEFT JOIN payment p ON p.claim_ref = c.ref
        WHERE c.closed_at >= :start AND c.closed_at < :end
        GROUP BY c.ref""",
}

CHOSEN = """c.taxonomy_version = :version AND c.opened_at >= :start AND c.opened_at < :end
          AND c.coded_specialty IN ({specialties})
          AND c.ref IN (SELECT t.claim_ref FROM claim_code t
                        WHERE t.field = 'themes' AND t.code IN ({themes}))"""

FLOOR_EXTRACT = {
    "chosen claims, damages summed": f"""
        SELECT c.ref, c.defendant_code, c.scheme, c.coded_specialty, c.primary_cause,
               c.claimant_age_band, c.incident_date, c.opened_at, c.closed_at, c.outcome,
               SUM(CASE WHEN p.kind <> 'costs' THEN p.amount ELSE 0 END)
        FROM claim c LEFT JOIN payment p ON p.claim_ref = c.ref
        WHERE {CHOSEN}
        GROUP BY c.ref""",
    "their injuries and themes": f"""
        SELECT k.claim_ref, k.field, k.code FROM claim_code k JOIN claim c ON c.ref = k.claim_ref
        WHERE k.field IN ('injuries', 'themes') AND {CHOSEN}""",
    "their routes": f"""
        SELECT r.claim_ref, r.kind FROM claim_route r JOIN claim c ON c.ref = r.claim_ref
        WHERE {CHOSEN}""",
}
assert CODED_FIELDS == ("injuries", "themes")  # the extract floor names them in its SQL


def in_list(name: str, values: Sequence[str]) -> tuple[str, dict[str, str]]:
    params = {f"{name}{n}": value for n, value in enumerate(values)}
    return ", ".join(f":{key}" for key in params), params


def floor_statements(q: Question) -> dict[str, dict[str, tuple[str, dict]]]:
    """Each measure's floor: its statements by name, each with its parameters."""
    span = {"start": q.start, "end": q.end}
    specialties, specialty_params = in_list("specialty", sorted(codes_under(q.taxonomy, [q.specialty])))
    themes, theme_params = in_list("theme", sorted(codes_under(q.taxonomy, [q.theme_group])))
    chosen = {"version": q.taxonomy.version, **span, **specialty_params, **theme_params}
    return {
        "scorecard": {name: (sql, {"trust": q.trust, **span}) for name, sql in FLOOR_SCORECARD.items()},
        "statistics": {name: (sql, span) for name, sql in FLOOR_STATISTICS.items()},
        "extract": {
            name: (sql.replace("{specialties}", specialties).replace("{themes}", themes), chosen)
            for name, sql in FLOOR_EXTRACT.items()
        },
    }


def driver_form(dialect: str, sql: str, params: dict) -> tuple[str, dict]:
    """:named parameters in the driver's own style, and times as the register stores them
    (SQLite: UTC text in SQLAlchemy's format; PostgreSQL: timestamptz)."""
    if dialect == "postgresql":
        return re.sub(r":(\w+)", r"%(\1)s", sql), params
    stored = {
        key: value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value
        for key, value in params.items()
    }
    return sql, stored


def run_floor(engine: Engine, statements: dict[str, tuple[str, dict]]) -> dict[str, int]:
    """Each statement on the driver's cursor, fetched whole: rows fetched by statement."""
    fetched = {}
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for name, (sql, params) in statements.items():
            cursor.execute(*driver_form(engine.dialect.name, sql, params))
            fetched[name] = len(cursor.fetchall())
        cursor.close()
    finally:
        connection.rollback()
        connection.close()
    return fetched


@dataclass
class Timing:
    seconds: list[float]

    @property
    def p50(self) -> float:
        return percentile(self.seconds, 50)

    @property
    def max(self) -> float:
        return max(self.seconds)


def timed(call: Callable[[], object], runs: int) -> tuple[Timing, object]:
    """One untimed call to warm caches (the database's pages, SQLAlchemy's compiled statements),
    then `runs` timed ones."""
    answer = call()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = call()
        seconds.append(time.perf_counter() - started)
    return Timing(seconds), answer


@contextlib.contextmanager
def statements_of(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    """The statements Fairway sends to the driver meanwhile, with their parameters as sent."""
    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def replayed(engine: Engine, sent: list[tuple[str, object]], runs: int) -> list[dict]:
    """Each of Fairway's own statements replayed on the driver's cursor and fetched whole: how
    much of Fairway's time is the database's (p50 of `runs`), and how many rows each returns."""
    out = []
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        for statement, parameters in sent:
            seconds, rows = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                cursor.execute(statement, parameters)
                rows = len(cursor.fetchall())
                seconds.append(time.perf_counter() - started)
            out.append({"statement": statement, "rows": rows, "p50_s": percentile(seconds, 50)})
        cursor.close()
    finally:
        connection.rollback()
        connection.close()
    return out


MEASURES = {
    "scorecard": ("scorecard, largest trust, five years", fairway_scorecard),
    "statistics": ("national statistics, five years", fairway_statistics),
    "extract": ("extract selection, one specialty and theme group, five years", fairway_extract),
}


def measure(backend: Backend, q: Question, runs: int, profile: bool) -> dict:
    sessions = db.session_factory(backend.engine)
    floors = floor_statements(q)
    results = {}
    for key, (title, fairway) in MEASURES.items():

        def call(fairway=fairway):
            with sessions() as session:
                return fairway(session, q)

        fairway_timing, (_, involved) = timed(call, runs)
        floor_timing, fetched = timed(lambda key=key: run_floor(backend.engine, floors[key]), runs)
        with statements_of(backend.engine) as sent:
            call()
        statements = replayed(backend.engine, sent, runs)
        results[key] = {
            "title": title,
            "fairway": fairway_timing,
            "floor": floor_timing,
            "involved": involved,
            "floor rows": fetched,
            "statements": statements,
        }
        print(
            f"{backend.name}: {title}: Fairway p50 {fairway_timing.p50 * 1000:.0f} ms, "
            f"floor p50 {floor_timing.p50 * 1000:.0f} ms"
        )
        if profile:
            print(profiled(call))
    return results


def profiled(call: Callable[[], object], lines: int = 25) -> str:
    """Where one call's time goes, by function (cumulative), for `--profile`."""
    profiler = cProfile.Profile()
    profiler.runcall(call)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


# --- the report ----------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}" if seconds >= 0.01 else f"{seconds * 1000:.1f}"


def rest(seconds: float) -> str:
    """Fairway's time less its statements': below nothing, the Python is lost in the noise."""
    return ms(seconds) if seconds >= 0 else f"~0 ({ms(seconds)}: noise)"


def statement_label(sql: str, width: int = 80) -> str:
    flat = " ".join(sql.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def backend_section(name: str, run: dict) -> list[str]:
    load_s, results = run["load"], run["results"]
    lines = [
        f"### {name}",
        "",
        f"Loaded in {load_s['insert_s']:.1f} s (insert) + {load_s['settle_s']:.1f} s "
        f"({'VACUUM ANALYZE' if name == 'PostgreSQL' else 'WAL checkpoint'}); "
        f"database {run['size_mib']:.0f} MiB.",
        f"While measuring ({run['cpu']['wall_s']:.0f} s, {os.cpu_count()} cores): the bench's process spent "
        f"{run['cpu']['bench_s']:.1f} CPU s, the rest of the machine {run['cpu']['rest_s']:.1f} CPU s"
        + (" (the PostgreSQL server's among them)." if name == "PostgreSQL" else "."),
        "",
        "| measure | Fairway p50 ms | Fairway max ms | floor p50 ms | floor max ms | Fairway/floor (p50) "
        "| target | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, r in results.items():
        ratio = r["fairway"].p50 / r["floor"].p50
        met = r["fairway"].p50 <= SCORECARD_TARGET_S
        target, verdict = (
            (f"<= {SCORECARD_TARGET_S * 1000:,.0f} ms", "met" if met else "NOT met")
            if key == "scorecard"
            else ("-", "-")
        )
        lines.append(
            f"| {r['title']} | {ms(r['fairway'].p50)} | {ms(r['fairway'].max)} | {ms(r['floor'].p50)} "
            f"| {ms(r['floor'].max)} | {ratio:.1f}x | {target} | {verdict} |"
        )
    lines += ["", "Rows involved:", ""]
    for r in results.values():
        involved = ", ".join(f"{k} {v:,}" for k, v in r["involved"].items())
        fetched = ", ".join(f"{k} {v:,}" for k, v in r["floor rows"].items())
        lines.append(f"- {r['title']}: answer over {involved}; the floor fetched {fetched}.")
    lines += [
        "",
        "Where Fairway's time goes (p50): its statements replayed on the driver's cursor, and the rest.",
        "",
    ]
    lines += ["| measure | statements | database ms | rest (Python) ms | slowest statement (rows, ms) |"]
    lines += ["|---|---|---|---|---|"]
    for r in results.values():
        database = sum(s["p50_s"] for s in r["statements"])
        slowest = max(r["statements"], key=lambda s: s["p50_s"])
        lines.append(
            f"| {r['title']} | {len(r['statements'])} | {ms(database)} | {rest(r['fairway'].p50 - database)} "
            f"| `{statement_label(slowest['statement'])}` ({slowest['rows']:,}, {ms(slowest['p50_s'])}) |"
        )
    card = results["scorecard"]["statements"]
    lines += ["", "The scorecard's statements, in the order Fairway sends them:", ""]
    lines += ["| statement | rows | p50 ms |", "|---|---|---|"]
    lines += [f"| `{statement_label(s['statement'])}` | {s['rows']:,} | {ms(s['p50_s'])} |" for s in card]
    return lines


def report(runs: dict, *, heading: str, command: str, facts: dict, note: str | None) -> str:
    lines = [
        f"## {heading}",
        "",
        f"Machine: {machine()}.",
        f"Load average (1 min) {facts['load'][0]:.2f} before the run, {facts['load'][1]:.2f} after.",
        f"Command: `{command}`.",
        "",
        f"Register: {facts['rows']}; generated in {facts['generate_s']:.1f} s (seed {facts['seed']}). "
        f"Largest trust {facts['trust']} with {facts['trust_claims']:,} claims; period "
        f"{facts['first_year']}-{facts['last_year']} (the last five whole years before "
        f"{REGISTER_DAY.date()}). Each measure warm (one untimed call), {facts['runs']} runs.",
    ]
    if note:
        lines += ["", note]
    for name, run in runs.items():
        lines += [""]
        lines += [f"### {name}", "", run] if isinstance(run, str) else backend_section(name, run)
    lines += [
        "",
        "Target (issue 19): a large trust's scorecard over five years within 1 s (p50; max beside it):",
        "",
    ]
    for name, run in runs.items():
        if not isinstance(run, str):
            card = run["results"]["scorecard"]["fairway"]
            verdict = "met" if card.p50 <= SCORECARD_TARGET_S else "NOT met"
            within = "within" if card.max <= SCORECARD_TARGET_S else "over"
            lines.append(
                f"- {name}: **{ms(card.p50)} ms** (target <= {SCORECARD_TARGET_S * 1000:,.0f} ms): "
                f"{verdict}; the slowest of the runs {ms(card.max)} ms, {within} the target."
            )
    return "\n".join(lines) + "\n"


def main() -> str:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000, help="claims in the register")
    parser.add_argument("--runs", type=int, default=10, help="timed runs of each measure, after a warm one")
    parser.add_argument("--seed", type=int, default=19, help="the register's seed: the same claims each time")
    parser.add_argument(
        "--postgres",
        default=POSTGRES_ADMIN_URL,
        help="a database URL on the server to create the bench's own database from",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--label", default="a run", help="the section heading, after the date")
    parser.add_argument("--note", help="a sentence for the section: what else the machine was doing, say")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the results file to add a section to")
    parser.add_argument("--profile", action="store_true", help="print a profile of one call of each measure")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    taxonomy = read_taxonomy_file(SHIPPED_TAXONOMY_FILE)
    started = time.perf_counter()
    register = national_register(args.claims, args.seed, taxonomy)
    generate_s = time.perf_counter() - started
    q = question(register, taxonomy)
    sizes = register.sizes()
    print(f"generated {sizes} in {generate_s:.1f} s; largest trust {q.trust} ({q.trust_claims} claims)")
    runs: dict[str, dict | str] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-learning-") as tmp,
        sqlite_backend(Path(tmp)) as backend,
    ):
        runs[backend.name] = bench_backend(backend, register, q, args)
    if args.no_postgres:
        runs["PostgreSQL"] = "Not run (`--no-postgres`)."
    else:
        with postgres_backend(args.postgres) as backend:
            if backend is None:
                runs["PostgreSQL"] = f"Skipped: {db.shown_url(args.postgres)} could not be reached."
            else:
                runs[backend.name] = bench_backend(backend, register, q, args)
    facts = {
        "load": (load_before, os.getloadavg()[0]),
        "rows": ", ".join(f"{n:,} {table}" for table, n in sizes.items()),
        "generate_s": generate_s,
        "seed": args.seed,
        "runs": args.runs,
        "trust": q.trust,
        "trust_claims": q.trust_claims,
        "first_year": q.first_year,
        "last_year": q.last_year,
    }
    command = ["python", "-m", "bench.learning", "--claims", str(args.claims), "--runs", str(args.runs)]
    command += ["--seed", str(args.seed), "--label", args.label] + (
        ["--no-postgres"] if args.no_postgres else []
    )
    text = report(
        runs,
        heading=f"{date.today().isoformat()}, {args.label}",
        command=shlex.join(command),
        facts=facts,
        note=args.note,
    )
    write_section(args.results, text, marker=MARKER, preamble=PREAMBLE)
    print(text)
    return text


def bench_backend(backend: Backend, register: NationalRegister, q: Question, args) -> dict:
    load_s = load(backend, register)
    print(f"{backend.name}: loaded in {load_s['insert_s']:.1f} s + {load_s['settle_s']:.1f} s")
    # The machine may be shared (another engineer's tests): what the rest of it spent while this
    # backend was measured says how far to trust the figures.
    started, ours, busy = time.perf_counter(), cpu_seconds(os.getpid()), machine_cpu_seconds()
    results = measure(backend, q, args.runs, args.profile)
    ours, busy = cpu_seconds(os.getpid()) - ours, machine_cpu_seconds() - busy
    cpu = {"wall_s": time.perf_counter() - started, "bench_s": ours, "rest_s": max(0.0, busy - ours)}
    return {"load": load_s, "size_mib": backend.size_mib(), "results": results, "cpu": cpu}


if __name__ == "__main__":
    main()
