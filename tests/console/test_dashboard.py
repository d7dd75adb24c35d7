"""The dashboard: the charts as pure functions, then the page over ASGI on a real (migrated)
register, SQLite and PostgreSQL (skipped when the server is not there), that each test fills
with rows of its own. No Temporal: the page reads the
register only. The clock is fixed, so every figure below is worked out by hand."""

from __future__ import annotations

import contextlib
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import httpx
import psycopg
import pytest
from sqlalchemy import delete

from api.app import create_app
from api.console import charts, dashboard
from fairway import db
from fairway.settings import Settings
from models.access import ACCESS
from models.common import CaseKind
from models.deadlines import LadderStep
from models.register import CaseRow, EscalationRow
from tests.conftest import POSTGRES_URL, _postgres_reachable, directory
from tests.helpers import TOKENS

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


# --- the charts, as pure functions ------------------------------------------------------------


def drawn_bars(svg: str) -> dict[str, float]:
    """Each drawn bar's own label (series, category: value) and its height."""
    root = ET.fromstring(svg)
    return {
        rect.find(f"{SVG}title").text: float(rect.get("height"))
        for rect in root.iter(f"{SVG}rect")
        if rect.find(f"{SVG}title") is not None
    }


def test_a_chart_draws_each_value_as_a_bar_and_names_it():
    chart = charts.opened_and_closed(["Jan 2026", "Feb 2026"], [3, 0], [1, 12])
    root = ET.fromstring(chart.svg)  # well-formed XML, or this raises
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Cases opened and closed each month, Jan 2026 to Feb 2026"
    assert root.get("aria-labelledby") == root.find(f"{SVG}title").get("id")
    assert root.get("aria-describedby") == root.find(f"{SVG}desc").get("id")
    assert root.find(f"{SVG}desc").text == (
        "Opened: 3 cases in all; the most, 3, in Jan 2026. Closed: 13 cases in all; the most, 12, in "
        "Feb 2026. The table below gives every figure."
    )
    bars = drawn_bars(chart.svg)
    assert set(bars) == {"Opened, Jan 2026: 3", "Closed, Jan 2026: 1", "Closed, Feb 2026: 12"}
    # The outlined bar's stroke sits inside its box: compare the solid bar with the outlined one's box.
    assert bars["Opened, Jan 2026: 3"] == pytest.approx((bars["Closed, Feb 2026: 12"] + 2) * 3 / 12, abs=0.2)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for label in ("Month", "Cases", "Opened", "Closed", "Jan 2026", "Feb 2026", "3", "12", "15"):
        assert label in texts, label
    assert chart.rows == [("Jan 2026", (3, 1)), ("Feb 2026", (0, 12))]


