"""The console's learning pages: their charts and figures as pure functions first, then the pages
over ASGI on the session's SQLite register, filled with hand-built claims (tests/learning_register.py)
notified and closed in 1961-63, years no other test uses, against a trust code of their own. The
pages read the register only, so no Temporal is started: the app is built as `fairway api` builds
it, its lifespan never run. Every figure below is worked out by hand from those claims."""

from __future__ import annotations

import csv
import io
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, func, select

from api.app import create_app
from api.console import charts, dashboard
from api.console.extracts import filter_choices
from api.console.learning import years_to
from api.console.learning_figures import Band, days, named, notified_and_closed, paid_by_band
from fairway.clinical_coding import read_taxonomy_file
from fairway.settings import SHIPPED_TAXONOMY_FILE, Settings
from models.register import ResearchExtractRow
from models.scorecards import CategoryClaims
from tests.conftest import TEST_POLICY, directory
from tests.console.test_dashboard import SVG, Tables, drawn_bars
from tests.console.test_pages import csrf_of, signed_in
from tests.learning_register import Register, day

OBSTETRICS = {
    "specialty": "specialty.obstetrics",
    "primary_cause": "cause.fetal_monitoring",
    "themes": ["theme.ctg_misinterpreted", "theme.handover"],
}
EMERGENCY = {"specialty": "specialty.emergency_medicine", "primary_cause": "cause.delay_in_treatment"}
PERIOD = {"first_day": "1961-01-01", "last_day": "1963-12-31"}
YEARS = {"first_year": "1961", "last_year": "1963"}
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
PURPOSE = "Thematic review of fetal monitoring, for the maternity safety board"


# --- charts and figures, as pure functions -----------------------------------------------------


def category(
    code: str, label: str, claims: int, group: str | None = None, group_label: str = ""
) -> CategoryClaims:
    return CategoryClaims(
        code=code, label=label, group=group or code, group_label=group_label or label, claims=claims
    )


def test_lying_bars_name_each_category_and_the_chart_grows_with_them():
    two = charts.bar_chart(
        id="c",
        title="Claims by specialty",
        x_label="Specialty",
        y_label="Claims",
        categories=["Obstetrics", "Emergency medicine"],
        series=[charts.Series("Notified", (12, 3)), charts.Series("Closed", (6, 0), outlined=True)],
        unit="claims",
        empty="none",
        lying=True,
    )
    root = ET.fromstring(two.svg)
    assert root.get("role") == "img" and root.find(f"{SVG}title").text == "Claims by specialty"
    bars = _rects(two.svg)
    assert set(bars) == {
        "Notified, Obstetrics: 12",
        "Notified, Emergency medicine: 3",
        "Closed, Obstetrics: 6",
    }
    # Lying bars grow rightwards from the labels' edge, their lengths in proportion to their values.
    widths = {label: float(rect.get("width")) for label, rect in bars.items()}
    assert widths["Notified, Obstetrics: 12"] == pytest.approx(4 * widths["Notified, Emergency medicine: 3"])
    assert {float(r.get("x")) for r in bars.values()} <= {charts.LABELS_WIDTH, charts.LABELS_WIDTH + 1}
    assert bars["Closed, Obstetrics: 6"].get("fill") == "#ffffff"  # told apart by shape, not colour alone
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for label in ("Specialty", "Claims", "Notified", "Closed", "Obstetrics", "Emergency medicine", "12", "6"):
        assert label in texts, label
    three = charts.bar_chart(
        id="d",
        title="t",
        x_label="x",
        y_label="y",
        categories=["a", "b", "c"],
        series=[charts.Series("s", (1, 2, 3))],
        unit="claims",
        empty="none",
        lying=True,
    )
    assert _height(three) > _height(charts.bar_chart(**_same(three, categories=["a", "b"], values=(1, 2))))


def _rects(svg) -> dict[str, ET.Element]:
    return {
        rect.find(f"{SVG}title").text: rect
        for rect in ET.fromstring(svg).iter(f"{SVG}rect")
        if rect.find(f"{SVG}title") is not None
    }


def _height(chart: charts.BarChart) -> float:
    return float(ET.fromstring(chart.svg).get("viewBox").split()[3])


