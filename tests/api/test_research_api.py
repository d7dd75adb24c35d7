"""Research extracts through the real app (api/research.py), on the session's SQLite register.
The routes read the register and the extracts directory only, so no Temporal is needed: the app
is built as `fairway api` builds it, with a directory that has an analyst besides the usual
tokens. Claims are notified in 1979, a year no other test uses; records are deleted afterwards."""

from __future__ import annotations

import csv
import io
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from sqlalchemy import delete

from api.app import create_app
from api.auth import Directory
from api.token_file import TokenEntry
from fairway.settings import Settings
from models.register import ResearchExtractRow
from tests.conftest import TEST_POLICY
from tests.helpers import ACTORS, auth
from tests.learning_register import Register, day

ANALYST = {"Authorization": "Bearer test-analyst"}
OBSTETRICS = "specialty.obstetrics"
PURPOSE = "Thematic review of escalation in maternity, for the safety board"
FILTERS = {"first_year": 1979, "last_year": 1979}
NOT_READERS = ["supervisor", "handler", "auditor", "adviser", "advice_supervisor"]


@pytest.fixture(scope="module")
def extracts_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("research") / "extracts"


@pytest.fixture(scope="module")
async def served(sqlite_sessions, extracts_dir) -> AsyncIterator[httpx.AsyncClient]:
    # One app for the module: its first unmatched path costs seconds (api/metrics.py's templates).
    tokens = {token: TokenEntry(**entry) for token, entry in ACTORS.items()}
    tokens["test-analyst"] = TokenEntry(actor="nia.analyst", role="analyst")
    settings = Settings(temporal_task_queue="research", extracts_dir=extracts_dir)
    app = create_app(settings, directory=Directory(tokens), sessions=sqlite_sessions, policy=TEST_POLICY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fairway") as http:
        yield http


@pytest.fixture
def extracts(served, sqlite_sessions, extracts_dir) -> Iterator[httpx.AsyncClient]:
    """The API, and after the test no extract on file or on record."""
    yield served
    shutil.rmtree(extracts_dir, ignore_errors=True)
    with sqlite_sessions.begin() as session:
        theirs = ResearchExtractRow.requested_by.in_(["nia.analyst", "alex.admin"])
        session.execute(delete(ResearchExtractRow).where(theirs))


@pytest.fixture
def claims(sqlite_sessions):
    """Six obstetric claims (three closed) and one in emergency medicine, notified in 1979."""
    reg = Register()
    coded = {
        "specialty": OBSTETRICS,
        "primary_cause": "cause.failure_to_diagnose",
        "themes": ["theme.handover"],
    }
    for month in range(1, 7):
        closed = day(1980, month) if month % 2 else None
        reg.claim("Obstetrics", closed, 30, 90, opened=day(1979, month), coded=coded)
    emergency = coded | {"specialty": "specialty.emergency_medicine"}
    reg.claim("A&E", None, 3, 0, opened=day(1979, 8), coded=emergency)
    with reg.written(sqlite_sessions):
        yield reg


def body(purpose: str = PURPOSE, **filters) -> dict:
    return {"filters": FILTERS | filters, "purpose": purpose}


async def make(http, headers=ANALYST, key: str | None = None, **given) -> httpx.Response:
    keyed = {"Idempotency-Key": key} if key else {}
    return await http.post("/learning/extracts", json=body(**given), headers=headers | keyed)


# --- an analyst's round ---------------------------------------------------------------------


async def test_an_analyst_makes_lists_reads_and_downloads_an_extract(extracts, claims):
    made = await make(extracts)
    assert made.status_code == 201, made.text
    record = made.json()
    name = record["name"]
    assert made.headers["location"] == f"/learning/extracts/{name}"
    assert (record["requested_by"], record["purpose"], record["taxonomy_version"]) == (
        "nia.analyst",
        PURPOSE,
        "2026.1",
    )
    assert record["filters"] == {"specialties": [], "themes": [], **FILTERS}
    assert record["row_count"] == 7
    tables = {t["table"]: t for t in record["tables"]}
    # 7 claims; each with one injury and one theme; 1 year and its total by 2 specialties and theirs
    assert {t: tables[t]["rows"] for t in tables} == {"claims": 7, "codes": 14, "summary": 6}
    assert tables["codes"]["parquet"] == f"/learning/extracts/{name}/codes.parquet"

    later = await make(extracts, themes=["theme.communication"])
    listed = (await extracts.get("/learning/extracts", headers=ANALYST, params={"limit": 1})).json()
    assert [i["name"] for i in listed["items"]] == [later.json()["name"]] and listed["total"] >= 2
    read = await extracts.get(f"/learning/extracts/{name}", headers=ANALYST)
    assert read.status_code == 200 and read.json() == record

    for table in ("claims", "codes", "summary"):
        as_csv = await extracts.get(tables[table]["csv"], headers=ANALYST)
        as_parquet = await extracts.get(tables[table]["parquet"], headers=ANALYST)
        dictionary = await extracts.get(tables[table]["dictionary"], headers=ANALYST)
        assert [r.status_code for r in (as_csv, as_parquet, dictionary)] == [200, 200, 200]
        assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
        assert as_parquet.headers["content-type"] == "application/vnd.apache.parquet"
        assert dictionary.headers["content-type"] == "text/markdown; charset=utf-8"
        assert f'filename="{name}-{table}.csv"' in as_csv.headers["content-disposition"]
        rows = list(csv.DictReader(io.StringIO(as_csv.text)))
        parquet = pq.read_table(io.BytesIO(as_parquet.content))
        assert len(rows) == parquet.num_rows == tables[table]["rows"]
        assert list(rows[0]) == parquet.column_names
        assert all(f"| {column} |" in dictionary.text for column in parquet.column_names)
    summary = await extracts.get(tables["summary"]["csv"], headers=ANALYST)
    counts = [row["claims"] for row in csv.DictReader(io.StringIO(summary.text))]
    # The one claim in emergency medicine is under 5, and so is its column's total: both hidden,
    # and the six in obstetrics beside them and beneath, or subtraction would give them away.
    # The year's total and the grand total, 7, are shown.
    assert counts == ["[c]", "[c]", "7", "[c]", "[c]", "7"]


async def test_an_admin_may_make_extracts_too(extracts, claims):
    made = await make(extracts, auth("admin"))
    assert made.status_code == 201 and made.json()["requested_by"] == "alex.admin"


# --- who may not ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", NOT_READERS)
async def test_no_other_role_reaches_extracts_or_their_files(extracts, claims, who):
    name = (await make(extracts)).json()["name"]
    headers = auth(who)
    answers = [
        await make(extracts, headers),
        await extracts.get("/learning/extracts", headers=headers),
        await extracts.get(f"/learning/extracts/{name}", headers=headers),
        *[await extracts.get(f"/learning/extracts/{name}/claims.{form}", headers=headers) for form in
          ("csv", "parquet", "dictionary.md")],
        # Refused before the path is looked at: a name of no extract, or of no shape, is the same 403.
        await extracts.get("/learning/extracts/extract-19790101-aaaaaaaaaa/claims.csv", headers=headers),
        await extracts.get("/learning/extracts/EXTRACT-1/secrets.txt.csv", headers=headers),
    ]  # fmt: skip
    for answer in answers:
        assert (answer.status_code, answer.json()["code"]) == (403, "forbidden"), answer.request.url
        assert "analyst" in answer.json()["message"] and name not in answer.text
    assert (await extracts.get("/learning/extracts")).status_code == 401


# --- bad requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "status", "code"),
    [
        ({"themes": ["theme.no_such_theme"]}, 409, "unknown_code"),
        ({"specialties": ["theme.handover"]}, 409, "wrong_kind_of_code"),
        ({"first_year": 1980, "last_year": 1979}, 409, "years_out_of_order"),
        ({"first_year": 1907, "last_year": 1907}, 409, "no_claims_match"),
        ({"first_year": 1066}, 422, "invalid_request"),
        ({"themes": ["Handover; DROP TABLE claim"]}, 422, "invalid_request"),
        ({"names": ["A Patient"]}, 422, "invalid_request"),
        ({"purpose": "review"}, 422, "invalid_request"),
    ],
)
async def test_bad_filters_are_refused_with_a_reason(extracts, claims, extracts_dir, given, status, code):
    purpose = given.pop("purpose", PURPOSE)
    answer = await make(extracts, purpose=purpose, **given)
    assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert not (extracts_dir).exists() or not any((extracts_dir).iterdir())


