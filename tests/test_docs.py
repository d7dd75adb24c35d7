"""Generated docs must match the code they are generated from."""

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
from workflows.claim_pathway import STEPS, mermaid


def test_claim_pathway_doc_is_current():
    assert CLAIM_PATHWAY_DOC.read_text() == claim_pathway_markdown(), (
        "run `fairway docs` and commit the result"
    )


def test_diagram_has_every_stage_changing_step():
    diagram = mermaid()
    for step in STEPS.values():
        if step.leads_to is not None:
            assert f": {step.action}" in diagram


async def test_pathway_endpoint_serves_the_table(fairway):
    from tests.helpers import auth

    body = (await fairway.http.get("/pathways/claim", headers=auth("auditor"))).json()
    assert [s["action"] for s in body["steps"]] == list(STEPS)
    assert body["mermaid"] == mermaid()
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
        assert body["mermaid"] == pathway.mermaid()


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
    tabled = {policy.version: policy for _, _, policy in deadline_policies()}
    page = DEADLINE_POLICIES_DOC.read_text()
    for default in defaults:
        assert default.deadlines.version in tabled, default.deadlines.version
        for name in default.deadlines.rules:
            assert f"| `{name}` |" in page, name