def _same(chart: charts.BarChart, categories: list[str], values: tuple) -> dict:
    return {
        "id": chart.id,
        "title": chart.title,
        "x_label": chart.x_label,
        "y_label": chart.y_label,
        "categories": categories,
        "series": [charts.Series("s", values)],
        "unit": "claims",
        "empty": "none",
        "lying": True,
    }


def test_a_scale_reads_values_as_claims_pounds_or_percentages_everywhere():
    assert (charts.COUNT.shown(1234), charts.COUNT.tick(1000)) == ("1,234", "1,000")
    assert (charts.POUNDS.shown(Decimal("75000.5")), charts.POUNDS.tick(20000)) == ("£75,000.50", "£20,000")
    assert (charts.PERCENT.shown(66.67), charts.PERCENT.tick(40)) == ("66.7%", "40%")
    paid = paid_by_band(
        "p",
        "Paid",
        [
            Band("up to 10k", 1, Decimal("2000.00"), Decimal("0.00")),
            Band("50k to 250k", 1, Decimal("75000.00"), Decimal("12000.00")),
        ],
        empty="nothing",
    )
    assert paid.description == (
        "Damages: £77,000.00 paid in all; the most, £75,000.00, in 50k to 250k. Costs: £12,000.00 paid "
        "in all; the most, £12,000.00, in 50k to 250k. The table below gives every figure."
    )
    assert "Damages, 50k to 250k: £75,000.00" in _rects(paid.svg)
    shares = charts.bar_chart(
        id="s",
        title="Themes",
        x_label="Theme",
        y_label="Share",
        categories=["Handover", "Delay"],
        series=[charts.Series("This trust", (100.0, 50.0))],
        unit="",
        empty="none",
        scale=charts.PERCENT,
        lying=True,
    )
    # Shares do not add up: the description gives the highest, never a total.
    assert (
        shares.description
        == "This trust: the highest, 100.0%, in Handover. The table below gives every figure."
    )
    assert "100%" in [t.text for t in ET.fromstring(shares.svg).iter(f"{SVG}text")]  # the axis's top


def test_claims_by_a_coding_list_every_category_notified_or_closed_most_notified_first():
    fetal = (
        "cause.fetal_monitoring",
        "Fetal heart rate monitoring",
        "cause.maternity",
        "Maternity management",
    )
    chart = notified_and_closed(
        "chart-cause",
        "By cause",
        "Primary cause",
        notified=[category(*fetal[:2], 3, *fetal[2:]), category("not_coded", "Not yet coded", 1)],
        closed=[category("cause.fall", "Fall", 2), category(*fetal[:2], 1, *fetal[2:])],
    )
    assert chart.rows == [
        ("Maternity management › Fetal heart rate monitoring", (3, 1)),
        ("Not yet coded", (1, 0)),
        ("Fall", (0, 2)),
    ]
    assert [s.outlined for s in chart.series] == [False, True]
    assert named(category("specialty.obstetrics", "Obstetrics", 1)) == "Obstetrics"


@pytest.mark.parametrize(
    ("value", "shown"), [(30.0, "30"), (232.5, "232.5"), (166.25, "166.25"), (1234.0, "1,234")]
)
def test_days_keep_the_quarter_days_that_quartiles_interpolate(value, shown):
    assert days(value) == shown


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (date(2026, 12, 7), (date(2021, 12, 8), date(2026, 12, 7))),
        (date(2028, 2, 29), (date(2023, 3, 1), date(2028, 2, 29))),  # five years back has no 29 February
        (date(2027, 1, 1), (date(2022, 1, 2), date(2027, 1, 1))),
    ],
)
def test_a_scorecard_asks_by_default_for_the_five_whole_years_to_today(today, period):
    assert years_to(today, 5) == period


def test_an_extracts_filters_offer_groups_as_well_as_their_codes():
    offered = filter_choices(read_taxonomy_file(SHIPPED_TAXONOMY_FILE))
    themes = {c.value: c.text for c in offered["theme"]}
    assert themes["theme.monitoring_and_escalation"] == "Monitoring and escalation (all)"
    assert themes["theme.delay_in_escalation"] == "Monitoring and escalation › Delay in escalation"
    assert set(offered) == {"specialty", "theme"}
    assert all(c.value.startswith("specialty.") for c in offered["specialty"])