def test_the_second_series_differs_by_shape_not_colour_alone():
    chart = charts.opened_and_closed(["Jan 2026"], [2], [2])
    rects = [r for r in ET.fromstring(chart.svg).iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [r.get("fill") for r in rects] == [charts.NHS_BLUE, "#ffffff"]
    assert rects[1].get("stroke") == charts.NHS_PURPLE


def test_an_empty_chart_says_so_and_draws_no_bar():
    chart = charts.resolution_times(["Under 90 days", "2 years or more"], [0, 0], period="since 1 May 2026")
    root = ET.fromstring(chart.svg)
    assert root.find(f"{SVG}desc").text == "No case was closed since 1 May 2026."
    assert drawn_bars(chart.svg) == {}
    assert chart.empty and chart.rows == [("Under 90 days", (0,)), ("2 years or more", (0,))]
    nothing = charts.opened_and_closed([], [], [])
    said = ET.fromstring(nothing.svg).find(f"{SVG}desc").text
    assert said == "No case was opened or closed in these months."
    assert nothing.rows == []


def test_every_text_in_a_chart_is_escaped():
    hostile = "<script>alert(\"x\")</script> & 'co'"
    chart = charts.bar_chart(
        id='c" onload="alert(1)',
        title=hostile,
        x_label=hostile,
        y_label=hostile,
        categories=[hostile],
        series=[charts.Series(hostile, (4,), colour='red" onclick="x')],
        unit=hostile,
        empty=hostile,
    )
    markup = str(chart.svg)
    assert "<script>" not in markup and 'onload="' not in markup and 'onclick="' not in markup
    root = ET.fromstring(markup)
    assert root.find(f"{SVG}title").text == hostile  # the same words, once unescaped
    assert root.get("id") == 'c" onload="alert(1)'
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count(hostile) == 3  # the axes' labels and the bar's category


def test_a_series_must_have_a_value_for_every_bar():
    with pytest.raises(ValueError, match="2 values for 3 bars"):
        charts.opened_and_closed(["a", "b", "c"], [1, 2], [1, 2, 3])


@pytest.mark.parametrize(
    ("highest", "scale"),
    [
        (0, (1, 1)),
        (1, (1, 1)),
        (5, (5, 1)),
        (6, (6, 2)),
        (7, (8, 2)),
        (11, (15, 5)),
        (99, (100, 20)),
        (1234, (1500, 500)),
    ],
)
def test_the_axis_ends_at_a_round_number_above_the_highest_value(highest, scale):
    assert charts.axis_scale(highest) == scale


def test_a_long_label_wraps_at_spaces_and_a_long_word_stays_whole():
    assert charts.wrapped("180 to 364 days", 50) == ["180 to", "364", "days"]
    assert charts.wrapped("180 to 364 days", 60) == ["180 to", "364 days"]
    assert charts.wrapped("Jan 2026", 200) == ["Jan 2026"]
    assert charts.wrapped("Extraordinarily", 10) == ["Extraordinarily"]


def test_the_months_run_to_this_one_across_a_new_year():
    assert [f"{m:%Y-%m}" for m in dashboard.month_starts(datetime(2026, 2, 28, 23, 59, tzinfo=UTC), 3)] == [
        "2025-12",
        "2026-01",
        "2026-02",
    ]


# --- the page ---------------------------------------------------------------------------------


@contextmanager
def own_postgres_database() -> Iterator[str]:
    """A database of this module's own on the test PostgreSQL server (the session's shared one
    holds other tests' cases, and the dashboard counts every row), dropped afterwards."""
    reason = _postgres_reachable()
    if reason:
        pytest.skip(reason)
    admin = POSTGRES_URL.replace("+psycopg", "")
    name = f"fairway_dashboard_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def register(request, tmp_path_factory) -> Iterator[db.Sessions]:
    """The register on each backend: the figures are SQL, and the two differ in date arithmetic."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'fairway.db'}"
        else:
            url = stack.enter_context(own_postgres_database())
        db.migrate(url)
        sessions = db.session_factory(db.make_engine(url))
        stack.callback(sessions.dispose)
        yield sessions


@pytest.fixture
def sessions(register):
    with register.begin() as session:
        session.execute(delete(EscalationRow))
        session.execute(delete(CaseRow))
    return register


@pytest.fixture
async def http(sessions):
    app = create_app(Settings(), client=None, sessions=sessions, directory=directory())
    app.dependency_overrides[dashboard.clock] = lambda: NOW
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as client:
        yield client


def ref(prefix: str, n: int, suffix: str = "") -> str:
    return f"{prefix}-{'A' * 11}{'BCDEFGHIJ'[n]}{suffix}"


def case(
    ref: str,
    kind: CaseKind = CaseKind.CLAIM,
    stage: str = "investigating",
    *,
    opened: datetime,
    closed: datetime | None = None,
    due: datetime | None = None,
    overdue: bool = False,
    owner: str = "hana.handler",
) -> CaseRow:
    return CaseRow(
        ref=ref,
        kind=kind.value,
        workflow_id=f"{kind.value}-{ref}",
        stage=stage,
        owner=owner,
        team="north",
        confidential=ACCESS[kind].tier.confidential,
        opened_at=opened,
        updated_at=closed or opened,
        closed_at=closed,
        next_deadline_at=due,
        overdue=overdue,
        facts={},
        seq=1,
        version=1,
    )


def escalation(
    case_ref: str,
    step: LadderStep,
    *,
    raised: datetime,
    kind: CaseKind = CaseKind.CLAIM,
    recipient: str = "sam.supervisor",
    acknowledged: bool = False,
    resolved: bool = False,
) -> EscalationRow:
    return EscalationRow(
        case_kind=kind.value,
        case_ref=case_ref,
        workflow_id=f"{kind.value}-{case_ref}",
        team="north",
        deadline="letter_of_response_due",
        deadline_title="Letter of response due",
        revision=0,
        step=step.value,
        recipient=recipient,
        message="a deadline was missed",
        due_at=raised,
        created_at=raised,
        acknowledged_at=raised + timedelta(minutes=5) if acknowledged else None,
        acknowledged_by="sam.supervisor" if acknowledged else None,
        resolved_at=raised + timedelta(minutes=5) if resolved else None,
    )


def add(sessions, *rows) -> None:
    with sessions.begin() as session:
        session.add_all(rows)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


C1, C2, C3, C4, C5, C6, C7 = (ref("CLM", n) for n in range(7))
M1 = ref("CLM", 1, "-MED1")
A1, A2 = ref("PPA", 0), ref("PPA", 1)


def claims_side() -> list:
    """Claims and a mediation, with the figures each test below expects of them."""
    return [
        case(C1, opened=at("2026-11-10"), due=at("2026-12-01T12:00"), overdue=True),
        case(C2, opened=at("2026-10-03"), due=at("2026-12-20")),
        # Past due, though its projection has not yet marked it missed: overdue all the same.
        case(C3, stage="negotiating", opened=at("2026-06-15"), due=at("2026-12-05T09:00")),
        # Closed cases are not open, whatever their last deadline said.
        case(C4, stage="closed", opened=at("2026-01-20"), closed=at("2026-03-01"), overdue=True),
        case(C5, stage="closed", opened=at("2024-05-01"), closed=at("2026-11-15")),
        case(C6, stage="closed", opened=at("2025-11-15"), closed=at("2025-12-10")),  # before the charts
        case(C7, stage="notified", opened=at("2026-01-01T00:00")),  # the charts' first instant
        case(
            M1,
            CaseKind.MEDIATION,
            "scheduled",
            opened=at("2026-11-20"),
            due=at("2026-11-25T12:00"),
            overdue=True,
        ),
        escalation(C1, LadderStep.SUPERVISOR, raised=NOW - timedelta(hours=2)),
        escalation(C1, LadderStep.WARNING, raised=NOW - timedelta(days=3), recipient="hana.handler"),
        escalation(C3, LadderStep.HEAD_OF_SERVICE, raised=NOW - timedelta(days=10), recipient="hugo.head"),
        escalation(M1, LadderStep.SUPERVISOR, raised=NOW - timedelta(days=8), kind=CaseKind.MEDIATION),
        escalation(C2, LadderStep.SUPERVISOR, raised=NOW - timedelta(days=1, hours=1), acknowledged=True),
        escalation(C3, LadderStep.SUPERVISOR, raised=NOW - timedelta(days=9), resolved=True),
    ]


def advice_side() -> list:
    """Confidential cases: open and overdue, closed, and escalated to a handler by name, so that
    only the kind's tier can keep them off a handler's page."""
    return [
        case(
            A1,
            CaseKind.ADVICE,
            "referred",
            opened=at("2026-11-02"),
            due=at("2026-11-03"),
            overdue=True,
            owner="ava.adviser",
        ),
        case(
            A2,
            CaseKind.ADVICE,
            "closed",
            opened=at("2026-02-02"),
            closed=at("2026-05-01"),
            owner="ava.adviser",
        ),
        case(
            ref("PPA", 2, "-I1"),
            CaseKind.INTERVENTION,
            "requested",
            opened=at("2026-09-09"),
            owner="ava.adviser",
        ),
        escalation(
            A1,
            LadderStep.WARNING,
            raised=NOW - timedelta(hours=1),
            kind=CaseKind.ADVICE,
            recipient="hana.handler",
        ),
        escalation(A1, LadderStep.SUPERVISOR, raised=NOW - timedelta(days=30), kind=CaseKind.ADVICE),
    ]


async def page(http: httpx.AsyncClient, who: str, query: str = "") -> httpx.Response:
    signed = await http.post("/session", data={"token": TOKENS[who]})
    assert signed.status_code == 303
    return await http.get(f"/console{query}")


class Tables(HTMLParser):
    """Every table of a page by its caption: its rows, each a list of its cells' text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._caption: list[str] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._name = [], ""
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._name, self._caption = " ".join("".join(self._caption).split()), None
        elif tag in ("th", "td") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self.tables[self._name], self._rows = self._rows, None

    def handle_data(self, data):
        for part in (self._caption, self._cell):
            if part is not None:
                part.append(data)


def tables(response: httpx.Response) -> dict[str, list[list[str]]]:
    assert response.status_code == 200, response.text
    return Tables(response.text).tables


async def test_without_a_session_the_dashboard_sends_the_browser_to_sign_in(http):
    answer = await http.get("/console")
    assert (answer.status_code, answer.headers["location"]) == (303, "/session?next=/console")


async def test_a_supervisors_dashboard_counts_the_register(http, sessions):
    add(sessions, *claims_side())
    answer = await page(http, "supervisor")
    found = tables(answer)
    # Stages in the pathway's order (notified comes first), not the alphabet's.
    assert found["Claim: 4 open"][1:] == [["Notified", "1"], ["Investigating", "2"], ["Negotiating", "1"]]
    assert found["Mediation: 1 open"][1:] == [["Scheduled", "1"]]
    overdue = found["Overdue longest first"]
    assert [row[0] for row in overdue[1:]] == [M1, C1, C3]
    assert [(row[1], row[2], row[5]) for row in overdue[1:]] == [
        ("Mediation", "Scheduled", "11"),
        ("Claim", "Investigating", "5"),
        ("Claim", "Negotiating", "1"),
    ]
    assert f'href="/console/cases/mediation/{M1}"' in answer.text
    assert "3 open cases have a deadline past its due time." in answer.text
    assert found["Waiting escalations: 4"] == [
        ["Step", "Over 7 days", "1 to 7 days", "Under 1 day"],
        ["Warning to the owner", "0", "1", "0"],
        ["Supervisor", "1", "0", "1"],
        ["Head of service", "1", "0", "0"],
    ]
    months = found["Cases opened and closed each month, Jan 2026 to Dec 2026: the figures"]
    assert months[0] == ["Month", "Opened", "Closed"]
    assert {row[0]: (row[1], row[2]) for row in months[1:] if row[1:] != ["0", "0"]} == {
        "Jan 2026": ("2", "0"),  # C4 and C7 (opened on the first instant)
        "Mar 2026": ("0", "1"),
        "Jun 2026": ("1", "0"),
        "Oct 2026": ("1", "0"),
        "Nov 2026": ("2", "1"),
    }
    assert len(months) == 13
    assert found["Time from opening to closing, cases closed since 1 January 2026: the figures"][1:] == [
        ["Under 90 days", "1"],  # C4: 40 days
        ["90 to 179 days", "0"],
        ["180 to 364 days", "0"],
        ["1 to 2 years", "0"],
        ["2 years or more", "1"],  # C5; C6 closed before the period
    ]
    assert "Opened: 6 cases in all; the most, 2, in Jan 2026 and Nov 2026." in answer.text
    assert answer.text.count('role="img" aria-labelledby="chart-') == 2


async def test_one_kind_alone(http, sessions):
    add(sessions, *claims_side())
    found = tables(await page(http, "supervisor", "?kind=mediation"))
    assert found["Mediation: 1 open"][1:] == [["Scheduled", "1"]]
    assert "Claim: 4 open" not in found
    assert [row[0] for row in found["Overdue longest first"][1:]] == [M1]
    assert found["Waiting escalations: 1"][2] == ["Supervisor", "1", "0", "0"]


async def test_a_kind_the_role_may_not_see_is_no_kind_at_all(http, sessions):
    add(sessions, *claims_side(), *advice_side())
    unseen = await page(http, "handler", "?kind=advice")
    unknown = await http.get("/console?kind=no_such_kind")
    assert unseen.status_code == unknown.status_code == 404
    for answer in (unseen, unknown):
        assert 'data-code="case_kind_not_found"' in answer.text
    assert "advice" not in unseen.text.split("<main", 1)[1].lower()


async def test_a_handlers_dashboard_is_the_same_with_or_without_advice_cases(http, sessions):
    add(sessions, *claims_side())
    before = await page(http, "handler")
    found = tables(before)
    assert "Claim: 4 open" in found and [row[0] for row in found["Overdue longest first"][1:]] == [M1, C1, C3]
    add(sessions, *advice_side())
    after = await http.get("/console")
    assert after.text == before.text
    assert "PPA-" not in after.text and "advice" not in after.text.lower()
    assert "intervention" not in after.text.lower()


async def test_a_handler_counts_only_the_escalations_addressed_to_them(http, sessions):
    add(sessions, *claims_side())
    found = tables(await page(http, "handler"))
    assert found["Waiting escalations: 1"][1:] == [
        ["Warning to the owner", "0", "1", "0"],
        ["Supervisor", "0", "0", "0"],
        ["Head of service", "0", "0", "0"],
    ]


async def test_an_advisers_dashboard_shows_advice_and_no_claim(http, sessions):
    add(sessions, *claims_side(), *advice_side())
    answer = await page(http, "adviser")
    found = tables(answer)
    assert found["Advice: 1 open"][1:] == [["Referred", "1"]]
    assert found["Intervention: 1 open"][1:] == [["Requested", "1"]]
    assert not any(name.startswith(("Claim", "Mediation")) for name in found)
    assert [row[0] for row in found["Overdue longest first"][1:]] == [A1]
    assert f'href="/console/cases/advice/{A1}"' in answer.text
    assert found["Waiting escalations: 0"][1:] == [
        ["Warning to the owner", "0", "0", "0"],
        ["Supervisor", "0", "0", "0"],
        ["Head of service", "0", "0", "0"],
    ]  # an adviser is no queue reader, and none is addressed to ava.adviser
    months = found["Cases opened and closed each month, Jan 2026 to Dec 2026: the figures"]
    assert sum(int(row[1]) for row in months[1:]) == 3 and sum(int(row[2]) for row in months[1:]) == 1
    assert found["Time from opening to closing, cases closed since 1 January 2026: the figures"][1] == [
        "Under 90 days",
        "1",
    ]  # A2: 88 days
    assert "CLM-" not in answer.text and not re.search(r"\bclaim\b", answer.text, re.IGNORECASE)


async def test_an_advice_supervisor_sees_the_advice_queue(http, sessions):
    add(sessions, *claims_side(), *advice_side())
    found = tables(await page(http, "advice_supervisor"))
    assert found["Waiting escalations: 2"][1:] == [
        ["Warning to the owner", "0", "0", "1"],
        ["Supervisor", "1", "0", "0"],
        ["Head of service", "0", "0", "0"],
    ]