async def test_a_body_that_is_not_filters_and_purpose_is_refused(extracts):
    for sent in ([], {"filters": FILTERS}, {"purpose": PURPOSE}, {**body(), "key": "00"}):
        answer = await extracts.post("/learning/extracts", json=sent, headers=ANALYST)
        assert (answer.status_code, answer.json()["code"]) == (422, "invalid_request"), sent


@pytest.mark.parametrize(
    "path",
    [
        "/learning/extracts/..%2F..%2Fetc%2Fpasswd",
        "/learning/extracts/..%2F..%2Fetc/claims.csv",
        "/learning/extracts/%2e%2e/claims.csv",
        "/learning/extracts/extract-19790101-aaaaaaaaaa/..%2F..%2Fclaims.csv",
        "/learning/extracts/extract-1/claims.csv",
        "/learning/extracts/EXTRACT-19790101-AAAAAAAAAA/claims.csv",
        "/learning/extracts/.extract-19790101-aaaaaaaaaa.0a1b2c3d/claims.csv",
        "/learning/extracts/extract-19790101-aaaaaaaaaa/claims.txt",
        "/learning/extracts/extract-19790101-aaaaaaaaaa/secrets.csv",
        "/learning/extracts/extract-19790101-aaaaaaaaaa/claims.csv",
        "/learning/extracts/extract-19790101-aaaaaaaaaa",
    ],
)
async def test_a_name_of_no_extract_or_of_no_extracts_shape_is_not_found_or_refused(extracts, claims, path):
    await make(extracts)  # there is an extract to reach for
    answer = await extracts.get(path, headers=ANALYST)
    assert answer.status_code in (404, 422) and answer.json()["code"] in (
        "not_found",
        "invalid_request",
        "research_extract_not_found",
    ), (answer.status_code, answer.text)