# --- the pages -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extracts_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("learning-pages") / "extracts"


@pytest.fixture(scope="module")
def app(sqlite_sessions, extracts_dir):
    settings = Settings(temporal_task_queue="learning-pages", extracts_dir=extracts_dir)
    built = create_app(settings, sessions=sqlite_sessions, directory=directory(), policy=TEST_POLICY)
    built.dependency_overrides[dashboard.clock] = lambda: NOW
    return built


@pytest.fixture
async def http(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as client:
        yield client


@pytest.fixture(scope="module")
def claims(sqlite_sessions) -> Iterator[Register]:
    """Three claims of the trust and one of another, with the figures the tests below expect."""
    reg = Register()
    # Notified 1 March 1961, 30 days after its incident; closed 365 days later with damages in the
    # 50k to 250k band; settled at mediation.
    reg.claim(
        "Obstetrics",
        day(1962, 3, 1),
        30,
        365,
        coded=OBSTETRICS,
        routes={"mediation": "settled"},
        lump_sum="75000.00",
        costs="12000.00",
    )
    # Not coded: notified 21 November 1962, closed 100 days later with an interim payment; in litigation.
    reg.claim("Surgery", day(1963, 3, 1), 60, 100, interim="2000.00", routes={"litigation": None})
    reg.claim("Obstetrics", None, 10, 0, opened=day(1963, 5, 1), coded=OBSTETRICS, overdue=True)
    # Another trust's: in the national figures and the national share of themes only.
    reg.claim(
        "A&E",
        day(1962, 6, 1),
        10,
        50,
        trust=f"Q{reg.run[:4]}",
        coded=EMERGENCY | {"themes": ["theme.handover"]},
        lump_sum="500.00",
    )
    with reg.written(sqlite_sessions):
        yield reg


def tables(answer: httpx.Response) -> dict[str, list[list[str]]]:
    assert answer.status_code == 200, answer.text
    return Tables(answer.text).tables


def assert_one_page(answer: httpx.Response) -> None:
    """Ids unique, and every chart an image with its title, description and a table of its figures."""
    ids = re.findall(r'\sid="([^"]+)"', answer.text)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    found = Tables(answer.text).tables
    for svg in re.findall(r"<svg [^>]*class=\"fairway-chart\".*?</svg>", answer.text, re.DOTALL):
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title").text
        assert root.find(f"{SVG}desc").text
        assert f"{title}: the figures" in found, title


def nav_links(answer: httpx.Response) -> list[str]:
    menu = answer.text.split('aria-label="Menu"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', menu)


def error_codes(answer: httpx.Response) -> list[str]:
    """The codes of the problems the page's NHS.UK error summary lists."""
    assert 'class="nhsuk-error-summary"' in answer.text
    return re.findall(r'<li data-code="([^"]+)">', answer.text)


LEARNING_PAGES = [
    "/console/learning",
    "/console/learning/scorecards",
    "/console/learning/scorecards.csv",
    "/console/learning/statistics",
    "/console/learning/statistics.csv",
    "/console/learning/extracts",
    "/console/learning/extracts/new",
    "/console/learning/extracts/extract-19610101-aaaaaaaaaa",
    "/console/learning/extracts/extract-19610101-aaaaaaaaaa/claims.csv",
]


async def test_a_handler_is_refused_every_learning_page_and_shown_no_link_to_one(http):
    await signed_in(http, "handler")
    home = await http.get("/console")
    assert home.status_code == 200 and "/console/learning" not in home.text
    assert "/console/cases" in nav_links(home)
    for path in LEARNING_PAGES:
        answer = await http.get(path, params=PERIOD if "scorecards" in path else {})
        assert answer.status_code == 403, path
        assert 'data-code="forbidden"' in answer.text, path
    page = await http.get("/console/work")
    posted = await http.post(
        "/console/learning/extracts/new", data={"csrf_token": csrf_of(page), "purpose": PURPOSE}
    )
    assert posted.status_code == 403 and 'data-code="forbidden"' in posted.text


async def test_an_analyst_lands_on_learning_sees_no_case_list_and_is_refused_a_case(http):
    await signed_in(http, "analyst")
    for page in ("/console", "/console/work"):  # pages of cases, every figure nought for it
        home = await http.get(page)
        assert (home.status_code, home.headers["location"]) == (303, "/console/learning"), page
    learning = await http.get("/console/learning")
    assert learning.status_code == 200, learning.text
    assert nav_links(learning) == ["/console/learning"]
    for page in (
        "/console/learning/scorecards",
        "/console/learning/statistics",
        "/console/learning/extracts",
    ):
        assert f'href="{page}"' in learning.text
    assert (await http.get("/console/cases/claim")).status_code == 403
    case = await http.get("/console/cases/claim/CLM-AAAAAAAAAAAA")
    assert case.status_code == 403 and 'data-code="forbidden"' in case.text
    assert (await http.get("/console/queue")).status_code == 403


async def test_a_supervisor_reads_scorecards_and_statistics_but_no_extract(http):
    await signed_in(http, "supervisor")
    learning = await http.get("/console/learning")
    assert "/console/learning" in nav_links(learning) and "/console/cases" in nav_links(learning)
    assert 'href="/console/learning/statistics"' in learning.text
    assert "/console/learning/extracts" not in learning.text
    assert (await http.get("/console/learning/statistics")).status_code == 200
    for path in ("/console/learning/extracts", "/console/learning/extracts/new"):
        answer = await http.get(path)
        assert answer.status_code == 403 and 'data-code="forbidden"' in answer.text


@pytest.mark.parametrize("who", ["analyst", "supervisor"])
async def test_a_scorecard_shows_the_registers_figures_in_tables_and_charts(http, claims, who):
    await signed_in(http, who)
    answer = await http.get("/console/learning/scorecards", params={"defendant_code": claims.trust, **PERIOD})
    found = tables(answer)
    assert_one_page(answer)
    assert f"{claims.trust}, 1 January 1961 to 31 December 1963" in answer.text
    headline = re.findall(
        r'<h3 class="nhsuk-card__heading[^>]*>([^<]+)</h3>\s*<p[^>]*>([^<]+)</p>', answer.text
    )
    assert headline == [
        ("Claims notified in the period", "3"),
        ("Claims closed in the period", "2"),
        ("Claims open now", "1"),
        ("Open with a deadline past due", "1"),
        ("Damages paid on the claims closed", "£77,000.00"),
        ("Costs paid on the claims closed", "£12,000.00"),
    ]
    assert found["Claims notified and closed by specialty: the figures"] == [
        ["Specialty", "Notified", "Closed"],
        ["Obstetrics", "2", "1"],
        ["Not yet coded", "1", "1"],
    ]
    assert found["Claims notified and closed by primary cause: the figures"][1] == [
        "Maternity management › Fetal heart rate monitoring",
        "2",
        "1",
    ]
    bands = found["Damages and costs paid on the claims closed, by damages band: the figures"]
    assert bands[0] == ["Damages band", "Claims closed", "Damages", "Costs"]
    assert [row for row in bands[1:] if row[1] != "0"] == [
        ["up to 10k", "1", "£2,000.00", "£0.00"],
        ["50k to 250k", "1", "£75,000.00", "£12,000.00"],
    ]
    assert len(bands) == 8  # every band, paid or not
    assert found["Days, as medians and quartiles"][1:] == [
        ["Incident to notification, claims notified in the period", "3", "30", "20", "45"],  # 10, 30, 60
        [
            "Notification to resolution, claims closed in the period",
            "2",
            "232.5",
            "166.25",
            "298.75",
        ],  # 100, 365
    ]
    routes = {row[0]: row[1:] for row in found["Routes started and how they ended"][1:]}
    assert routes["Mediation"] == ["1", "0", "Settled: 1", "0"]
    assert routes["Litigation"] == ["1", "1", "None", "0"]
    # Both of the trust's coded claims have both themes; nationally, the other trust's has handover.
    assert found["Top learning themes: share of the trust's coded claims, and of all trusts': the figures"][
        1:
    ] == [
        ["Monitoring and escalation › CTG misinterpreted", "2", "2", "100.0%", "66.7%"],
        ["Communication › At handover", "2", "3", "100.0%", "100.0%"],
    ]
    assert answer.text.count('role="img" aria-labelledby="chart-') == 4
    assert "Closed, Obstetrics: 1" in drawn_bars(
        re.search(r'<svg [^>]*id="chart-specialty".*?</svg>', answer.text, re.DOTALL).group(0)
    )


async def test_a_scorecards_csv_link_serves_the_same_figures_to_the_signed_in_browser(http, claims):
    await signed_in(http, "analyst")
    page = await http.get("/console/learning/scorecards", params={"defendant_code": claims.trust, **PERIOD})
    link = (
        re.search(r'href="(/console/learning/scorecards\.csv\?[^"]+)"', page.text)
        .group(1)
        .replace("&amp;", "&")
    )
    answer = await http.get(link)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="scorecard-{claims.trust}-1961-01-01-to-1963-12-31.csv"'
    )
    rows = {
        (r["section"], r["key"], r["measure"]): r["value"] for r in csv.DictReader(io.StringIO(answer.text))
    }
    assert rows["notified", "all", "claims"] == "3"
    assert rows["paid_by_damages_band", "50k to 250k", "damages_paid"] == "75000.00"
    assert rows["learning_themes", "theme.ctg_misinterpreted", "national_share"] == "0.6667"


