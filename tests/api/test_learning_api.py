"""Learning's routes through the real app (api/learning.py), on SQLite and PostgreSQL: a scorecard
and the national statistics as JSON and as CSV, agreeing; who may read them (LEARNING_READERS,
declared once) and that the analyst reads no case; the periods refused, each with its code; an
unknown trust; the taxonomy. Learning reads only the register, so no Temporal is started.

Claims are hand-built in 1987-88, years no other test's claims fall in."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from api.app import create_app
from api.cases import SPECS
from fairway.clinical_coding import read_taxonomy_file
from fairway.settings import SHIPPED_TAXONOMY_FILE, Settings
from models.access import LEARNING_READERS, Learning
from models.common import Role
from tests.access_cases import WHO
from tests.conftest import TEST_POLICY, directory, sessions_for
from tests.helpers import auth
from tests.learning_register import Register, day

SCORECARD = {"from": "1987-01-01", "to": "1988-12-31"}
YEARS = {"first_year": 1987, "last_year": 1988}
CODED = {
    "specialty": "specialty.obstetrics",
    "primary_cause": "cause.fetal_monitoring",
    "themes": ["theme.ctg_misinterpreted", "theme.handover"],
}


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def learning(request):
    """The app as `fairway api` builds it, over each register (as `register_url`, once a module:
    an app's first answer takes a second); its lifespan, which would connect to Temporal, never runs."""
    sessions = sessions_for(request.getfixturevalue(f"{request.param}_url"))
    settings = Settings(temporal_task_queue="learning")
    app = create_app(settings, sessions=sessions, directory=directory(), policy=TEST_POLICY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as http:
        yield http, sessions
    sessions.dispose()


def a_trusts_claims() -> Register:
    reg = Register()
    reg.claim(
        "x",
        day(1987, 9, 1),
        30,
        200,
        coded=CODED,
        routes={"mediation": "settled"},
        lump_sum="75000.00",
        costs="12000.00",
    )
    reg.claim("x", day(1988, 3, 1), 60, 100, interim="2000.00", routes={"litigation": None})
    reg.claim("x", None, 10, 0, opened=day(1988, 5, 1), coded=CODED, overdue=True)
    return reg


async def test_a_scorecard_as_json_and_as_csv_agree(learning):
    http, sessions = learning
    reg = a_trusts_claims()
    with reg.written(sessions):
        as_json = await http.get(
            f"/learning/scorecards/{reg.trust}", params=SCORECARD, headers=auth("analyst")
        )
        as_csv = await http.get(
            f"/learning/scorecards/{reg.trust}.csv", params=SCORECARD, headers=auth("analyst")
        )
    assert as_json.status_code == 200, as_json.text
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"] == (
        f'attachment; filename="scorecard-{reg.trust}-1987-01-01-to-1988-12-31.csv"'
    )
    card, figures = as_json.json(), read_csv(as_csv.text)

    assert card["defendant_code"] == reg.trust == figures["about", "defendant_code", "value"]
    assert (card["notified"]["claims"], card["closed"]["claims"]) == (3, 2)
    for section in ("notified", "closed"):
        assert figures[section, "all", "claims"] == str(card[section]["claims"])
        for by in ("specialty", "primary_cause"):
            for counted in card[section][f"by_{by}"]:
                assert figures[f"{section}_by_{by}", counted["code"], "claims"] == str(counted["claims"])
    assert [c["code"] for c in card["closed"]["by_specialty"]] == ["not_coded", "specialty.obstetrics"]

    bands = {b["damages_band"]: b for b in card["paid_by_damages_band"]}
    assert (bands["50k to 250k"]["damages_paid"], bands["50k to 250k"]["costs_paid"]) == (
        "75000.00",
        "12000.00",
    )
    assert (bands["up to 10k"]["claims"], bands["up to 10k"]["damages_paid"]) == (1, "2000.00")
    for band, paid in bands.items():
        for measure in ("claims", "damages_paid", "costs_paid"):
            assert figures["paid_by_damages_band", band, measure] == str(paid[measure])

    days = card["notification_to_resolution"]
    assert (days["claims"], days["median"], days["lower_quartile"]) == (2, 150, 125)
    for measure in ("claims", "median", "lower_quartile", "upper_quartile"):
        assert float(figures["notification_to_resolution", "all", measure]) == days[measure]

    routes = {r["kind"]: r for r in card["resolution_routes"]}
    assert routes["mediation"]["results"] == {"settled": 1}
    assert figures["resolution_routes", "mediation", "settled"] == "1"
    assert (routes["litigation"]["running"], figures["resolution_routes", "litigation", "running"]) == (
        1,
        "1",
    )

    assert card["open_now"] == {"claims": 1, "overdue": 1}
    assert (figures["open_now", "all", "claims"], figures["open_now", "all", "overdue"]) == ("1", "1")

    themes = {t["code"]: t for t in card["learning_themes"]}
    assert set(themes) == {"theme.ctg_misinterpreted", "theme.handover"}
    assert (themes["theme.handover"]["claims"], themes["theme.handover"]["share"]) == (2, 1.0)
    for code, theme in themes.items():
        for measure in ("claims", "share", "national_claims", "national_share"):
            assert float(figures["learning_themes", code, measure]) == theme[measure]


async def test_national_statistics_as_json_and_as_csv_agree(learning):
    http, sessions = learning
    reg = a_trusts_claims()
    with reg.written(sessions):
        as_json = await http.get("/learning/statistics", params=YEARS, headers=auth("supervisor"))
        as_csv = await http.get("/learning/statistics.csv", params=YEARS, headers=auth("supervisor"))
    assert as_json.status_code == 200, as_json.text
    assert as_csv.status_code == 200, as_csv.text
    assert (
        as_csv.headers["content-disposition"] == 'attachment; filename="national-statistics-1987-to-1988.csv"'
    )
    body = as_json.json()
    assert (body["first_year"], body["last_year"], body["taxonomy_version"]) == (1987, 1988, "2026.1")
    assert [(f["year"], f["specialty"]["code"], f["damages_band"]) for f in body["figures"]] == [
        (1987, "specialty.obstetrics", "50k to 250k"),
        (1988, "not_coded", "up to 10k"),
    ]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 2
    for row, figures in zip(rows, body["figures"], strict=True):
        assert (row["year"], row["specialty"], row["specialty_label"]) == (
            str(figures["year"]),
            figures["specialty"]["code"],
            figures["specialty"]["label"],
        )
        assert (row["claims"], Decimal(row["damages_paid"]), Decimal(row["costs_paid"])) == (
            str(figures["claims"]),
            Decimal(figures["damages_paid"]),
            Decimal(figures["costs_paid"]),
        )
        median = float(row["incident_to_notification_median"])
        assert median == figures["incident_to_notification"]["median"]


ROUTES = {
    Learning.SCORECARDS: ["/learning/scorecards/{trust}", "/learning/scorecards/{trust}.csv"],
    Learning.STATISTICS: ["/learning/statistics", "/learning/statistics.csv"],
}


@pytest.mark.parametrize("role", list(WHO), ids=str)
async def test_who_may_read_learning(learning, role):
    """Each route answers a role as LEARNING_READERS says, and the taxonomy every signed-in role."""
    http, sessions = learning
    reg = a_trusts_claims()
    with reg.written(sessions):
        for what, paths in ROUTES.items():
            params = SCORECARD if what is Learning.SCORECARDS else YEARS
            for path in paths:
                answer = await http.get(path.format(trust=reg.trust), params=params, headers=auth(WHO[role]))
                if role in LEARNING_READERS[what]:
                    assert answer.status_code == 200, (path, answer.text)
                else:
                    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden"), (
                        path,
                        answer.text,
                    )
                    assert reg.trust not in answer.text and "analyst" in answer.json()["message"]
    assert (await http.get("/learning/taxonomy", headers=auth(WHO[role]))).status_code == 200


