"""The console's generated forms (api/console/forms.py, templates/forms.html), for every payload the
API takes: each field as its schema says, every control labelled, and a body that goes out
through a rendered form and comes back as a post validating to the same request. Pure: no server.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import api.app  # noqa: F401  (importing the app builds every kind's router, which fills SPECS)
from api.cases import SPECS
from api.console.auth import CSRF_FIELD
from api.console.case_page import taxonomy_choices
from api.console.forms import (
    BLANK_ROWS,
    IDEMPOTENCY_FIELD,
    MONEY_DESCRIPTION,
    MOST_RADIOS,
    Control,
    Field,
    Form,
    UnsupportedField,
    field_errors,
    form_for,
    initial_values,
    offering,
    parse_form,
    values_from_payload,
)
from api.console.templating import environment
from api.errors import invalid
from fairway.clinical_coding import read_taxonomy_file
from fairway.settings import SHIPPED_TAXONOMY_FILE
from models.claims import ClaimOpening
from models.coding import TAXONOMY_MARK
from models.common import RequestBody
from tests.access_cases import (
    bodies,
    concern_raised,
    contract_referral,
    notification,
    summit_opening,
    valid_body,
)
from tests.advice_paths import referral
from tests.claim_paths import SAMPLES
from tests.helpers import opening


def every_payload_model() -> dict[type[BaseModel], str]:
    """Every opening and every step's payload of every case kind, each once, named by its first use."""
    found: dict[type[BaseModel], str] = {}
    for kind, spec in SPECS.items():
        if spec.opening is not None:
            found.setdefault(spec.opening, f"{kind}.open")
        for action, step in spec.workflow.pathway.steps.items():
            found.setdefault(step.payload, f"{kind}.{action}")
    return found


MODELS = every_payload_model()
MODEL_PARAMS = [pytest.param(model, id=where) for model, where in MODELS.items()]


def payload(kind: str, action: str) -> type[BaseModel]:
    return SPECS[kind].workflow.pathway.steps[action].payload


def test_every_kind_and_its_payloads_are_here():
    # Not an empty parametrization: SPECS is filled by importing the app.
    assert {"claim", "litigation", "advice", "early_notification", "resolution_summit"} <= set(SPECS)
    assert len(MODELS) > 100


# --- the fields follow the schema ---------------------------------------------------------------