async def test_a_scorecard_form_asks_for_the_five_years_to_today_until_answered(http):
    await signed_in(http, "supervisor")
    answer = await http.get("/console/learning/scorecards")
    assert answer.status_code == 200, answer.text
    assert_one_page(answer)
    assert re.search(r'name="first_day" type="date"\s+value="2021-12-08"', answer.text)
    assert re.search(r'name="last_day" type="date"\s+value="2026-12-07"', answer.text)
    assert 'name="defendant_code"' in answer.text and 'method="get"' in answer.text
    assert "scorecard-title" not in answer.text and "nhsuk-error-summary" not in answer.text


@pytest.mark.parametrize(
    ("given", "status", "code", "field"),
    [
        ({"defendant_code": "rx 1"}, 422, "invalid_request", "defendant_code"),
        ({"first_day": "1961-13-01"}, 422, "invalid_request", "first_day"),
        ({"last_day": ""}, 422, "invalid_request", "last_day"),
        ({"first_day": "1964-01-01"}, 409, "dates_out_of_order", None),
        ({"first_day": "1950-01-01"}, 409, "period_too_long", None),
        ({"last_day": "2999-01-01"}, 409, "date_in_future", None),
        ({"defendant_code": "ZZZ999"}, 404, "trust_not_found", None),
    ],
)
async def test_a_refused_scorecard_is_an_error_summary_beside_its_form(
    http, claims, given, status, code, field
):
    await signed_in(http, "analyst")
    asked = {"defendant_code": claims.trust, **PERIOD, **given}
    answer = await http.get("/console/learning/scorecards", params=asked)
    assert answer.status_code == status, answer.text
    assert error_codes(answer) == [code]
    # A field's problem links to the field; a rule's or the trust's, to the form.
    anchor = f"#scorecard--{field}" if field else "#action-scorecard"
    assert re.search(rf'<a href="{anchor}">', answer.text), answer.text
    assert f'id="{anchor[1:]}"' in answer.text
    assert "scorecard-title" not in answer.text
    assert (await http.get("/console/learning/scorecards.csv", params=asked)).status_code == status


