"""The access matrix, generated: every route of every case kind in the app's OpenAPI document,
for every role, against one real case of every kind (and refs of every other kind), expecting
only what the access declarations say (models/access.py: `ACCESS[kind]`, its tier's readers,
`may_read`, `may_open`, `may_act(role, step.roles)`; api/escalations.py: who reads the queue and
who acknowledges). No route and no expected status is written out by hand.

What each route must answer:
  * a ref not of the route's kind: 404 `{kind}_not_found` for every role, before anything is read;
  * a role outside the kind's tier: 403 `forbidden`, whether the case exists or not;
  * a reader: GET 200 (an unknown ref of the kind's shape 404); an action is 403 unless the role
    is in the step's roles; a list 200 with only the kind's refs; opening 403 unless an opener;
  * no refusal carries any case's data, and no answer carries data of a case the role may not read.

The order FastAPI checks things in, found by trying it (test_the_order_of_checks_is_as_the_matrix_assumes):
  1. a body that is not JSON at all is refused 422 before any dependency runs;
  2. then the route's dependencies: the bearer token, then `case_in_path` (the ref's kind, 404,
     then the tier, 403);
  3. then the body is validated against the step's payload (422);
  4. then the endpoint, where `act` checks the step's roles (403) and `open_case` checks
     `may_open` (403).
So the matrix sends a JSON body no payload accepts (`[]`) to show a reader gets past the kind and
tier checks on the real case (422), and a valid body (generated from the payload's schema) for
the step-role decision: to the real case only where it is refused (403, nothing changes) or is a
note, and otherwise to an unknown ref of the kind's shape, where a permitted role gets past every
access check to the workflow's 404 without changing any case. An opening is validated before
`may_open`: a role that may not open gets 422 for a malformed opening and 403 for a valid one;
neither names a case.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from activities.escalations import EscalationActivities
from api.app import create_app
from api.cases import SPECS, CaseApi
from api.escalations import ACKNOWLEDGERS, CLOSED_BY, QUEUE_READERS
from fairway.settings import Settings
from models import deadline_policies
from models.access import ACCESS, Tier
from models.claims import ClaimStage
from models.common import PEOPLE_ROLES, CaseKind, Role
from models.deadlines import Escalation, LadderStep
from models.early_notification import EarlyNotificationPolicy
from models.register import EscalationRow
from models.research_extracts import ExtractFormat
from tests.access_cases import (
    NOT_AN_OBJECT,
    OPENINGS,
    WHO,
    Case,
    assignable,
    bodies,
    open_every_kind,
    phantom_ref,
    valid_body,
)
from tests.advice_paths import QUICK_ADVICE, use_policy
from tests.claim_paths import SAMPLES
from tests.conftest import TEST_POLICY, directory, running_fairway
from tests.helpers import assert_eventually, at_most, auth, key
from tests.route_helpers import claim_at, route_ok

ROLES = list(WHO)  # every role, each through one token
# Routes that belong to no case kind; each is checked by its own test below.
ELSEWHERE = {
    "/escalations": "test_the_escalation_queue_shows_only_readable_kinds",
    "/escalations/{escalation_id}": "test_the_escalation_queue_shows_only_readable_kinds",
    "/escalations/{escalation_id}/acknowledge": "test_the_escalation_queue_shows_only_readable_kinds",
    "/pathways/{kind}": "test_pathways_are_shown_only_to_their_tier",
    "/healthz": "public: names no case",
    "/readyz": "public: names no case, says only which dependency is down",
    "/me/work": "tests/api/test_my_work.py: mine, a supervisor's view, advice kept to advice roles",
    **{
        f"/learning/extracts{path}": "tests/api/test_research_api.py: analysts and admins only, every route"
        for path in ("", "/{name}", *(f"/{{name}}/{{table}}.{form}" for form in ExtractFormat))
    },
    **{
        path: "tests/api/test_learning_api.py: figures over many claims, for LEARNING_READERS; no case"
        for path in (
            "/learning/scorecards/{defendant_code}",
            "/learning/scorecards/{defendant_code}.csv",
            "/learning/statistics",
            "/learning/statistics.csv",
        )
    },
    "/learning/taxonomy": "tests/api/test_learning_api.py: every signed-in role; names no case",
}
# Expectations the code does not meet yet: (method, path) -> why. Each is a strict xfail.
KNOWN_GAPS: dict[tuple[str, str], str] = {}

# The document the app serves, read once at collection to parametrize the kind-level routes; the
# matrix itself reads GET /openapi.json from the running app (and checks it is the same).
COLLECTED = create_app(Settings(temporal_task_queue="access-matrix"), directory=directory()).openapi()


def kind_of(path: str) -> CaseApi | None:
    """The case kind whose prefix the path is under (the longest, should prefixes nest)."""
    under = [s for s in SPECS.values() if path == s.prefix or path.startswith(f"{s.prefix}/")]
    return max(under, key=lambda s: len(s.prefix)) if under else None


def operations(doc: dict) -> list[tuple[str, str, CaseApi | None]]:
    return [(path, method, kind_of(path)) for path, ops in doc["paths"].items() for method in ops]


def kind_level_routes(doc: dict) -> list[tuple[str, str, CaseApi]]:
    """Routes under a kind's prefix that are neither its list, its opening nor a case's route."""
    return [(p, m, s) for p, m, s in operations(doc) if s and p != s.prefix and "{ref}" not in p]


# --- one real case of every kind ---------------------------------------------------------------


@dataclass
class Matrix:
    http: Any
    doc: dict
    cases: dict[CaseKind, Case]
    opened_by: dict[CaseKind, list[Role]]
    escalations: dict[CaseKind, int]  # an escalation of each kind's case, by id

    def secrets(self, kinds=None) -> list[str]:
        return [s for k, c in self.cases.items() if kinds is None or k in kinds for s in c.secrets]


@pytest.fixture(scope="module")
async def matrix(client, sqlite_sessions):
    async with running_fairway(client, sqlite_sessions) as fairway:
        use_policy(fairway, QUICK_ADVICE)
        fairway.http._transport.app.state.early_notification_policy = EarlyNotificationPolicy(
            version="test", projection_delay_seconds=0.2
        )
        doc = (await fairway.http.get("/openapi.json")).json()
        assert set(SPECS) == {k.value for k in ACCESS}, "every kind with routes has its access declared"
        tiers_kept_apart()  # the matrix does not run on declarations that mix the tiers
        opened = await open_every_kind(fairway.http, SPECS)
        assert set(opened.cases) == set(ACCESS), "one case of every kind"
        yield Matrix(fairway.http, doc, opened.cases, opened.opened_by, _escalate(fairway, opened.cases))


def _escalate(fairway, cases: dict[CaseKind, Case]) -> dict[CaseKind, int]:
    """An escalation of each case in the register, as the escalate activity writes one."""
    now, ids = datetime.now(UTC), {}
    for kind, case in cases.items():
        deadline = f"matrix_check_{uuid.uuid4().hex[:8]}"
        EscalationActivities(fairway.sessions).escalate(
            Escalation(
                case_kind=kind.value,
                case_ref=case.ref,
                workflow_id=SPECS[kind.value].workflow_id(case.ref),
                team="matrix",
                deadline=deadline,
                deadline_title="Access matrix check",
                revision=1,
                step=LadderStep.SUPERVISOR,
                due_at=now,
                recipient="sam.supervisor",
                message=f"overdue: {case.secrets[0]}",
                at=now,
            )
        )
        with fairway.sessions() as session:
            ids[kind] = session.scalar(select(EscalationRow.id).where(EscalationRow.deadline == deadline))
    return ids


# --- probes: one request, its expected answer, and why ------------------------------------------


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    body: Any
    status: int
    code: str | None
    why: str


CODES = {403: "forbidden", 422: "invalid_request"}


def probe(method: str, path: str, body: Any, status: int, why: str, code: str | None = None) -> Probe:
    return Probe(method, path, body, status, code or CODES.get(status), why)


_BODIES: dict[tuple[str, str], dict] = {}


def step_body(spec: CaseApi, step) -> dict:
    """A valid body for the step (its assignee a real one, so nothing but access can refuse it
    before the workflow does)."""
    if (spec.noun, step.action) not in _BODIES:
        fixed = {step.assignee: assignable(directory(), spec)} if step.assignee else {}
        _BODIES[spec.noun, step.action] = valid_body(step.payload, **fixed)
    return _BODIES[spec.noun, step.action]


def case_route_probes(m: Matrix, role: Role):
    """Every route with a {ref} under every kind's prefix, against the kind's own case, a ref of
    its shape that no case has, and other kinds' cases: every other kind's for reads and notes;
    two in turn for each other action, so that a kind's actions together meet every other kind."""
    for path, method, spec in operations(m.doc):
        if spec is None or "{ref}" not in path:
            continue
        access, own = spec.access, m.cases[spec.kind]
        reads, nowhere = access.may_read(role), phantom_ref(spec)
        not_found = f"{spec.noun}_not_found"
        others = [c for k, c in m.cases.items() if k != spec.kind]
        at = path.replace
        tier = f"{role} {'reads' if reads else 'does not read'} {spec.noun}"
        if method == "get":
            yield probe("GET", at("{ref}", own.ref), None, 200 if reads else 403, tier)
            yield probe(
                "GET",
                at("{ref}", nowhere),
                None,
                404 if reads else 403,
                f"no such case; {tier}",
                not_found if reads else None,
            )
            for other in others:
                yield probe("GET", at("{ref}", other.ref), None, 404, f"a {other.kind} ref", not_found)
            continue
        assert method == "post", (method, path)
        action = path.rsplit("/", 1)[1].replace("-", "_")
        step = spec.workflow.pathway.steps.get(action)
        assert step is not None and step in spec.workflow.pathway.public_steps, f"{path}: not a step"
        body, acts = step_body(spec, step), access.may_act(role, step.roles)
        rule = f"{step.action} roles {sorted(step.roles & access.readers)}; {tier}"
        yield probe("POST", at("{ref}", own.ref), NOT_AN_OBJECT, 422 if reads else 403, f"malformed; {tier}")
        if not acts:
            yield probe("POST", at("{ref}", own.ref), body, 403, rule)
        elif step.action == "add_note":
            yield probe("POST", at("{ref}", own.ref), {"text": f"a note by the {role}"}, 200, rule)
        yield probe(
            "POST",
            at("{ref}", nowhere),
            body,
            404 if acts else 403,
            f"no such case; {rule}",
            not_found if acts else None,
        )
        if step.action != "add_note":  # two other kinds in turn: a kind's actions meet them all
            turn = spec.workflow.pathway.public_steps.index(step)
            others = [others[turn % len(others)], others[(turn + len(others) // 2) % len(others)]]
        for other in others:
            yield probe("POST", at("{ref}", other.ref), body, 404, f"a {other.kind} ref", not_found)


async def send(http, role: Role, p: Probe):
    headers = auth(WHO[role])
    if p.method == "GET":
        listing = kind_of(p.path).prefix == p.path
        return await http.get(p.path, headers=headers, params={"limit": 500} if listing else None)
    return await http.post(p.path, json=p.body, headers=headers | {"Idempotency-Key": key()})


def judge(m: Matrix, role: Role, p: Probe, response) -> list[str]:
    """What is wrong with the answer: its status and code, and any case data it should not hold."""
    wrong = []
    text = response.text
    if response.status_code != p.status:
        wrong.append(f"expected {p.status}")
    elif p.code is not None and response.json().get("code") != p.code:
        wrong.append(f"expected code {p.code}")
    unreadable = {k for k in m.cases if not ACCESS[k].may_read(role)}
    kept = m.secrets() if response.status_code >= 400 else m.secrets(unreadable)
    if leaked := [s for s in kept if s in text]:
        wrong.append(f"leaks {leaked}")
    if wrong:
        got = f"got {response.status_code} {text[:300]}"
        return [f"{p.method} {p.path} as {role} ({p.why}): {'; '.join(wrong)}; {got}"]
    return []


async def run(m: Matrix, role: Role, probes: list[Probe]) -> list[str]:
    async def one(p: Probe) -> list[str]:
        return judge(m, role, p, await send(m.http, role, p))

    return [w for found in await at_most(16, (one(p) for p in probes)) for w in found]


# --- the matrix --------------------------------------------------------------------------------


async def test_the_served_document_is_the_one_collected(matrix):
    assert matrix.doc["paths"].keys() == COLLECTED["paths"].keys()


def test_every_route_is_in_the_matrix():
    for path, method, spec in operations(COLLECTED):
        if spec is None:
            assert path in ELSEWHERE, f"{method.upper()} {path} belongs to no case kind: check it here"
        elif path == spec.prefix:
            assert method in ("get", "post"), (method, path)
            assert method == "get" or spec.opening is not None, f"{path}: an open route without an opening"
        elif "{ref}" in path and method == "post":
            action = path.rsplit("/", 1)[1].replace("-", "_")
            assert spec.workflow.pathway.steps[action] in spec.workflow.pathway.public_steps, path
        elif "{ref}" in path:
            assert method == "get", (method, path)
    assert {s.prefix for s in SPECS.values()} <= set(COLLECTED["paths"]), "every kind is listed"


@pytest.mark.parametrize("role", ROLES, ids=str)
async def test_case_routes(matrix, role):
    """Every case route × this role × every case: the kind, tier and step-role decisions."""
    failures = await run(matrix, role, list(case_route_probes(matrix, role)))
    assert not failures, f"{len(failures)} wrong answers:\n" + "\n".join(failures[:60])


@pytest.mark.parametrize("role", ROLES, ids=str)
async def test_lists_and_openings(matrix, role):
    """GET {prefix}: readers see only the kind's refs, others 403. POST {prefix}: 403 for a valid
    opening from a role that may not open; a malformed one is 422 for everyone (validated first)."""
    failures, probes = [], []
    for path, method, spec in operations(matrix.doc):
        if spec is None or path != spec.prefix:
            continue
        access = spec.access
        if method == "get":
            probes.append(
                probe("GET", path, None, 200 if access.may_read(role) else 403, f"list; tier {access.tier}")
            )
            continue
        probes.append(
            probe("POST", path, NOT_AN_OBJECT, 422, "a malformed opening is validated before may_open")
        )
        if access.may_open(role):
            assert role in matrix.opened_by[spec.kind], (
                f"{role} may open {spec.noun}: the setup opened one (201)"
            )
        else:
            probes.append(
                probe("POST", path, OPENINGS[spec.kind](), 403, f"openers {sorted(access.openers)}")
            )
    failures += await run(matrix, role, probes)

    for spec in SPECS.values():
        if not spec.access.may_read(role):
            continue
        listed = await matrix.http.get(spec.prefix, headers=auth(WHO[role]), params={"limit": 500})
        refs = [item["ref"] for item in listed.json()["items"]]
        assert matrix.cases[spec.kind].ref in refs, (spec.prefix, role)
        strays = [r for r in refs if not re.fullmatch(spec.ref_pattern, r)]
        assert not strays, f"GET {spec.prefix} as {role} lists refs of another kind: {strays}"
    assert not failures, "\n".join(failures)


def _kind_level_params():
    for path, method, spec in kind_level_routes(COLLECTED):
        for role in ROLES:
            gap = KNOWN_GAPS.get((method, path)) if not spec.access.may_read(role) else None
            marks = [pytest.mark.xfail(strict=True, reason=gap)] if gap else []
            yield pytest.param(path, method, role, marks=marks, id=f"{method.upper()} {path} {role}")


@pytest.mark.parametrize(("path", "method", "role"), list(_kind_level_params()))
async def test_kind_level_routes(matrix, path, method, role):
    """A route under a kind's prefix that names no case (e.g. EN's eligibility check) is still the
    tier's: 403 for a role outside it, answered (not refused for access) for a reader."""
    spec = kind_of(path)
    operation = matrix.doc["paths"][path][method]
    body = None
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        body = next(bodies(schema, matrix.doc["components"]["schemas"]))
    headers = auth(WHO[role]) | {"Idempotency-Key": key()}
    response = await matrix.http.request(method.upper(), path, json=body, headers=headers)
    if spec.access.may_read(role):
        assert response.status_code < 400 or response.status_code == 409, response.text
    else:
        assert (response.status_code, response.json().get("code")) == (403, "forbidden"), response.text


@pytest.mark.parametrize("role", ROLES, ids=str)
async def test_pathways_are_shown_only_to_their_tier(matrix, role):
    probes = [
        probe("GET", f"/pathways/{kind}", None, 200 if ACCESS[CaseKind(kind)].may_read(role) else 403, "tier")
        for kind in SPECS
    ]
    probes.append(
        probe("GET", "/pathways/no_such_kind", None, 422, "unknown kind: not in the enum", "invalid_request")
    )
    failures = []
    for p in probes:
        failures += judge(matrix, role, p, await matrix.http.get(p.path, headers=auth(WHO[role])))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES, ids=str)
async def test_the_escalation_queue_shows_only_readable_kinds(matrix, role):
    """The queue (every page of it) holds only escalations of kinds the role reads; an escalation
    of a kind it does not read is 404, to read and to acknowledge; the queue is 403 to a role that
    reads no queue."""
    http, headers = matrix.http, auth(WHO[role])
    readable = {k for k in ACCESS if ACCESS[k].may_read(role)}
    queue = await http.get("/escalations", headers=headers, params={"acknowledged": "all"})
    if role not in QUEUE_READERS:
        assert (queue.status_code, queue.json()["code"]) == (403, "forbidden")
        for escalation in matrix.escalations.values():
            detail = await http.get(f"/escalations/{escalation}", headers=headers)
            acknowledged = await http.post(
                f"/escalations/{escalation}/acknowledge",
                json={"comment": "seen"},
                headers=headers | {"Idempotency-Key": key()},
            )
            for answer in (detail, acknowledged):
                assert answer.status_code == 403, answer.text
                assert not any(s in answer.text for s in matrix.secrets())
        return

    seen, offset = [], 0
    while True:
        page = await http.get(
            "/escalations", headers=headers, params={"acknowledged": "all", "limit": 500, "offset": offset}
        )
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        offset += 500
        if offset >= page.json()["total"]:
            break
    kinds = {e["case_kind"] for e in seen}
    assert kinds <= {k.value for k in readable}, f"{role} is shown escalations of {kinds - readable}"
    assert {e["id"] for e in seen} >= {matrix.escalations[k] for k in readable}
    assert not [s for s in matrix.secrets(set(ACCESS) - readable) if s in str(seen)]

    for kind, escalation in matrix.escalations.items():
        filtered = await http.get(
            "/escalations",
            headers=headers,
            params={"case_kind": kind.value, "acknowledged": "all", "limit": 500},
        )
        ids = {e["id"] for e in filtered.json()["items"]}
        detail = await http.get(f"/escalations/{escalation}", headers=headers)
        acknowledged = await http.post(
            f"/escalations/{escalation}/acknowledge",
            json={"comment": "seen"},
            headers=headers | {"Idempotency-Key": key()},
        )
        if kind in readable:
            assert escalation in ids
            assert detail.status_code == 200 and detail.json()["case_ref"] == matrix.cases[kind].ref
            step = SPECS[kind.value].workflow.pathway.steps["acknowledge_escalation"]
            if role in ACKNOWLEDGERS and ACCESS[kind].may_act(role, step.roles):
                # Past every access check to the case's workflow, which never raised this one.
                assert (acknowledged.status_code, acknowledged.json()["code"]) == (409, "unknown_deadline")
            else:
                assert acknowledged.status_code == 403, acknowledged.text
        else:
            assert filtered.json()["total"] == 0, filtered.text
            assert (detail.status_code, detail.json()["code"]) == (404, "escalation_not_found"), detail.text
            expected = 404 if role in ACKNOWLEDGERS else 403
            assert acknowledged.status_code == expected, acknowledged.text
            for answer in (detail, acknowledged, filtered):
                assert matrix.cases[kind].ref not in answer.text
                assert not any(s in answer.text for s in matrix.secrets())


async def test_the_order_of_checks_is_as_the_matrix_assumes(matrix):
    """What FastAPI checks first, found by trying it: the matrix's expectations rest on it."""
    http, claim, advice = matrix.http, matrix.cases[CaseKind.CLAIM], matrix.cases[CaseKind.ADVICE]
    adviser, handler = (
        auth("adviser") | {"Idempotency-Key": key()},
        auth("handler") | {"Idempotency-Key": key()},
    )
    # 1. A body that is not JSON is refused by the guard before any route, even on a ref of
    #    another kind.
    garbled = await http.post(
        f"/claims/{advice.ref}/add-note",
        content=b"{not json",
        headers=adviser | {"Content-Type": "application/json"},
    )
    assert (garbled.status_code, garbled.json()["code"]) == (400, "invalid_json")
    assert not any(s in garbled.text for s in matrix.secrets())
    # 2. JSON the payload does not accept: the dependency decides first (kind, then tier).
    wrong_kind = await http.post(f"/claims/{advice.ref}/add-note", json=NOT_AN_OBJECT, headers=adviser)
    assert (wrong_kind.status_code, wrong_kind.json()["code"]) == (404, "claim_not_found")
    outside = await http.post(f"/advice-cases/{advice.ref}/add-note", json=NOT_AN_OBJECT, headers=handler)
    assert (outside.status_code, outside.json()["code"]) == (403, "forbidden")
    # 3. The step's roles are checked after validation: a reader outside them gets 422 for a
    #    malformed body and 403 only for a valid one.
    waive = SPECS["claim"].workflow.pathway.steps["waive_deadline"]
    assert not ACCESS[CaseKind.CLAIM].may_act(Role.HANDLER, waive.roles)
    malformed = await http.post(f"/claims/{claim.ref}/waive-deadline", json=NOT_AN_OBJECT, headers=handler)
    assert malformed.status_code == 422
    valid = await http.post(
        f"/claims/{claim.ref}/waive-deadline", json=step_body(SPECS["claim"], waive), headers=handler
    )
    assert (valid.status_code, valid.json()["code"]) == (403, "forbidden")
    # 4. An opening is validated before may_open.
    assert (await http.post("/claims", json=NOT_AN_OBJECT, headers=adviser)).status_code == 422
    assert (await http.post("/claims", json=OPENINGS[CaseKind.CLAIM](), headers=adviser)).status_code == 403


def test_no_role_but_oversight_reads_both_tiers():
    tiers_kept_apart()


def test_the_system_role_reads_opens_and_takes_no_step():
    """`system` is the case's own clock in its ledger: no token carries it (api/token_file.py),
    and were one to, it could do nothing."""
    for kind, access in ACCESS.items():
        assert not access.may_read(Role.SYSTEM) and Role.SYSTEM not in access.openers, kind
    for kind, spec in SPECS.items():
        for action, step in spec.workflow.pathway.steps.items():
            assert Role.SYSTEM not in step.roles, (kind, action)
    for roles in (QUEUE_READERS, ACKNOWLEDGERS):
        assert Role.SYSTEM not in roles


def tiers_kept_apart() -> None:
    """The declarations themselves, which the matrix's expectations follow (so a declaration
    that let advisers read claims would move the expectations with it): advice roles read no
    claim-side kind and claim-side roles no advice kind; only auditors and admins read both;
    openers read what they open."""
    for role in sorted(PEOPLE_ROLES):
        tiers = {access.tier for access in ACCESS.values() if access.may_read(role)}
        if role not in (Role.AUDITOR, Role.ADMIN):
            assert len(tiers) <= 1, f"{role} reads {sorted(tiers)}: only oversight roles span tiers"
    assert Tier.ADVICE.confidential and not Tier.CLAIMS.confidential
    assert Tier.ADVICE.readers & Tier.CLAIMS.readers == {Role.AUDITOR, Role.ADMIN}
    for kind, access in ACCESS.items():
        assert access.openers <= access.readers, kind


# --- an ended case takes its escalations with it -----------------------------------------------


SHORT = TEST_POLICY.model_copy(update={"deadlines": deadline_policies.short(seconds=3, warn_before=1.5)})


async def test_an_escalation_of_an_ended_case_leaves_the_open_queue(client, sqlite_sessions):
    """A mediation's reply escalates up its whole ladder under a short policy; the mediation is
    refused (final), its closing projection acknowledges its escalations as "system", the open
    queue drops them, and acknowledging one is 409 already_acknowledged."""
    async with running_fairway(client, sqlite_sessions, policy=SHORT) as fairway:
        http = fairway.http
        claim = await claim_at(http, ClaimStage.LETTER_OF_RESPONSE_SENT)
        state = (await propose_mediation(http, claim))["state"]
        ref = state["routes"][-1]["ref"]

        def rows() -> list[EscalationRow]:
            with fairway.sessions() as session:
                found = session.scalars(select(EscalationRow).where(EscalationRow.case_ref == ref)).all()
                session.expunge_all()
                return list(found)

        def whole_ladder():
            steps = {(r.deadline, r.step) for r in rows()}
            assert steps == {
                ("mediation_reply_due", s) for s in ("warning", "supervisor", "head_of_service")
            }, steps

        await assert_eventually(whole_ladder, timeout=20)
        supervisor = next(r for r in rows() if r.step == "supervisor")
        assert supervisor.acknowledged_by is None and supervisor.case_kind == "mediation"
        assert supervisor.id in await open_queue(http, ref)

        refusal = {
            "refused_on": SAMPLES["propose_mediation"]["proposed_on"],
            "refused_by": "defendant",
            "reason": "no",
        }
        refused = await route_ok(http, "/mediations", ref, "refuse_mediation", refusal)
        assert refused["state"]["stage"] == "declined"

        def closed_with_the_case():
            assert all(r.acknowledged_by == CLOSED_BY and r.acknowledged_at for r in rows()), [
                (r.step, r.acknowledged_by) for r in rows()
            ]

        await assert_eventually(closed_with_the_case)
        assert await open_queue(http, ref) == set()
        acknowledged = await http.get(
            "/escalations",
            headers=auth("supervisor"),
            params={"acknowledged": "true", "case_kind": "mediation", "limit": 500},
        )
        assert supervisor.id in {
            e["id"] for e in acknowledged.json()["items"] if e["acknowledged_by"] == CLOSED_BY
        }
        again = await http.post(
            f"/escalations/{supervisor.id}/acknowledge",
            json={"comment": "too late"},
            headers=auth("supervisor") | {"Idempotency-Key": key()},
        )
        assert (again.status_code, again.json()["code"]) == (409, "already_acknowledged"), again.text
        assert again.json()["details"]["acknowledged_by"] == CLOSED_BY


async def propose_mediation(http, claim: str) -> dict:
    headers = auth("handler") | {"Idempotency-Key": key()}
    response = await http.post(
        f"/claims/{claim}/propose-mediation", json=SAMPLES["propose_mediation"], headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def open_queue(http, ref: str) -> set[int]:
    queue = await http.get(
        "/escalations", headers=auth("supervisor"), params={"case_kind": "mediation", "limit": 500}
    )
    assert queue.status_code == 200, queue.text
    return {e["id"] for e in queue.json()["items"] if e["case_ref"] == ref}
