"""`GET /metrics` on the API, scraped and parsed as Prometheus would: requests by route
template and status, actions by kind, outcome and refusal code, and no case reference in any
label."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.metrics import ActionNote, ActionRoute, RouteTemplates, error_code, outcome, route_template
from tests.helpers import act, auth, key, open_claim, opening


async def scrape(http) -> dict[tuple[str, tuple], float]:
    """Every sample on /metrics: (name, sorted labels) -> value."""
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def grew(before: dict, after: dict, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def action(kind: str, name: str, result: str, code: str = "") -> dict[str, str]:
    return {"kind": kind, "action": name, "outcome": result, "code": code}


async def test_requests_and_actions_are_counted_by_route_template_and_outcome(fairway):
    http = fairway.http
    before = await scrape(http)

    opening_key = key()
    headers = auth("handler") | {"Idempotency-Key": opening_key}
    first = await http.post("/claims", json=opening(), headers=headers)
    again = await http.post("/claims", json=opening(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    ref = first.json()["state"]["ref"]

    note_key = key()
    noted = await act(http, ref, "add_note", {"text": "called the trust"}, idempotency_key=note_key)
    renoted = await act(http, ref, "add_note", {"text": "called the trust"}, idempotency_key=note_key)
    assert (noted.status_code, renoted.status_code) == (200, 200)
    assert renoted.json()["applied"]["duplicate"] is True
    not_on_hold = await act(http, ref, "take_off_hold", {"reason": "inquest concluded"})
    assert (not_on_hold.status_code, not_on_hold.json()["code"]) == (409, "not_on_hold")
    by_auditor = await act(http, ref, "add_note", {"text": "not mine to add"}, who="auditor")
    assert by_auditor.status_code == 403
    not_a_claim = await http.get("/claims/NOT-A-REF", headers=auth("handler"))
    assert not_a_claim.status_code == 404
    nowhere = await http.get(f"/nowhere/{ref}", headers=auth("handler"))
    assert nowhere.status_code == 404

    after = await scrape(http)
    requests = "fairway_http_requests_total"
    assert grew(before, after, requests, method="POST", route="/claims", status="201") == 1
    assert grew(before, after, requests, method="POST", route="/claims", status="200") == 1
    assert grew(before, after, requests, method="POST", route="/claims/{ref}/add-note", status="200") == 2
    assert grew(before, after, requests, method="POST", route="/claims/{ref}/add-note", status="403") == 1
    assert grew(before, after, requests, method="GET", route="/claims/{ref}", status="404") == 1
    assert grew(before, after, requests, method="GET", route="unrouted", status="404") == 1

    actions = "fairway_case_actions_total"
    assert grew(before, after, actions, **action("claim", "open_claim", "applied")) == 1
    assert grew(before, after, actions, **action("claim", "open_claim", "duplicate")) == 1
    assert grew(before, after, actions, **action("claim", "add_note", "applied")) == 1
    assert grew(before, after, actions, **action("claim", "add_note", "duplicate")) == 1
    assert grew(before, after, actions, **action("claim", "add_note", "refused", "forbidden")) == 1
    assert grew(before, after, actions, **action("claim", "take_off_hold", "refused", "not_on_hold")) == 1

    durations = "fairway_http_request_duration_seconds_count"
    assert grew(before, after, durations, method="POST", route="/claims/{ref}/add-note") == 3

    labels = " ".join(str(labels) for _, labels in after)
    assert ref not in labels and "NOT-A-REF" not in labels and "/nowhere" not in labels


async def test_a_guard_refusal_is_counted_under_its_route(fairway):
    before = await scrape(fairway.http)
    bad = await fairway.http.post(
        "/claims", content=b"\xff\xfe", headers=auth("handler") | {"Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    after = await scrape(fairway.http)
    labels = {"method": "POST", "route": "/claims", "status": "400"}
    assert grew(before, after, "fairway_http_requests_total", **labels) == 1
    refused = action("claim", "open_claim", "refused", bad.json()["code"])
    assert grew(before, after, "fairway_case_actions_total", **refused) == 1


async def test_metrics_asks_no_token_and_is_not_in_the_openapi_document(fairway):
    await open_claim(fairway.http)
    assert (await fairway.http.get("/metrics")).status_code == 200
    assert "/metrics" not in (await fairway.http.get("/openapi.json")).json()["paths"]


async def test_metrics_speaks_openmetrics_when_asked(fairway):
    response = await fairway.http.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


@pytest.mark.parametrize(
    ("status", "opening_route", "duplicate", "expected"),
    [
        (201, True, False, "applied"),
        (200, True, False, "duplicate"),
        (200, False, False, "applied"),
        (200, False, True, "duplicate"),
        (409, False, False, "refused"),
        (503, False, False, "failed"),
    ],
)
def test_outcome(status, opening_route, duplicate, expected):
    route = ActionRoute("claim", "x", opening=opening_route)
    assert outcome(status, route, ActionNote(duplicate=duplicate)) == expected


def test_an_error_body_without_a_code_of_ours_is_unknown():
    assert error_code(b'{"code": "case_ended", "message": "..."}') == "case_ended"
    odd = [
        b"not json",
        b"[1]",
        b'{"code": 1}',
        b'{"code": "Robert\'); DROP TABLE"}',
        b'{"code": "' + b"a" * 61 + b'"}',
    ]
    assert {error_code(body) for body in odd} == {"unknown"}


async def test_a_method_nobody_routes_is_other_not_a_new_series(fairway):
    await fairway.http.request("BREW", "/claims")
    after = await scrape(fairway.http)
    assert value(after, "fairway_http_requests_total", method="other", route="/claims", status="405") >= 1
    assert not any(dict(labels).get("method") == "BREW" for _, labels in after)


def test_a_request_without_an_app_is_unrouted():
    scope = {"type": "http", "path": "/claims", "method": "GET"}
    assert route_template(scope, RouteTemplates()) == "unrouted"