async def test_national_statistics_show_the_registers_figures(http, claims):
    await signed_in(http, "analyst")
    answer = await http.get("/console/learning/statistics", params=YEARS)
    found = tables(answer)
    assert_one_page(answer)
    assert found["Claims closed each year, 1961 to 1963: the figures"][1:] == [
        ["1961", "0"],
        ["1962", "2"],
        ["1963", "1"],
    ]
    assert found["Claims closed 1961 to 1963 by specialty: the figures"][1:] == [
        ["Emergency medicine", "1"],
        ["Not yet coded", "1"],
        ["Obstetrics", "1"],
    ]
    bands = found["Damages and costs paid on the claims closed 1961 to 1963, by damages band: the figures"]
    assert [row for row in bands[1:] if row[1] != "0"] == [
        ["up to 10k", "2", "£2,500.00", "£0.00"],
        ["50k to 250k", "1", "£75,000.00", "£12,000.00"],
    ]
    every = found["Claims closed by year, specialty and damages band; times in days, median (quartiles)"]
    # Each cell starts with its column's heading, for a narrow screen (nhsuk-table-responsive).
    cells = [
        [cell.removeprefix(f"{heading} ") for heading, cell in zip(every[0], row, strict=True)]
        for row in every[1:]
    ]
    assert cells == [
        [
            "1962",
            "Emergency medicine",
            "up to 10k",
            "1",
            "£500.00",
            "£0.00",
            "10 (10 to 10)",
            "50 (50 to 50)",
        ],
        [
            "1962",
            "Obstetrics",
            "50k to 250k",
            "1",
            "£75,000.00",
            "£12,000.00",
            "30 (30 to 30)",
            "365 (365 to 365)",
        ],
        [
            "1963",
            "Not yet coded",
            "up to 10k",
            "1",
            "£2,000.00",
            "£0.00",
            "60 (60 to 60)",
            "100 (100 to 100)",
        ],
    ]
    assert answer.text.count('role="img" aria-labelledby="chart-') == 3
    link = (
        re.search(r'href="(/console/learning/statistics\.csv\?[^"]+)"', answer.text)
        .group(1)
        .replace("&amp;", "&")
    )
    rows = list(csv.DictReader(io.StringIO((await http.get(link)).text)))
    assert [(r["year"], r["specialty"], r["claims"]) for r in rows] == [
        ("1962", "specialty.emergency_medicine", "1"),
        ("1962", "specialty.obstetrics", "1"),
        ("1963", "not_coded", "1"),
    ]


