"""Generated docs must match the pathway tables they are generated from."""

from fairway.docs import CLAIM_PATHWAY_DOC, claim_pathway_markdown
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