async def test_an_extract_whose_files_are_gone_is_still_recorded_and_says_so(extracts, claims, extracts_dir):
    name = (await make(extracts)).json()["name"]
    shutil.rmtree(extracts_dir / name)
    record = (await extracts.get(f"/learning/extracts/{name}", headers=ANALYST)).json()
    assert [t["rows"] for t in record["tables"]] == [None, None, None] and record["row_count"] == 7
    gone = await extracts.get(f"/learning/extracts/{name}/claims.csv", headers=ANALYST)
    assert (gone.status_code, gone.json()["code"]) == (404, "extract_file_not_found")


# --- retries ----------------------------------------------------------------------------------


async def test_a_retry_with_its_key_answers_the_same_extract_and_another_body_under_it_is_refused(
    extracts, claims, extracts_dir
):
    key = uuid.uuid4().hex
    first = await make(extracts, key=key)
    again = await make(extracts, key=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = await make(extracts, key=key, themes=["theme.handover"])
    assert (other.status_code, other.json()["code"]) == (409, "request_id_reused")
    unkeyed = [await make(extracts), await make(extracts)]
    assert [r.status_code for r in unkeyed] == [201, 201]
    names = {first.json()["name"], *(r.json()["name"] for r in unkeyed)}
    assert len(names) == 3 and {p.name for p in (extracts_dir).iterdir()} == names