async def test_national_statistics_ask_for_the_five_years_to_this_one_until_answered(http):
    await signed_in(http, "supervisor")
    answer = await http.get("/console/learning/statistics")
    assert answer.status_code == 200, answer.text
    assert re.search(r'name="first_year" type="text"\s+value="2022"', answer.text)
    assert "Claims closed each year, 2022 to 2026" in answer.text


@pytest.mark.parametrize(
    ("given", "status", "code"),
    [
        ({"first_year": "1964", "last_year": "1961"}, 409, "dates_out_of_order"),
        ({"first_year": "1901", "last_year": "1963"}, 409, "period_too_long"),
        ({"first_year": "nineteen"}, 422, "invalid_request"),
        ({"last_year": "3000"}, 422, "invalid_request"),
    ],
)
async def test_refused_years_are_an_error_summary_not_an_error(http, given, status, code):
    await signed_in(http, "analyst")
    answer = await http.get("/console/learning/statistics", params=YEARS | given)
    assert answer.status_code == status, answer.text
    assert error_codes(answer) == [code]
    assert "statistics-title" not in answer.text


# --- research extracts --------------------------------------------------------------------------


@pytest.fixture
def made(sqlite_sessions, extracts_dir) -> Iterator[None]:
    """After the test, no extract of its purpose on record or on file."""
    yield
    with sqlite_sessions.begin() as session:
        session.execute(delete(ResearchExtractRow).where(ResearchExtractRow.purpose.like(f"{PURPOSE}%")))
    shutil.rmtree(extracts_dir, ignore_errors=True)


def extracts_made(sqlite_sessions, purpose: str = PURPOSE) -> int:
    with sqlite_sessions() as session:
        return session.scalar(
            select(func.count()).select_from(ResearchExtractRow).where(ResearchExtractRow.purpose == purpose)
        )


async def request_form(http: httpx.AsyncClient) -> tuple[httpx.Response, dict[str, str]]:
    page = await http.get("/console/learning/extracts/new")
    assert page.status_code == 200, page.text
    form = re.search(
        r'<form[^>]*action="/console/learning/extracts/new".*?</form>', page.text, re.DOTALL
    ).group(0)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    return page, {"csrf_token": csrf_of(page), "idempotency_key": key}