def resolved(prop: dict, defs: dict) -> dict:
    """The schema a property's value must match: refs followed, an optional field's null dropped."""
    if "$ref" in prop:
        return resolved(defs[prop["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in prop:
        (only,) = [o for o in prop["anyOf"] if o.get("type") != "null"]
        return resolved(only, defs)
    return prop


def posted(value: Any) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def check_field(found: Field, prop: dict, defs: dict, required: bool, name: str) -> None:
    where = f"{name}: {found.control}"
    assert found.name == name and found.id == name.replace(".", "-"), where
    assert found.required is required, where
    assert found.label.strip(), where
    own = prop.get("description")
    if own and own != MONEY_DESCRIPTION:
        assert found.hint == own, where
    check_value(found, resolved(prop, defs), defs, where)


def check_value(found: Field, schema: dict, defs: dict, where: str) -> None:
    kind = schema.get("type")
    if "enum" in schema:
        assert [c.value for c in found.choices] == [posted(v) for v in schema["enum"]], where
        assert found.control is (Control.RADIOS if len(schema["enum"]) <= MOST_RADIOS else Control.SELECT)
    elif kind == "boolean":
        assert found.control is Control.YES_NO and [c.value for c in found.choices] == ["yes", "no"], where
    elif kind == "string":
        assert found.control is string_control(schema), where
    elif kind in ("integer", "number"):
        assert found.control is (Control.INTEGER if kind == "integer" else Control.NUMBER), where
    elif kind == "array":
        check_list(found, schema, defs, where)
    elif kind == "object":
        assert found.control is Control.GROUP, where
        check_members(found, schema, defs)
    else:
        pytest.fail(f"{where}: a schema the test does not know: {schema}")


def string_control(schema: dict) -> Control:
    by_format = {"date": Control.DATE, "date-time": Control.DATETIME, "decimal": Control.MONEY}
    if schema.get("format") in by_format:
        return by_format[schema["format"]]
    long = "pattern" not in schema and schema.get("maxLength", 10**9) > 200
    return Control.TEXTAREA if long else Control.TEXT


def check_list(found: Field, schema: dict, defs: dict, where: str) -> None:
    items = resolved(schema["items"], defs)
    if TAXONOMY_MARK in schema:  # a list of codes: a box for each, given with the taxonomy (offering)
        assert found.control is Control.CHECKBOXES and found.taxonomy == schema[TAXONOMY_MARK], where
        assert found.choices == (), where
        return
    if "enum" in items:
        assert found.control is Control.CHECKBOXES, where
        assert [c.value for c in found.choices] == [posted(v) for v in items["enum"]], where
        return
    assert found.control is Control.REPEATED, where
    assert found.min_rows == schema.get("minItems", 0) and found.max_rows == schema.get("maxItems"), where
    row = found.row(3)
    assert row.name == f"{found.name}.3", where
    if items.get("type") == "object":
        assert row.control is Control.GROUP, where
        check_members(row, items, defs)
    elif items.get("type") == "string" and "maxLength" not in items:
        assert row.control is Control.TEXT, f"{where}: a list's text of no stated length is lines"
    else:
        check_value(row, items, defs, where)


def check_members(group: Field, schema: dict, defs: dict) -> None:
    properties = schema.get("properties")
    if properties:
        assert [f.key for f in group.fields] == list(properties), group.name
        required = set(schema.get("required", ()))
        for member, (key, prop) in zip(group.fields, properties.items(), strict=True):
            check_field(member, prop, defs, key in required, place(group, key))
        return
    # A mapping from fixed keys (a court order's dates): one optional field for each key.
    keys = resolved(schema["propertyNames"], defs)["enum"]
    assert [f.key for f in group.fields] == keys, group.name
    for member, key in zip(group.fields, keys, strict=True):
        check_field(member, schema["additionalProperties"], defs, False, place(group, key))


def place(group: Field, key: str) -> str:
    return f"{group.name}.{key}" if group.name else key


@pytest.mark.parametrize("model", MODEL_PARAMS)
def test_the_form_has_every_field_of_the_schema_with_its_control(model):
    schema = model.model_json_schema()
    form = form_for(model)
    root = Field("", "", model.__name__, "", True, Control.GROUP, fields=form.fields)
    check_members(root, schema, schema.get("$defs", {}))
    assert form.id.endswith("--form") and "." not in form.id


def test_controls_are_chosen_by_the_kind_of_answer():
    offer = {f.key: f for f in form_for(payload("claim", "make_offer")).fields}
    assert offer["amount"].control is Control.MONEY and offer["amount"].hint.startswith("In pounds")
    assert offer["sent_at"].control is Control.DATETIME and offer["sent_at"].label == "Sent at"
    assert offer["method"].control is Control.RADIOS and offer["method"].required
    assert offer["part_36"].control is Control.YES_NO and not offer["part_36"].required
    assert (
        offer["heads_of_loss"].control is Control.REPEATED and offer["heads_of_loss"].item.control == "text"
    )
    experts = form_for(payload("claim", "open_investigation")).fields[0]
    assert experts.control is Control.REPEATED and experts.min_rows == 1
    assert [f.name for f in experts.row(0).fields] == [
        "experts.0.discipline",
        "experts.0.issues",
        "experts.0.expert",
    ]
    assert experts.row(0).fields[1].control is Control.CHECKBOXES
    assert experts.row(0).label == "Expert instruction 1"
    opening_form = {f.key: f for f in form_for(SPECS["claim"].opening).fields}
    assert opening_form["scheme"].control is Control.SELECT  # ten schemes: too many for radios
    assert (
        opening_form["claimant_firm"].control is Control.GROUP and not opening_form["claimant_firm"].required
    )
    assert opening_form["allegations"].control is Control.TEXTAREA
    en = {f.key: f for f in form_for(SPECS["early_notification"].opening).fields}
    assert en["mnsi_reference"].label == "MNSI reference" and en["mnsi_reference"].control is Control.TEXT
    assert [(c.value, c.data) for c in en["hie_grade"].choices] == [("1", 1), ("2", 2), ("3", 3)]
    served = form_for(payload("litigation", "serve_particulars_of_claim")).fields[0]
    assert served.control is Control.DATETIME


def test_a_field_no_control_fits_is_refused_when_the_form_is_made():
    class Either(RequestBody):
        reference: str | int

    with pytest.raises(UnsupportedField, match="Either.reference"):
        form_for(Either)

    class Clashing(RequestBody):
        idempotency_key: str

    with pytest.raises(UnsupportedField, match="hidden field"):
        form_for(Clashing)


# --- rendering ----------------------------------------------------------------------------------


class Page(HTMLParser):
    """The parts of a rendered form a browser and a screen reader go by."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.controls: list[dict[str, Any]] = []
        self.labels: dict[str, str] = {}
        self.ids: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._fieldsets: list[dict[str, Any]] = []
        self._label: list[str] | None = None
        self._textarea: dict[str, Any] | None = None
        self._select: dict[str, Any] | None = None
        self._legend: dict[str, Any] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "form":
            self.forms.append(a)
        elif tag == "fieldset":
            self._fieldsets.append({"legend": None})
        elif tag == "legend":
            self._legend = self._fieldsets[-1]
            self._legend["legend"] = ""
        elif tag == "label":
            self._label = [a.get("for") or "", ""]
        elif tag in ("input", "select", "textarea"):
            legend = self._fieldsets[-1]["legend"] if self._fieldsets else None
            control = {"tag": tag, **a, "_legend": legend, "_text": "", "_options": []}
            self.controls.append(control)
            self._textarea = control if tag == "textarea" else None
            self._select = control if tag == "select" else self._select
        elif tag == "option":
            self._select["_options"].append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset":
            self._fieldsets.pop()
        elif tag == "legend":
            self._legend = None
        elif tag == "label" and self._label:
            self.labels[self._label[0]] = self._label[1].strip()
            self._label = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label[1] += data
        if self._legend is not None:
            self._legend["legend"] += data
        if self._textarea is not None:
            self._textarea["_text"] += data

    def named(self) -> list[dict[str, Any]]:
        return [
            c for c in self.controls if c.get("type") not in ("hidden", "submit") and c["tag"] != "button"
        ]

    def submitted(self) -> dict[str, list[str]]:
        """What a browser posts: every named control's value, checked ones only for radios and boxes."""
        fields: dict[str, list[str]] = {}
        for c in self.controls:
            kind = c.get("type", "text")
            if c["tag"] == "input" and kind in ("radio", "checkbox"):
                if "checked" not in c:
                    continue
                value = c.get("value", "on")
            elif c["tag"] == "textarea":
                value = c["_text"].removeprefix("\n")  # the HTML parser's rule: a first line break is markup
            elif c["tag"] == "select":
                chosen = [o for o in c["_options"] if "selected" in o] or c["_options"][:1]
                value = chosen[0].get("value", "")
            else:
                value = c.get("value", "")
            fields.setdefault(c["name"], []).append(value)
        return fields


ACTION_FORM = environment.get_template("forms.html").module.action_form


def render(form: Form, values: dict[str, list[str]], errors: dict[str, str] | None = None) -> Page:
    html = ACTION_FORM(form, "/claims/X/act", "Save", CSRF_FIELD, "csrf-123", "key-456", values, errors or {})
    return Page(str(html))


def leaves(fields, values) -> list[Field]:
    """The fields a rendered form asks, list rows included."""
    found = []
    for made in fields:
        if made.control is Control.GROUP:
            found += leaves(made.fields, values)
        elif made.control is Control.REPEATED:
            found += leaves(made.rows(values), values)
        else:
            found.append(made)
    return found


CODES = taxonomy_choices(read_taxonomy_file(SHIPPED_TAXONOMY_FILE))


def shown(model: type[BaseModel]) -> Form:
    """The form as a case page shows it: a taxonomy's fields offer its codes."""
    return offering(form_for(model), CODES)


def richest(model: type[BaseModel]) -> dict[str, Any]:
    """A valid body with as many fields given as any sample has."""
    return max(samples(model), key=lambda body: len(values_from_payload(form_for(model), body)))


@pytest.mark.parametrize("model", MODEL_PARAMS)
def test_every_control_is_labelled_and_every_name_is_the_forms_own(model):
    form = shown(model)
    for values in (initial_values(form), values_from_payload(form, richest(model))):
        page = render(form, values)
        assert len(page.ids) == len(set(page.ids)), "ids are unique"
        assert page.forms == [
            {"id": form.id, "method": "post", "action": "/claims/X/act", "novalidate": None}
        ]
        hidden = {c["name"]: c["value"] for c in page.controls if c.get("type") == "hidden"}
        assert hidden == {CSRF_FIELD: "csrf-123", IDEMPOTENCY_FIELD: "key-456"}
        for control in page.named():
            where = f"{control.get('name')} ({control['tag']} {control.get('type', '')})"
            assert page.labels.get(control["id"]), f"{where} has no label"
            if control.get("type") in ("radio", "checkbox"):
                assert control["_legend"], f"{where}: its group has no legend"
            for described in (control.get("aria-describedby") or "").split():
                assert described in page.ids, f"{where} is described by a missing {described}"
        asked = leaves(form.fields, values)
        assert {c["name"] for c in page.named()} == {f.name for f in asked}, "every field asked, nothing else"
        for made in asked:
            assert form.find(made.name.split("."))[-1] == made, "a name leads back to its field"
            check_marked(page, made)


def check_marked(page: Page, made: Field) -> None:
    """A required field is marked so (its control `required`); an optional one says "(optional)"."""
    controls = [c for c in page.named() if c["name"] == made.name]
    in_group = made.control in (Control.RADIOS, Control.YES_NO, Control.CHECKBOXES)
    words = controls[0]["_legend"] if in_group else page.labels[made.id]
    assert words.strip().endswith("(optional)") is not made.required, made.name
    if made.control is not Control.CHECKBOXES:  # a required box would mean that box must be ticked
        assert all(("required" in c) is made.required for c in controls), made.name


def test_a_list_shows_its_rows_and_two_blank_ones():
    experts = form_for(payload("claim", "open_investigation")).fields[0]
    assert [r.name for r in experts.rows({})] == ["experts.0", "experts.1"]
    assert experts.rows({})[0].required and not experts.rows({})[1].required  # at least one expert
    given = {
        "experts.0.discipline": ["care"],
        "experts.4.discipline": ["neurology"],
        "experts.5.expert": [""],
    }
    assert [r.name for r in experts.rows(given)] == ["experts.0", "experts.4", "experts.5", "experts.6"]
    narrowed = {
        f.key: f for f in form_for(payload("early_neutral_evaluation", "record_issues_narrowed")).fields
    }
    full = {f"issues_agreed.{i}": ["agreed"] for i in range(49)}
    assert len(narrowed["issues_agreed"].rows(full)) == 50, "no more rows than the list may hold"
    assert BLANK_ROWS == 2


def test_errors_show_on_their_fields():
    form = form_for(payload("claim", "make_offer"))
    errors = {"amount": "Amount: enter an amount", "by": "By: choose one", form.id: "something else"}
    page = render(form, {}, errors)
    amount = next(c for c in page.named() if c["name"] == "amount")
    assert (
        amount["aria-describedby"] == "amount--hint amount--error" and "nhsuk-input--error" in amount["class"]
    )
    assert {"amount--error", "by--error", f"{form.id}--error"} <= set(page.ids)
    html = str(ACTION_FORM(form, "/x", "Save", CSRF_FIELD, "t", "k", {}, errors))
    assert html.count("nhsuk-form-group--error") == 3 and "nhsuk-input-wrapper__prefix" in html


def test_what_is_typed_is_escaped():
    typed = '</textarea><script>alert(1)</script> & "quoted"'
    for kind, action, name in (("claim", "add_note", "text"), ("claim", "reassign", "handler")):
        html = str(
            ACTION_FORM(
                form_for(payload(kind, action)), "/x", "Save", CSRF_FIELD, "t", "k", {name: [typed]}, {}
            )
        )
        assert "<script>" not in html
        assert Page(html).submitted()[name] == [typed]


# --- round trips ----------------------------------------------------------------------------------


# Bodies written by hand (tests/claim_paths.py, the openings the access matrix sends, and a few
# others with lists, mappings and times), beside those generated from each schema.
HAND_WRITTEN: dict[str, list[dict[str, Any]]] = {
    "claim.open": [opening(), opening(claimant_firm=None, date_of_knowledge=None)],
    "resolution_summit.open": [summit_opening()],
    "early_notification.open": [notification() | {"hie_grade": 2, "injury_diagnosed_on": "2024-02-03"}],
    "advice.open": [referral()],
    "contract_dispute.open": [contract_referral()],
    "significant_concern.open": [
        concern_raised(),
        concern_raised() | {"source": {"kind": "claim", "ref": "CLM-A"}},
    ],
    "litigation.record_court_order": [
        {
            "made_on": "2026-09-11",
            "dates": {"experts_joint_statement_due": "2026-09-30", "pre_trial_review": "2026-10-20"},
            "description": "experts' timetable varied by consent\nsecond line",
        }
    ],
    "litigation.serve_particulars_of_claim": [
        {"sent_at": "2025-09-05T17:00:00+01:00", "method": "email"},
        {"sent_at": "2025-12-05T16:31:00Z", "method": "first_class_post"},
    ],
    "intervention.agree_action_plan": [
        {
            "agreed_on": "2026-01-05",
            "objectives": [
                {"code": "OBJ-1", "follow_up_on": "2026-02-05"},
                {"code": "OBJ-2", "follow_up_on": "2026-03-05"},
                {"code": "OBJ-3", "follow_up_on": "2026-04-05"},
            ],
        }
    ],
}


def uses(model: type[BaseModel]) -> list[str]:
    """Where the API takes `model`: "kind.action", or "kind.open" for an opening."""
    return [
        where
        for kind, spec in SPECS.items()
        for where, payload_type in _payloads(kind, spec)
        if payload_type is model
    ]


def _payloads(kind, spec):
    yield f"{kind}.open", spec.opening
    for action, step in spec.workflow.pathway.steps.items():
        yield f"{kind}.{action}", step.payload


def samples(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Valid bodies for `model`: the hand-written ones for its uses, and every variant its schema yields."""
    written = [body for use in uses(model) for body in HAND_WRITTEN.get(use, [])]
    written += [SAMPLES[use[len("claim.") :]] for use in uses(model) if use.removeprefix("claim.") in SAMPLES]
    found: dict[str, dict[str, Any]] = {}
    for body in [*written, *bodies(model.model_json_schema())]:
        try:
            model.model_validate(body)
        except ValidationError:
            assert body not in written, f"a hand-written body for {model.__name__} is invalid: {body}"
            continue
        found.setdefault(json.dumps(body, sort_keys=True), body)
    assert found, f"no valid body for {model.__name__}"
    return list(found.values())


@pytest.mark.parametrize("model", MODEL_PARAMS)
def test_a_body_comes_back_from_its_form_as_the_same_request(model):
    form = form_for(model)
    for body in samples(model):
        values = values_from_payload(form, body)
        assert all(isinstance(v, list) and all(isinstance(s, str) for s in v) for v in values.values())
        back = parse_form(form, values)
        assert model.model_validate(back) == model.model_validate(body), (body, values, back)


@pytest.mark.parametrize("model", MODEL_PARAMS)
def test_a_body_comes_back_through_the_rendered_form(model):
    """Rendered with a body's values and posted as a browser posts it, a form asks the same request."""
    form = shown(model)
    body = richest(model)
    posted = render(form, values_from_payload(form, body)).submitted()
    assert posted.pop(CSRF_FIELD) == ["csrf-123"] and posted.pop(IDEMPOTENCY_FIELD) == ["key-456"]
    assert model.model_validate(parse_form(form, posted)) == model.model_validate(
        in_box_order(form.fields, body)
    )


def in_box_order(fields: Iterable[Field], body: Mapping[str, Any]) -> dict[str, Any]:
    """A body as a browser sends it back: the boxes a list ticks come in the order they stand."""
    back = dict(body)
    for made in fields:
        value = back.get(made.key)
        if made.control is Control.CHECKBOXES and isinstance(value, list):
            order = [c.data for c in made.choices]
            back[made.key] = sorted(value, key=order.index)
        elif made.control is Control.GROUP and isinstance(value, Mapping):
            back[made.key] = in_box_order(made.fields, value)
        elif (
            made.control is Control.REPEATED
            and made.item.control is Control.GROUP
            and isinstance(value, list)
        ):
            back[made.key] = [in_box_order(made.item.fields, row) for row in value]
    return back


@pytest.mark.parametrize("model", MODEL_PARAMS)
def test_a_new_form_starts_from_the_models_defaults(model):
    form = form_for(model)
    defaulted = {
        key
        for key, info in model.model_fields.items()
        if not info.is_required() and info.get_default(call_default_factory=True) not in (None, "", [])
    }
    assert defaulted <= set(parse_form(form, initial_values(form))), "every default is shown"
    # ...as the model's own: a body's values over them ask what the body alone asks.
    body = valid_body(model)
    filled = initial_values(form) | values_from_payload(form, body)
    assert model.model_validate(parse_form(form, filled)) == model.model_validate(body)


def test_a_post_becomes_a_body_as_typed():
    form = form_for(payload("claim", "make_offer"))
    body = parse_form(
        form,
        {
            "by": ["claimant"],
            "amount": ["1,250"],  # not Money's form: kept, so the API's refusal names it
            "heads_of_loss.0": ["pain"],
            "heads_of_loss.1": [" "],
            "heads_of_loss.2": ["care"],
            "part_36": ["yes"],
            "sent_at": ["2026-08-10T10:00"],  # London's wall clock, in BST then
            "method": ["email"],
            "responds_to": ["two"],
            "relevant_period_days": [" 28 "],
            "unknown": ["ignored"],
            IDEMPOTENCY_FIELD: ["key"],
        },
    )
    assert body == {
        "by": "claimant",
        "amount": "1,250",
        "heads_of_loss": ["pain", "care"],
        "part_36": True,
        "sent_at": "2026-08-10T10:00:00+01:00",
        "method": "email",
        "responds_to": "two",
        "relevant_period_days": 28,
    }
    assert parse_form(form, {"by": [""], "part_36": ["no"], "heads_of_loss.0": [""]}) == {"part_36": False}


def test_blank_rows_and_optional_groups_are_left_out():
    form = form_for(SPECS["claim"].opening)
    body = parse_form(
        form, {"claimant_firm.firm_id": [""], "claimant_firm.name": [""], "claimant.name": ["A"]}
    )
    assert body == {"claimant": {"name": "A"}}
    experts = form_for(payload("claim", "open_investigation"))
    posted = {
        "experts.0.discipline": [""],
        "experts.0.expert": [""],
        "experts.1.discipline": ["care"],
        "experts.1.issues": ["quantum", "breach"],
        "experts.2.discipline": [""],
    }
    assert parse_form(experts, posted) == {
        "experts": [{"discipline": "care", "issues": ["quantum", "breach"]}]
    }


def test_a_court_orders_dates_are_the_ones_given():
    form = form_for(payload("litigation", "record_court_order"))
    body = parse_form(
        form, {"dates.trial": ["2027-05-04"], "dates.defence_due": [""], "made_on": ["2026-09-11"]}
    )
    assert body == {"dates": {"trial": "2027-05-04"}, "made_on": "2026-09-11"}


def test_a_time_is_london_wall_clock_time():
    form = form_for(payload("litigation", "serve_particulars_of_claim"))
    summer = parse_form(form, {"sent_at": ["2026-07-01T16:29"]})["sent_at"]
    winter = parse_form(form, {"sent_at": ["2026-01-01T16:29"]})["sent_at"]
    assert (summer, winter) == ("2026-07-01T16:29:00+01:00", "2026-01-01T16:29:00+00:00")
    assert values_from_payload(form, {"sent_at": "2026-07-01T15:29:00Z"}) == {"sent_at": ["2026-07-01T16:29"]}
    assert parse_form(form, {"sent_at": ["yesterday"]}) == {"sent_at": "yesterday"}  # for the API to refuse


# --- errors on their fields ---------------------------------------------------------------------


def api_details(model: type[BaseModel], body: dict[str, Any]) -> list[dict[str, Any]]:
    """The `details` of the API's refusal (api.errors.invalid) of a JSON body: under "body"."""
    with pytest.raises(ValidationError) as refused:
        model.model_validate(body)
    return invalid([{**e, "loc": ("body", *e["loc"])} for e in refused.value.errors()]).details


def test_a_refusal_names_the_fields_it_is_about():
    offer = form_for(payload("claim", "make_offer"))
    body = parse_form(offer, {"by": ["nobody"], "amount": ["12.345"], "responds_to": ["two"]})
    errors = field_errors(offer, api_details(offer.model, body))
    assert list(errors) == ["by", "amount", "sent_at", "method", "responds_to"]
    assert errors["sent_at"] == "Sent at: enter a date and time"
    assert errors["amount"] == "Amount: decimal input should have no more than 2 decimal places"

    experts = form_for(payload("claim", "open_investigation"))
    body = {"experts": [{"discipline": "care", "issues": ["quantum"]}, {"issues": ["breach", "blame"]}]}
    errors = field_errors(experts, api_details(experts.model, body))
    assert set(errors) == {"experts-1-discipline", "experts-1-issues"}
    assert errors["experts-1-discipline"] == "Expert instruction 2, Discipline: fill this in"

    claim = form_for(SPECS["claim"].opening)
    errors = field_errors(
        claim, api_details(claim.model, opening(claimant={"name": "A", "date_of_birth": "x"}))
    )
    assert list(errors) == ["claimant-date_of_birth"]
    errors = field_errors(
        claim, api_details(claim.model, opening(defendant={"kind": "trust", "code": "?", "name": "T"}))
    )
    assert errors == {"defendant-code": "Defendant, Code: not in the expected format"}

    order = form_for(payload("litigation", "record_court_order"))
    body = {"made_on": "2026-09-11", "dates": {"not_a_date": "2026-09-30"}, "description": "x"}
    assert list(field_errors(order, api_details(order.model, body))) == ["dates"]


def test_a_refusal_about_no_field_is_the_forms():
    letter = form_for(payload("claim", "send_letter_of_response"))
    details = api_details(letter.model, {"sent_on": "2026-07-15", "liability": "denied"})
    assert details[0]["type"] == "rule_broken" and details[0]["loc"] == ["body"]  # the API's 409
    assert field_errors(letter, details) == {letter.id: "a denial must name the expert disciplines relied on"}
    refusal = {"code": "action_not_allowed", "message": "not at this stage", "allowed_actions": []}
    assert field_errors(letter, refusal) == {letter.id: "not at this stage"}
    assert field_errors(letter, [{"loc": ["body", "nowhere"], "type": "x", "msg": "odd"}]) == {
        letter.id: "odd"
    }
    assert field_errors(letter, None) == {}


def test_no_payload_field_takes_a_hidden_fields_name():
    for model in MODELS:
        assert not {CSRF_FIELD, IDEMPOTENCY_FIELD} & {f.key for f in form_for(model).fields}, model


def test_an_optional_group_left_at_its_defaults_asks_nothing():
    """A claim opened without a death: the death's unticked Fatal Accidents box asks no death."""
    form = form_for(ClaimOpening)
    assert "death" not in parse_form(form, initial_values(form) | values_from_payload(form, opening()))
    death = {"died_on": "2025-09-15", "fatal_accidents_claim": False}
    body = parse_form(form, initial_values(form) | values_from_payload(form, opening(death=death)))
    assert body["death"] == death
