"""Generated documentation: the claim pathway page is rendered from the pathway table."""

from __future__ import annotations

from pathlib import Path

from workflows import claim_pathway

CLAIM_PATHWAY_DOC = Path(__file__).parent.parent / "docs" / "claim-pathway.md"


def claim_pathway_markdown() -> str:
    order = list(claim_pathway.S)
    rows = []
    for step in claim_pathway.STEPS.values():
        origins = ", ".join(s.value for s in sorted(step.from_stages, key=order.index))
        if step.from_stages == claim_pathway.EVERY:
            origins = "any stage"
        elif step.from_stages == claim_pathway.OPEN:
            origins = "any open stage"
        target = "(stays)" if step.leads_to is None else getattr(step.leads_to, "value", step.leads_to)
        for divert in step.diverts:
            target += f"; {divert.to.value} ({divert.label})"
        hold = {"off": "off hold", "on": "on hold", "any": "either"}[step.hold]
        route = f"POST /claims/{{ref}}/{step.action.replace('_', '-')}"
        rows.append(
            f"| `{step.action}` | {step.describe} | {origins} | {target} | "
            f"{', '.join(sorted(step.roles))} | {hold} | `{route}` |"
        )
    return "\n".join(
        [
            "# The claim pathway",
            "",
            "Generated from `workflows/claim_pathway.py` by `fairway docs`; a test fails if it is stale.",
            "The same table drives the Update validators, the `allowed_actions` in every response",
            "and `GET /pathways/claim`.",
            "",
            "```mermaid",
            claim_pathway.mermaid().rstrip(),
            "```",
            "",
            "| action | what it records | allowed at | leads to | roles | hold | route |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


PATHWAYS_DIR = CLAIM_PATHWAY_DOC.parent / "pathways"


def kit_workflows() -> list:
    """Every case kind built on the case kit, as the worker registers them."""
    from worker import WORKFLOWS
    from workflows.case_kit import CaseWorkflow

    return [w for w in WORKFLOWS if issubclass(w, CaseWorkflow)]


def kit_pathway_doc(workflow) -> Path:
    return PATHWAYS_DIR / f"{workflow.pathway.kind}.md"


def kit_pathway_markdown(workflow) -> str:
    """A kit case kind's page, from its pathway table, like the claim's."""
    pathway = workflow.pathway
    order = [s.value for s in pathway.stages]
    rows = [
        f"| `{step.action}` | {step.describe} | {', '.join(sorted(step.from_stages, key=order.index))} | "
        f"{step.leads_to or '(stays)'} | {', '.join(sorted(step.roles))} |"
        for step in pathway.steps.values()
    ]
    return "\n".join(
        [
            f"# The {pathway.kind.replace('_', ' ')} pathway",
            "",
            f"Generated from `{workflow.__module__.replace('.', '/')}.py` by `fairway docs`; a test fails if "
            "it is stale. Final stages: " + ", ".join(sorted(pathway.final, key=order.index)) + ".",
            "",
            "```mermaid",
            pathway.mermaid().rstrip(),
            "```",
            "",
            "| action | what it records | allowed at | leads to | roles |",
            "|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


def write_docs() -> list[Path]:
    CLAIM_PATHWAY_DOC.parent.mkdir(exist_ok=True)
    CLAIM_PATHWAY_DOC.write_text(claim_pathway_markdown())
    written = [CLAIM_PATHWAY_DOC]
    PATHWAYS_DIR.mkdir(exist_ok=True)
    for workflow in kit_workflows():
        kit_pathway_doc(workflow).write_text(kit_pathway_markdown(workflow))
        written.append(kit_pathway_doc(workflow))
    return written
