"""Generated docs must match the code they are generated from, and the hand-written pages must
stay short and linked: the README at most 200 lines, every relative link pointing somewhere."""

import re
from pathlib import Path

import pytest

from fairway.docs import (
    DEADLINE_POLICIES_DOC,
    METRICS_DOC,
    case_apis,
    deadline_policies,
    deadline_policies_markdown,
    metrics_markdown,
    pathway_doc,
    pathway_markdown,
)
from worker import WORKFLOWS


@pytest.mark.parametrize("spec", case_apis(), ids=lambda s: s.kind.value)
def test_pathway_docs_are_current(spec):
    assert pathway_doc(spec).read_text() == pathway_markdown(spec), "run `fairway docs` and commit the result"


def test_every_case_kind_has_a_page_and_a_router():
    assert {w.pathway.kind for w in WORKFLOWS} == {s.kind.value for s in case_apis()}


def test_diagram_has_every_stage_changing_step():
    for spec in case_apis():
        pathway = spec.workflow.pathway
        diagram = pathway.mermaid()
        for step in pathway.public_steps:
            if step.leads_to is not None or step.diverts:
                assert f": {step.action}" in diagram, (spec.kind, step.action)


async def test_every_pathway_is_served_as_its_routes_are(fairway):
    """`GET /pathways/{kind}` lists exactly the steps the API has a route for, no more."""
    from tests.helpers import auth

    openapi = (await fairway.http.get("/openapi.json")).json()
    for spec in case_apis():
        pathway = spec.workflow.pathway
        response = await fairway.http.get(f"/pathways/{spec.kind.value}", headers=auth("admin"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert [s["action"] for s in body["steps"]] == [s.action for s in pathway.public_steps]
        assert body["mermaid"] == pathway.mermaid()
        for step in body["steps"]:
            assert step["route"] in openapi["paths"], step["route"]
    body = (await fairway.http.get("/pathways/claim", headers=auth("auditor"))).json()
    assert not {"join_summit", "leave_summit", "link_case"} & {s["action"] for s in body["steps"]}
    reopen = next(s for s in body["steps"] if s["action"] == "reopen")
    assert reopen["roles"] == ["admin", "supervisor"] and reopen["from_stages"] == ["closed"]
    assert reopen["payload_schema"]["required"] == ["reason"]


def test_deadline_policies_doc_is_current():
    assert DEADLINE_POLICIES_DOC.read_text() == deadline_policies_markdown(), (
        "run `fairway docs` and commit the result"
    )


def test_metrics_doc_is_current():
    assert METRICS_DOC.read_text() == metrics_markdown(), "run `fairway docs` and commit the result"


def test_every_case_kinds_deadline_policy_is_tabled():
    """A case kind given a policy of its own must be added to deadline_policies(), or its
    deadlines would be missing from the page."""
    from models.claims import ClaimPolicy

    defaults = [ClaimPolicy()]
    for workflow in WORKFLOWS:
        field = workflow.input_type.model_fields["policy"]
        defaults.append(field.annotation() if field.is_required() else field.default)
    tabled = {policy.key for _, _, policy in deadline_policies()}
    page = DEADLINE_POLICIES_DOC.read_text()
    for default in defaults:
        assert default.deadlines.key in tabled, default.deadlines.key
        for name in default.deadlines.rules:
            assert f"| `{name}` |" in page, name


REPO = Path(__file__).parent.parent
README = REPO / "README.md"
HAND_AND_GENERATED_PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_readme_stays_short():
    lines = len(README.read_text().splitlines())
    assert lines <= 200, f"README.md has {lines} lines; move detail to a page under docs/"


def _prose(page: Path) -> str:
    return re.sub(r"^```.*?^```", "", page.read_text(), flags=re.S | re.M)  # links in code are examples


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    headings = re.findall(r"^#+ (.+)$", _prose(page), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("page", HAND_AND_GENERATED_PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_point_somewhere(page):
    broken = []
    for target in LINK.findall(_prose(page)):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto: not ours to check
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and linked.is_file() and anchor not in _anchors(linked)):
            broken.append(target)
    assert not broken, f"{page.name} links to nothing at: {', '.join(broken)}"


def test_every_setting_has_a_row_in_operations():
    from fairway.settings import Settings

    page = (REPO / "docs" / "operations.md").read_text()
    missing = [
        f"FAIRWAY_{name.upper()}"
        for name in Settings.model_fields
        if f"| `FAIRWAY_{name.upper()}` |" not in page
    ]
    assert not missing, f"docs/operations.md has no row for {missing}"


def test_readme_tokens_are_the_dev_tokens():
    """The README's token table is hand-written (its last column is prose): hold it to the code."""
    from api.auth import DEV_TOKENS

    rows = re.findall(r"^\| `(dev-[^`]+)` +\| `([^`]+)` +\| (\w+) +\|", README.read_text(), flags=re.M)
    assert {token: {"actor": actor, "role": role} for token, actor, role in rows} == DEV_TOKENS