async def test_an_analyst_requests_an_extract_through_the_form_and_a_double_post_makes_one(
    http, claims, made, sqlite_sessions
):
    await signed_in(http, "analyst")
    page, hidden = await request_form(http)
    assert_one_page(page)
    # The taxonomy's codes are offered, groups among them, a box to tick for each; nothing is typed.
    assert re.search(
        r'name="filters.themes" type="checkbox" value="theme.monitoring_and_escalation">\s*'
        r"<label [^>]*>Monitoring and escalation \(all\)</label>",
        page.text,
    )
    assert re.search(
        r'name="filters.specialties" type="checkbox" value="specialty.obstetrics">\s*'
        r"<label [^>]*>Obstetrics</label>",
        page.text,
    )
    sent = hidden | {
        "filters.specialties": "specialty.obstetrics",
        "filters.themes": "theme.monitoring_and_escalation",
        "filters.first_year": "1961",
        "filters.last_year": "1963",
        "purpose": PURPOSE,
    }
    first = await http.post("/console/learning/extracts/new", data=sent)
    again = await http.post("/console/learning/extracts/new", data=sent)
    assert (first.status_code, again.status_code) == (303, 303), first.text
    assert again.headers["location"] == first.headers["location"]
    assert extracts_made(sqlite_sessions) == 1
    name = first.headers["location"].rsplit("/", 1)[1]

    record = await http.get(first.headers["location"])
    assert record.status_code == 200, record.text
    assert_one_page(record)
    assert PURPOSE in record.text and "nia.analyst" in record.text
    assert re.search(r'id="row-count">2<', record.text)  # the trust's two coded obstetric claims
    links = re.findall(rf'href="(/console/learning/extracts/{name}/[^"]+)"', record.text)
    assert sorted(links) == sorted(
        f"/console/learning/extracts/{name}/{table}.{form}"
        for table in ("claims", "codes", "summary")
        for form in ("csv", "parquet", "dictionary.md")
    )
    claims_csv = await http.get(f"/console/learning/extracts/{name}/claims.csv")
    assert claims_csv.status_code == 200 and claims_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert len(list(csv.DictReader(io.StringIO(claims_csv.text)))) == 2
    assert claims.trust not in claims_csv.text  # pseudonymised, as the API serves it

    listed = await http.get("/console/learning/extracts")
    assert listed.status_code == 200 and f'href="/console/learning/extracts/{name}"' in listed.text
    assert_one_page(listed)


@pytest.mark.parametrize(
    ("given", "status", "code", "anchor"),
    [
        ({"purpose": "short"}, 422, "invalid_request", "request_extract--purpose"),
        (
            {"filters.first_year": "1963", "filters.last_year": "1961"},
            409,
            "years_out_of_order",  # a rule about the request's own fields: the API's 409 too
            "request_extract--filters",
        ),
        (
            {"filters.first_year": "1964", "filters.last_year": "1964"},
            409,
            "no_claims_match",
            "action-request_extract",
        ),
        ({"filters.specialties": "specialty.no_such"}, 409, "unknown_code", "action-request_extract"),
    ],
)
async def test_a_refused_extract_request_is_shown_beside_its_form(
    http, claims, made, sqlite_sessions, given, status, code, anchor
):
    await signed_in(http, "analyst")
    _, hidden = await request_form(http)
    sent = hidden | {"filters.first_year": "1961", "filters.last_year": "1963", "purpose": PURPOSE} | given
    answer = await http.post("/console/learning/extracts/new", data=sent)
    assert answer.status_code == status, answer.text
    assert error_codes(answer) == [code]
    assert f'<a href="#{anchor}">' in answer.text and f'id="{anchor}"' in answer.text
    assert extracts_made(sqlite_sessions, sent["purpose"]) == 0


async def test_an_extract_post_without_its_csrf_token_is_refused(http, made, sqlite_sessions):
    await signed_in(http, "analyst")
    answer = await http.post(
        "/console/learning/extracts/new",
        data={"purpose": PURPOSE, "filters.first_year": "1961", "filters.last_year": "1963"},
    )
    assert (answer.status_code, answer.json()["code"]) == (403, "csrf_token_invalid")
    assert extracts_made(sqlite_sessions) == 0


async def test_an_extract_or_table_that_does_not_exist_is_not_found(http):
    await signed_in(http, "admin")
    for path in (
        "/console/learning/extracts/extract-19610101-aaaaaaaaaa",
        "/console/learning/extracts/extract-19610101-aaaaaaaaaa/claims.parquet",
        "/console/learning/extracts/extract-19610101-aaaaaaaaaa/secrets.csv",
    ):
        answer = await http.get(path)
        assert answer.status_code == 404, path
