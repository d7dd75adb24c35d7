"""Generated documentation: pages that restate code (the pathway tables, the deadline policies) are
rendered from it, so they cannot drift; tests/test_docs.py fails when a committed page is stale."""

from __future__ import annotations

from pathlib import Path

from activities.calendar import unit_words
from models.advice import ADVICE_DEADLINES
from models.contract_dispute import CONTRACT_DISPUTE_DEADLINES
from models.deadline_policies import STANDARD
from models.deadlines import DeadlinePolicy, DeadlineRule
from models.duty_of_candour import CANDOUR_DEADLINES
from models.early_notification import EN_DEADLINES
from models.pharmacy_appeal import PHARMACY_APPEAL_DEADLINES

DOCS = Path(__file__).parent.parent / "docs"
PATHWAYS_DIR = DOCS / "pathways"


def case_apis() -> list:
    """Every case kind the API serves, from the one router factory's registry."""
    import api.app  # noqa: F401  (building the routers registers each kind)
    from api.cases import SPECS

    return list(SPECS.values())


def pathway_doc(spec) -> Path:
    return PATHWAYS_DIR / f"{spec.kind.value}.md"


def _stages(stages: list[str], every: list[str], open_: list[str]) -> str:
    if stages == every:
        return "any stage"
    if stages == open_:
        return "any open stage"
    return ", ".join(stages)