async def test_the_analyst_reads_learning_and_no_case(learning):
    http, _ = learning
    assert Role.ANALYST in LEARNING_READERS[Learning.SCORECARDS] & LEARNING_READERS[Learning.STATISTICS]
    for spec in SPECS.values():
        listed = await http.get(spec.prefix, headers=auth("analyst"))
        assert (listed.status_code, listed.json()["code"]) == (403, "forbidden"), spec.prefix
    queue = await http.get("/escalations", headers=auth("analyst"))
    assert (queue.status_code, queue.json()["code"]) == (403, "forbidden")


TOMORROW = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"from": "1988-01-01", "to": "1987-12-31"}, 409, "dates_out_of_order"),
        ({"from": "1977-01-01", "to": "1987-01-01"}, 409, "period_too_long"),
        ({"from": "1899-12-31", "to": "1900-01-31"}, 409, "date_implausible"),
        ({"from": "2020-01-01", "to": TOMORROW}, 409, "date_in_future"),
        ({"from": "1987-01-01"}, 422, "invalid_request"),
        ({"from": "1987-02-30", "to": "1987-03-01"}, 422, "invalid_request"),
    ],
)
async def test_a_period_a_scorecard_cannot_cover_is_refused_with_its_code(learning, params, status, code):
    http, sessions = learning
    reg = a_trusts_claims()
    with reg.written(sessions):
        for suffix in ("", ".csv"):
            answer = await http.get(
                f"/learning/scorecards/{reg.trust}{suffix}", params=params, headers=auth("analyst")
            )
            assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"first_year": 1988, "last_year": 1987}, 409, "dates_out_of_order"),
        ({"first_year": 1957, "last_year": 1987}, 409, "period_too_long"),
        ({"first_year": 2020, "last_year": date.today().year + 1}, 409, "date_in_future"),
        ({"first_year": 1899, "last_year": 1920}, 422, "invalid_request"),
        ({"first_year": 1987}, 422, "invalid_request"),
    ],
)
async def test_years_national_statistics_cannot_span_are_refused_with_their_code(
    learning, params, status, code
):
    http, _ = learning
    for path in ("/learning/statistics", "/learning/statistics.csv"):
        answer = await http.get(path, params=params, headers=auth("analyst"))
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text


