"""Generated docs must match the code they are generated from, and the hand-written pages must
stay short and linked: the README at most 200 lines, every relative link pointing somewhere."""

import re
from pathlib import Path

import pytest

from fairway.docs import (
    CLAIM_PATHWAY_DOC,
    DEADLINE_POLICIES_DOC,
    claim_pathway_markdown,
    deadline_policies,
    deadline_policies_markdown,
    kit_pathway_doc,
    kit_pathway_markdown,
    kit_workflows,
)
from workflows.claim_pathway import PATHWAY


def test_claim_pathway_doc_is_current():
    assert CLAIM_PATHWAY_DOC.read_text() == claim_pathway_markdown(), (
        "run `fairway docs` and commit the result"
    )


def test_diagram_has_every_stage_changing_step():
    diagram = PATHWAY.mermaid()
    for step in PATHWAY.steps.values():
        if step.leads_to is not None:
            assert f": {step.action}" in diagram


async def test_pathway_endpoint_serves_the_table(fairway):
    from tests.helpers import auth

    body = (await fairway.http.get("/pathways/claim", headers=auth("auditor"))).json()
    assert [s["action"] for s in body["steps"]] == list(PATHWAY.steps)
    assert body["mermaid"] == PATHWAY.mermaid()
    reopen = next(s for s in body["steps"] if s["action"] == "reopen")
    assert reopen["roles"] == ["admin", "supervisor"] and reopen["from_stages"] == ["closed"]
    assert reopen["payload_schema"]["required"] == ["reason"]


@pytest.mark.parametrize("workflow", kit_workflows(), ids=lambda w: w.pathway.kind)
def test_kit_pathway_docs_are_current(workflow):
    assert kit_pathway_doc(workflow).read_text() == kit_pathway_markdown(workflow), (
        "run `fairway docs` and commit the result"
    )


async def test_every_kit_pathway_is_served(fairway):
    from tests.helpers import auth

    for workflow in kit_workflows():
        pathway = workflow.pathway
        response = await fairway.http.get(f"/pathways/{pathway.kind}", headers=auth("admin"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert [s["action"] for s in body["steps"]] == list(pathway.steps)
        assert body["mermaid"] == pathway.PATHWAY.mermaid()


def test_deadline_policies_doc_is_current():
    assert DEADLINE_POLICIES_DOC.read_text() == deadline_policies_markdown(), (
        "run `fairway docs` and commit the result"
    )


def test_every_case_kinds_deadline_policy_is_tabled():
    """A case kind given a policy of its own must be added to deadline_policies(), or its
    deadlines would be missing from the page."""
    from models.claims import ClaimPolicy

    defaults = [ClaimPolicy()]
    for workflow in kit_workflows():
        field = workflow.input_type.model_fields["policy"]
        defaults.append(field.annotation() if field.is_required() else field.default)
    tabled = {policy.version for _, _, policy in deadline_policies()}
    page = DEADLINE_POLICIES_DOC.read_text()
    for default in defaults:
        assert default.deadlines.version in tabled, default.deadlines.version
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


def test_readme_tokens_are_the_dev_tokens():
    """The README's token table is hand-written (its last column is prose): hold it to the code."""
    from api.auth import DEV_TOKENS

    rows = re.findall(r"^\| `(dev-[^`]+)` +\| `([^`]+)` +\| (\w+) +\|", README.read_text(), flags=re.M)
    assert {token: {"actor": actor, "role": role} for token, actor, role in rows} == DEV_TOKENS