def pathway_markdown(spec) -> str:
    """A case kind's page, from the same description `GET /pathways/{kind}` serves."""
    from api.pathways import pathway_view

    view = pathway_view(spec)
    open_stages = [s for s in view.stages if s not in view.final_stages]
    rows = []
    for step in view.steps:
        target = step.leads_to or "(stays)"
        target += "".join(f"; {d.to} ({d.when})" for d in step.diverts)
        hold = {"off": "off hold", "on": "on hold", "any": "either"}[step.hold]
        rows.append(
            f"| `{step.action}` | {step.describe} | {_stages(step.from_stages, view.stages, open_stages)} | "
            f"{target} | {', '.join(step.roles)} | {hold} | `POST {step.route}` |"
        )
    module = spec.workflow.__module__.replace(".", "/")
    return "\n".join(
        [
            f"# The {spec.kind.value.replace('_', ' ')} pathway",
            "",
            f"Generated from the pathway table behind `{module}.py` by `fairway docs`; a test fails if it is "
            "stale. The same table drives the Update validators, the `allowed_actions` in every response, "
            f"the API's routes and `GET /pathways/{spec.kind.value}`. Opened by `{view.opening_action}`; "
            "final stages: " + ", ".join(view.final_stages) + ".",
            "",
            "```mermaid",
            view.mermaid.rstrip(),
            "```",
            "",
            "| action | what it records | allowed at | leads to | roles | hold | route |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


DEADLINE_POLICIES_DOC = DOCS / "deadline-policies.md"
DAY = 86_400


def deadline_policies() -> list[tuple[str, str, DeadlinePolicy]]:
    """Every deadline policy a case starts under by default: heading, source file, policy.
    A case kind given a policy of its own belongs here; a test checks none is left out."""
    return [
        ("Claims, resolution routes and summits", "models/deadline_policies.py", STANDARD),
        ("Early Notification", "models/early_notification.py", EN_DEADLINES),
        ("Practitioner Performance Advice", "models/advice.py", ADVICE_DEADLINES),
        ("Primary care contract disputes", "models/contract_dispute.py", CONTRACT_DISPUTE_DEADLINES),
        ("Pharmacy appeals (Primary Care Appeals)", "models/pharmacy_appeal.py", PHARMACY_APPEAL_DEADLINES),
        ("Duty of candour", "models/duty_of_candour.py", CANDOUR_DEADLINES),
    ]


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    for size, unit in ((DAY, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size and seconds % size == 0:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds:g} seconds"


def _relative(seconds: float, after: bool) -> str:
    """A ladder step's time relative to the due time; `after` says which way positive runs."""
    if seconds == 0:
        return "at due"
    return f"{_span(seconds)} {'after' if (seconds > 0) == after else 'before'}"


def _period(rule: DeadlineRule) -> str:
    if rule.limitation:
        return "Limitation Act 1980, computed per claimant"
    if rule.seconds is not None:
        return f"{_span(rule.seconds)} after its trigger"
    period = rule.period
    if period.amount == 0:  # a nominal period: the handler or adviser enters the date
        return "none: the date is entered"
    parts = [f"{period.amount} {unit_words(period.unit, period.amount)}"]
    if period.clear_days:
        parts.append("clear days")
    if period.short_period_excludes_non_business_days:
        parts.append("business days only if 5 days or less")
    parts.append(  # a KeyError here: a new end rule needs its words
        {
            "court_office_rolls_forward": "rolls forward past a closed court office",
            "protocol_flag_only": "a closed last day is flagged, never moved",
            "none": "",
        }[period.end_rule]
    )
    return "; ".join(p for p in parts if p)


def _steps_naming_deadlines() -> tuple[dict[str, dict], dict[str, dict]]:
    """Which pathway steps set and which meet each deadline, by case kind, from the tables."""
    sets: dict[str, dict[str, list[str]]] = {}
    meets: dict[str, dict[str, list[str]]] = {}
    from worker import WORKFLOWS  # every case kind's workflow, as the worker registers them

    tables = [(w.pathway.kind, w.pathway.steps.values()) for w in WORKFLOWS]
    for kind, steps in tables:
        for step in steps:
            counted = f" (from `{step.date_field}`)" if step.date_field else ""
            for name in step.sets:
                sets.setdefault(name, {}).setdefault(kind, []).append(f"`{step.action}`{counted}")
            for name in step.meets:
                meets.setdefault(name, {}).setdefault(kind, []).append(f"`{step.action}`")
    return sets, meets


def _by_kind(actions: dict[str, list[str]]) -> str:
    return "; ".join(f"{kind}: {', '.join(steps)}" for kind, steps in actions.items())


def _rule_row(rule: DeadlineRule, sets: dict, meets: dict) -> str:
    ladder = rule.ladder
    extension = "any" if rule.max_extension_days is None else _span(rule.max_extension_days * DAY)
    cells = [
        f"`{rule.name}`",
        rule.title,
        rule.kind.value,
        _period(rule),
        _relative(ladder.warn_before_seconds, after=False),
        _relative(ladder.supervisor_before_seconds, after=False),
        _relative(ladder.head_of_service_after_seconds, after=True),
        extension,
        _by_kind(sets.get(rule.name, {})),
        _by_kind(meets.get(rule.name, {})),
        rule.basis,
    ]
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _named_policy_row(name: str, policy, tabled: set[str]) -> str:
    deadlines = policy.deadlines
    if deadlines.key in tabled:
        timings = f"the `{deadlines.key}` table above"
    else:  # a short policy: its rules share a few timings, so say each once
        groups: dict[str, list[str]] = {}
        for rule in deadlines.rules.values():
            ladder = rule.ladder
            timing = (
                f"{_period(rule)}, warning {_relative(ladder.warn_before_seconds, after=False)}, "
                f"supervisor {_relative(ladder.supervisor_before_seconds, after=False)}, head of service "
                f"{_relative(ladder.head_of_service_after_seconds, after=True)}"
            )
            groups.setdefault(timing, []).append(rule.name)
        common = max(groups, key=lambda t: len(groups[t]))
        timings = "; ".join(
            [f"`{', '.join(names)}`: {t}" for t, names in groups.items() if t != common]
            + [f"every other deadline: {common}"]
        )
    window = _span(policy.reopen_window_seconds)
    return f"| `{name}` | `{policy.version}` | `{deadlines.key}` | {window} | {timings} |"


def deadline_policies_markdown() -> str:
    from fairway.policies import POLICIES

    sets, meets = _steps_naming_deadlines()
    tabled = {policy.key for _, _, policy in deadline_policies()}
    sections = []
    for heading, source, policy in deadline_policies():
        contacts = "; ".join(
            f"team `{team}`: supervisor `{c.supervisor}`, head of service `{c.head_of_service}`"
            for team, c in policy.contacts.items()
        )
        sections += [
            f"## {heading}: `{policy.key}`",
            "",
            f"From `{source}`. Escalation contacts: {contacts}.",
            "",
            "| deadline | title | kind | period | warning | supervisor | head of service "
            "| extension by agreement | set by | met by | basis |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *(_rule_row(rule, sets, meets) for rule in policy.rules.values()),
            "",
        ]
    return "\n".join(
        [
            "# Deadline policies",
            "",
            "Generated by `fairway docs` from the deadline rules in",
            ", ".join(f"`{source}`" for _, source, _ in deadline_policies()) + " and the named",
            "policies in `fairway/policies.py`; a test fails if it is stale.",
            "How due dates are counted and how the ladder climbs is in [deadlines.md](deadlines.md).",
            "",
            "The warning, supervisor and head-of-service columns are the escalation ladder, relative to the",
            "due time. *Set by* and *met by* name the pathway steps whose table entry sets or meets the",
            "deadline ([the pathway pages](pathways/)). A blank means the case's",
            "workflow sets or meets it in its own code (opening a claim, a Part 36 offer, a stock-take, a",
            "summit's valuations, the dates in a court order), or that nothing does.",
            "",
            *sections,
            "## Named claim policies",
            "",
            "`FAIRWAY_POLICY` names the policy the API gives each new claim; a claim keeps it for life.",
            "",
            "| name | claim policy | deadline policy | reopen window | timings |",
            "|---|---|---|---|---|",
            *(_named_policy_row(name, policy, tabled) for name, policy in POLICIES.items()),
            "",
        ]
    )


METRICS_DOC = DOCS / "metrics.md"


def _figure_row(figure) -> str:
    samples = f"`{figure.name}_total`" if figure.type == "counter" else f"`{figure.name}`"
    if figure.type == "histogram":
        samples += " (`_bucket`, `_sum`, `_count`)"
    labels = ", ".join(f"`{label}`" for label in figure.labels) or "—"
    meaning = figure.meaning.replace("|", "\\|")
    return f"| {samples} | {figure.type} | {labels} | {meaning} |"


def metrics_markdown() -> str:
    from fairway.metrics import API, SDK_FIGURES, WORKER, figures

    sections = []
    for served_by, heading, where in (
        (API, "The API", "`GET /metrics` on the API's own port (`FAIRWAY_API_PORT`)"),
        (WORKER, "The worker", "`GET /metrics` on `FAIRWAY_WORKER_METRICS_HOST:FAIRWAY_WORKER_METRICS_PORT`"),
    ):
        sections += [
            f"## {heading}",
            "",
            f"Served at {where}.",
            "",
            "| metric | type | labels | meaning |",
            "|---|---|---|---|",
            *(_figure_row(f) for f in figures(served_by)),
            "",
        ]
    return "\n".join(
        [
            "# Metrics",
            "",
            "Generated by `fairway docs` from the declarations in `fairway/metrics.py`; a test fails if",
            "it is stale. What the endpoints are, how to scrape them and why the figures are measured as",
            "they are is in [operations.md](operations.md#metrics-and-tracing).",
            "",
            *sections,
            "Both also serve the process's own figures from `prometheus_client` (`process_*`: CPU, memory,",
            "open files; `python_gc_*`, `python_info`).",
            "",
            "## The Temporal SDK's figures",
            "",
            "The worker's endpoint also serves every `temporal_*` family the SDK's Rust core reports, with",
            "counters ending in `_total` and durations in seconds. The Grafana dashboard",
            "(`deploy/grafana/dashboards/fairway.json`) charts these, which a test checks a running worker",
            "serves:",
            "",
            *(f"- `{name}`" for name in SDK_FIGURES),
            "",
        ]
    )


def write_docs() -> list[Path]:
    PATHWAYS_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in case_apis():
        pathway_doc(spec).write_text(pathway_markdown(spec))
        written.append(pathway_doc(spec))
    DEADLINE_POLICIES_DOC.write_text(deadline_policies_markdown())
    written.append(DEADLINE_POLICIES_DOC)
    METRICS_DOC.write_text(metrics_markdown())
    written.append(METRICS_DOC)
    return written