async def test_a_trust_with_no_claims_is_not_found(learning):
    http, _ = learning
    nobody = f"Z{uuid.uuid4().hex[:6].upper()}"
    for suffix in ("", ".csv"):
        answer = await http.get(
            f"/learning/scorecards/{nobody}{suffix}", params=SCORECARD, headers=auth("admin")
        )
        assert (answer.status_code, answer.json()["code"]) == (404, "trust_not_found"), answer.text
        assert answer.json()["message"] == f"no claim against trust {nobody}"


@pytest.mark.parametrize("code", ["rx1", "RX", "R" * 11, "RX1'--", "RX1 OR 1=1", "<script>"])
async def test_a_code_not_of_a_trusts_shape_is_refused_and_not_echoed(learning, code):
    http, _ = learning
    answer = await http.get(f"/learning/scorecards/{code}", params=SCORECARD, headers=auth("analyst"))
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request"), answer.text
    assert code not in answer.text


async def test_the_taxonomy_is_the_current_one(learning):
    http, _ = learning
    assert (await http.get("/learning/taxonomy")).status_code == 401
    answer = await http.get("/learning/taxonomy", headers=auth("handler"))
    assert answer.status_code == 200, answer.text
    shipped = read_taxonomy_file(SHIPPED_TAXONOMY_FILE)
    body = answer.json()
    assert body["version"] == shipped.version
    assert len(body["codes"]) == len(shipped.codes)
    handover = next(c for c in body["codes"] if c["code"] == "theme.handover")
    assert handover == {
        "code": "theme.handover",
        "kind": "theme",
        "label": "At handover",
        "parent": "theme.communication",
        "retired": False,
    }


def read_csv(text: str) -> dict[tuple[str, str, str], str]:
    """A scorecard's CSV file as {(section, key, measure): value}, each figure once."""
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "key", "label", "group", "group_label", "measure", "value"]
    figures = {(section, key, measure): value for section, key, _, _, _, measure, value in rows[1:]}
    assert len(figures) == len(rows) - 1, "each figure once"
    return figures
