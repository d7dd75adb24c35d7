"""An action's form, generated from its payload model: the console never writes a form by hand, so
a form can ask for nothing the API does not take and miss nothing it needs.

`form_for` reads the model's JSON schema (the same one the API documents) into a tree of fields;
templates/forms.html renders it with the NHS.UK frontend. A post comes back through `parse_form`
as a JSON-ready body that the API validates with the same model: nothing here second-guesses it,
so a typing slip comes back as the API's own 422 and `field_errors` pins it on its field.

Names are the body's own places, dotted: `claimant.name`, `experts.0.discipline` (list rows are
numbered, since the console works without JavaScript: a form shows the rows it has plus blank
ones). After a refusal, re-fill the form with `values_from_payload(form, parse_form(...))`: blank
rows are dropped on the way, so the rows are numbered as the errors' places number them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, TypeAdapter

from models.coding import TAXONOMY_MARK
from models.common import RULE_BROKEN, Money
from workflows.clock import BST, GMT, london_time

IDEMPOTENCY_FIELD = "idempotency_key"  # the hidden field each form carries (templates/forms.html)
BLANK_ROWS = 2  # blank rows after a list's given ones: room to add without JavaScript
MOST_RADIOS = 6  # more choices than this are a select
LONGEST_LINE = 200  # longer text (or text of any length) gets a textarea
MONEY_HINT = "In pounds and pence, for example 1250.00"
# The Money type's own description, written for API clients ("a decimal string"): MONEY_HINT instead.
MONEY_DESCRIPTION = TypeAdapter(Money).json_schema().get("description")
ACRONYMS = frozenset({"gp", "hie", "id", "mnsi", "mri", "nhs", "ods", "psr"})


class Control(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    DATETIME = "datetime"
    INTEGER = "integer"
    NUMBER = "number"
    MONEY = "money"
    RADIOS = "radios"
    SELECT = "select"
    YES_NO = "yes_no"
    CHECKBOXES = "checkboxes"  # a list of choices
    GROUP = "group"  # an object: a fieldset of its fields
    REPEATED = "repeated"  # a list of anything else: numbered rows


class UnsupportedField(ValueError):
    """A payload field whose schema no control fits: teach `form_for` before the form ships."""


@dataclass(frozen=True)
class Choice:
    value: str  # as posted
    text: str
    data: Any  # as the body carries it (an int for an integer enum)


@dataclass(frozen=True)
class Field:
    key: str  # its name in its parent: a property, a mapping's key, or a row's number
    name: str  # its place in the body, dotted
    label: str
    hint: str
    required: bool  # within its parent: a blank row or an absent optional group asks nothing
    control: Control
    choices: tuple[Choice, ...] = ()
    fields: tuple[Field, ...] = ()  # a group's
    item: Field | None = None  # a repeated field's row, unplaced: `row(i)` places it
    min_rows: int = 0
    max_rows: int | None = None
    max_length: int | None = None
    default: Any = None
    scope: str = ""  # the form's own id prefix: a page showing several forms keeps ids unique
    # Codes of the clinical coding taxonomy this field takes (models/coding.py TAXONOMY_MARK):
    # offered as a choice once the page knows its taxonomy (`offering`).
    taxonomy: str | None = None

    @property
    def id(self) -> str:
        # Names never hold "-", so ids are unique, and "--hint", "--error" and "--2" never clash.
        return self.scope + self.name.replace(".", "-")

    def row(self, index: int) -> Field:
        """Row `index` of a repeated field, named in place (`experts.1.discipline`)."""
        assert self.item is not None, f"{self.name} is not repeated"
        label = f"{self.item.label} {index + 1}"
        return _placed(replace(self.item, label=label, required=index < self.min_rows), self.name, index)

    def rows(self, values: Mapping[str, list[str]]) -> list[Field]:
        """The rows a form shows: those with values, then blank ones, at least the fewest allowed."""
        given = _row_numbers(self.name, values, filled=True)
        after = (given[-1] + 1) if given else 0
        room = BLANK_ROWS if self.max_rows is None else max(0, self.max_rows - len(given))
        blank = list(range(after, after + max(min(BLANK_ROWS, room), self.min_rows - len(given))))
        return [self.row(i) for i in [*given, *blank]]


@dataclass(frozen=True)
class Form:
    id: str  # the form element's: where an error that names no field is shown
    fields: tuple[Field, ...]
    model: type[BaseModel] = field(compare=False)  # what the API validates a parsed post with

    def find(self, place: Iterable[Any]) -> list[Field]:
        """The fields down to the deepest one `place` (a loc, or a dotted name's parts) names."""
        chain: list[Field] = []
        children = self.fields
        for part in map(str, place):
            here = chain[-1] if chain else None
            if here is not None and here.control is Control.REPEATED:
                if not _is_index(part):
                    break
                found = here.row(int(part))
            else:
                found = next((f for f in children if f.key == part), None)
                if found is None:
                    break
            chain.append(found)
            children = found.fields
        return chain


def offering(form: Form, choices: Mapping[str, Sequence[Choice]]) -> Form:
    """The form with each taxonomy field a choice among the codes `choices` gives for its kind
    (a list of them, a box for each); parsing is unchanged, since a choice posts its code."""

    def offered(made: Field) -> Field:
        if made.taxonomy in choices:
            given = tuple(choices[made.taxonomy])
            if made.control is Control.CHECKBOXES:
                return replace(made, choices=given)
            # A single choice (the taxonomy's version) is already chosen.
            default = given[0].data if len(given) == 1 and made.required else made.default
            return replace(made, control=Control.SELECT, choices=given, default=default)
        return replace(made, fields=tuple(offered(f) for f in made.fields))

    return replace(form, fields=tuple(offered(f) for f in form.fields))


# --- the form from the schema -----------------------------------------------------------------


def form_for(model: type[BaseModel], scope: str = "") -> Form:
    """The model's form. `scope` prefixes every id (`open_investigation--`), for a page that
    shows several forms: names stay the body's, ids are the page's."""
    schema = model.model_json_schema()
    fields = _scoped(_fields(schema, schema.get("$defs", {}), prefix="", where=model.__name__), scope)
    reserved = [f.key for f in fields if f.key == IDEMPOTENCY_FIELD]
    if reserved:
        raise UnsupportedField(f"{model.__name__}.{reserved[0]}: the form's own hidden field is named so")
    return Form(id=f"{scope}{_kebab(model.__name__)}--form", fields=fields, model=model)


def _scoped(fields: tuple[Field, ...], scope: str) -> tuple[Field, ...]:
    if not scope:
        return fields
    return tuple(
        replace(f, scope=scope, fields=_scoped(f.fields, scope), item=f.item and _scoped((f.item,), scope)[0])
        for f in fields
    )


def _fields(schema: dict, defs: dict, prefix: str, where: str) -> tuple[Field, ...]:
    required = set(schema.get("required", ()))
    return tuple(
        _field(key, prop, defs, f"{prefix}{key}", key in required, f"{where}.{key}")
        for key, prop in schema.get("properties", {}).items()
    )


def _field(key: str, prop: dict, defs: dict, name: str, required: bool, where: str) -> Field:
    if not re.fullmatch(r"[A-Za-z0-9_]+", key):
        raise UnsupportedField(f"{where}: a name a form's names and ids cannot carry")  # see Field.id
    body, is_object = _resolved(prop, defs, where)
    label = _label(key, prop.get("title"))
    # The property's own words; an object's class says what it is when the property does not.
    hint = prop.get("description") or (body.get("description", "") if is_object else "")
    if body.get("format") == "decimal" and hint in ("", MONEY_DESCRIPTION):
        hint = MONEY_HINT
    made = _controlled(
        Field(key, name, label, hint, required, Control.TEXT, default=prop.get("default")), body, defs, where
    )
    if (taxonomy := prop.get(TAXONOMY_MARK)) and made.control is Control.REPEATED:
        # A list of codes is a box to tick for each (several chosen in one go, without
        # JavaScript); `offering` gives the boxes, the codes of the taxonomy the app runs with.
        made = replace(made, control=Control.CHECKBOXES, item=None)
    return replace(made, taxonomy=taxonomy)


def _controlled(made: Field, body: dict, defs: dict, where: str) -> Field:
    """`made` with the control its schema calls for."""
    kind = body.get("type")
    if "enum" in body or "const" in body:
        choices = _choices(body.get("enum", [body.get("const")]))
        control = Control.RADIOS if len(choices) <= MOST_RADIOS else Control.SELECT
        return replace(made, control=control, choices=choices)
    if kind == "boolean":
        return replace(made, control=Control.YES_NO, choices=_choices([True, False]))
    if kind == "object":
        return replace(made, control=Control.GROUP, fields=_members(made, body, defs, where))
    if kind == "array":
        return _list(made, body, defs, where)
    if kind in ("integer", "number"):
        return replace(made, control=Control.INTEGER if kind == "integer" else Control.NUMBER)
    if kind == "string":
        return replace(made, control=_string_control(body), max_length=body.get("maxLength"))
    raise UnsupportedField(f"{where}: no control for {body!r}")


def _string_control(body: dict) -> Control:
    formats = {"date": Control.DATE, "date-time": Control.DATETIME, "decimal": Control.MONEY}
    if body.get("format") in formats:
        return formats[body["format"]]
    longest = body.get("maxLength")
    # A pattern marks a code or a reference: one line whatever its length.
    if "pattern" not in body and (longest is None or longest > LONGEST_LINE):
        return Control.TEXTAREA
    return Control.TEXT


def _members(made: Field, body: dict, defs: dict, where: str) -> tuple[Field, ...]:
    """An object's fields: its properties, or for a mapping from choices (a court order's dates)
    one optional field for each key it may have."""
    if body.get("properties"):
        return _fields(body, defs, f"{made.name}." if made.name else "", where)
    keys, _ = _resolved(body.get("propertyNames", {}), defs, where)
    value = body.get("additionalProperties")
    if "enum" not in keys or not isinstance(value, dict):
        raise UnsupportedField(f"{where}: an object with no properties and no fixed keys")
    return tuple(
        _field(str(k), value, defs, f"{made.name}.{k}" if made.name else str(k), False, f"{where}.{k}")
        for k in keys["enum"]
    )


def _list(made: Field, body: dict, defs: dict, where: str) -> Field:
    items, _ = _resolved(body.get("items", {}), defs, f"{where}[]")
    if "enum" in items:
        return replace(made, control=Control.CHECKBOXES, choices=_choices(items["enum"]))
    if items.get("type") == "array":
        raise UnsupportedField(f"{where}: a list of lists")
    noun = _words(items["title"]) if items.get("type") == "object" and "title" in items else made.label
    row = _controlled(Field("", "", noun, "", True, Control.TEXT), items, defs, f"{where}[]")
    if row.control is Control.TEXTAREA and row.max_length is None:
        row = replace(row, control=Control.TEXT)  # a list's text of no stated length is a list of lines
    rows = {"min_rows": body.get("minItems", 0), "max_rows": body.get("maxItems")}
    return replace(made, control=Control.REPEATED, item=row, **rows)


def _resolved(prop: dict, defs: dict, where: str) -> tuple[dict, bool]:
    """A property's schema with `$ref`s followed and an optional field's null taken out, and whether
    it is an object's (its class's description then describes it)."""
    if "$ref" in prop:
        target = defs[prop["$ref"].rsplit("/", 1)[-1]]
        inner, _ = _resolved(target, defs, where)
        return inner | {k: v for k, v in prop.items() if k not in ("$ref", "title")}, "properties" in target
    for combinator in ("anyOf", "allOf"):
        if combinator in prop:
            options = [o for o in prop[combinator] if o.get("type") != "null"]
            if len(options) != 1:
                raise UnsupportedField(f"{where}: a choice of {len(options)} types")
            inner, is_object = _resolved(options[0], defs, where)
            outer = {k: v for k, v in prop.items() if k != combinator and k != "title"}
            return inner | outer, is_object
    if "oneOf" in prop:
        raise UnsupportedField(f"{where}: a union of types")
    return prop, prop.get("type") == "object"


def _choices(values: list[Any]) -> tuple[Choice, ...]:
    return tuple(Choice(_posted(v), _choice_text(v), v) for v in values)


def _posted(value: Any) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _choice_text(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return _words(str(value))


def _label(key: str, title: str | None) -> str:
    # Pydantic titles every field from its name ("Made On"); one given by hand is kept as written.
    if title and title != key.replace("_", " ").title():
        return title
    return _words(key)


def _words(name: str) -> str:
    """`mnsi_reference` as "MNSI reference", `ExpertInstruction` as "Expert instruction"."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ").split()
    text = " ".join(_word(w) for w in spaced)
    return text[:1].upper() + text[1:]


def _word(word: str) -> str:
    if word.lower() in ACRONYMS:
        return word.upper()
    # Codes keep their capitals (CNST, GPhC); ordinary words are lower case within a label.
    return word if word[1:] != word[1:].lower() or word.isupper() else word.lower()


def _kebab(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).lower()


def _placed(made: Field, parent: str, key: Any) -> Field:
    """`made` (and everything under it) named as `parent`'s member `key`."""
    name = f"{parent}.{key}" if parent else str(key)
    fields = tuple(_placed(f, name, f.key) for f in made.fields)
    return replace(made, key=str(key), name=name, fields=fields)


# --- a post back into a body -----------------------------------------------------------------


_BLANK = object()  # nothing given: the key is left out, so the model's default or its "required" applies


def parse_form(form: Form, fields: Mapping[str, list[str]]) -> dict[str, Any]:
    """The JSON body a post asks for (fields as `urllib.parse.parse_qs` gives them). Text stays as
    typed: the API's model is the one judge of it, so its refusal names the field."""
    return _object(form.fields, fields)


def _object(members: Iterable[Field], posted: Mapping[str, list[str]]) -> dict[str, Any]:
    body = {}
    for member in members:
        value = _parsed(member, posted)
        if value is not _BLANK:
            body[member.key] = value
    return body


def _parsed(made: Field, posted: Mapping[str, list[str]]) -> Any:
    if made.control is Control.GROUP:
        body = _object(made.fields, posted)
        # A group absent by default and showing no more than its defaults (an unticked box) was
        # left alone: it asks nothing.
        if not made.required and made.default is None and body == _defaults(made.fields):
            return _BLANK
        return body or _BLANK
    if made.control is Control.REPEATED:
        rows = [_parsed(made.row(i), posted) for i in _row_numbers(made.name, posted, filled=False)]
        return [r for r in rows if r is not _BLANK] or _BLANK
    if made.control is Control.CHECKBOXES:
        return [_choice(made, v) for v in posted.get(made.name, ()) if v.strip()] or _BLANK
    text = next(iter(posted.get(made.name, ())), "")
    if not text.strip():
        return _BLANK
    if made.choices:
        return _choice(made, text)
    if made.control is Control.INTEGER:
        return int(text) if re.fullmatch(r"\s*[-+]?[0-9]+\s*", text) else text
    if made.control is Control.NUMBER:
        return _number(text)
    if made.control is Control.DATETIME:
        return _london_instant(text)
    return text


def _choice(made: Field, posted: str) -> Any:
    return next((c.data for c in made.choices if c.value == posted), posted)


def _number(text: str) -> Any:
    if re.fullmatch(r"\s*[-+]?[0-9]+\s*", text):
        return int(text)
    if re.fullmatch(r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*", text):
        return float(text)
    return text


def _london_instant(text: str) -> str:
    """A datetime-local input's London wall-clock time as an instant (the API refuses a time with no
    zone, and a handler in London means London time). Anything else stays as typed."""
    try:
        wall = datetime.fromisoformat(text.strip())
    except ValueError:
        return text
    if wall.tzinfo is not None:
        return text
    for zone in (BST, GMT):  # BST first: the hour October repeats is read as its first, in BST
        instant = wall.replace(tzinfo=zone)
        if london_time(instant).replace(tzinfo=None) == wall:
            return instant.isoformat()
    return wall.replace(tzinfo=GMT).isoformat()  # the hour March skips: read as GMT


def _row_numbers(name: str, values: Mapping[str, Any], filled: bool) -> list[int]:
    """The row numbers posted (or, `filled`, given a value) under a repeated field, in order."""
    prefix = f"{name}."
    found = set()
    for key, given in values.items():
        if key.startswith(prefix) and (not filled or any(str(v).strip() for v in given)):
            number = key[len(prefix) :].split(".", 1)[0]
            if _is_index(number):
                found.add(int(number))
    return sorted(found)


def _is_index(part: str) -> bool:
    # Only a row's own spelling: "01" or "١" would name a row no input has.
    return part.isascii() and part.isdigit() and str(int(part)) == part


# --- a body back into a form ------------------------------------------------------------------


def values_from_payload(form: Form, payload: Mapping[str, Any]) -> dict[str, list[str]]:
    """The form's fields filled from a body: `parse_form`'s inverse."""
    values: dict[str, list[str]] = {}
    for member in form.fields:
        if member.key in payload:
            _fill(member, payload[member.key], values)
    return values


def initial_values(form: Form) -> dict[str, list[str]]:
    """A new form's values: what the model takes when a field is left out, shown rather than hidden."""
    return values_from_payload(form, _defaults(form.fields))


def _defaults(members: Iterable[Field]) -> dict[str, Any]:
    found = {}
    for member in members:
        if member.default not in (None, "", [], {}):
            found[member.key] = member.default
        elif member.control is Control.GROUP and (inner := _defaults(member.fields)):
            found[member.key] = inner
    return found


def _fill(made: Field, value: Any, values: dict[str, list[str]]) -> None:
    if value is None:
        return
    if made.control is Control.GROUP and isinstance(value, Mapping):
        for member in made.fields:
            if member.key in value:
                _fill(member, value[member.key], values)
    elif made.control is Control.REPEATED and isinstance(value, list):
        for index, item in enumerate(value):
            _fill(made.row(index), item, values)
    elif made.control is Control.CHECKBOXES and isinstance(value, list):
        values[made.name] = [_posted(v) for v in value]
    elif made.control is Control.DATETIME:
        values[made.name] = [_london_wall(value)]
    else:
        values[made.name] = [_posted(value)]


def _london_wall(value: Any) -> str:
    """An instant as a datetime-local input shows it: London wall-clock time, no zone."""
    try:
        instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if instant.tzinfo is None:
        return instant.isoformat()
    wall = london_time(instant).replace(tzinfo=None)
    return wall.isoformat(timespec="minutes" if not (wall.second or wall.microsecond) else "auto")


# --- the API's refusal, field by field ---------------------------------------------------------


ASKS = {  # what a missing answer asks for, by control
    Control.DATE: "enter a date",
    Control.DATETIME: "enter a date and time",
    Control.MONEY: "enter an amount",
    Control.INTEGER: "enter a whole number",
    Control.NUMBER: "enter a number",
    Control.RADIOS: "choose one",
    Control.SELECT: "choose one",
    Control.YES_NO: "answer yes or no",
    Control.CHECKBOXES: "choose at least one",
    Control.REPEATED: "add at least one",
}


def field_errors(form: Form, details: Any) -> dict[str, str]:
    """Each problem under the id of the field it is about, first problem first: the API's 422
    `details` (pydantic's errors, `loc` from "body") or a 409 rule refusal's, which name their
    field when a rule is about one. A problem about no field, and a case's refusal (its details
    name none), go under the form's own id."""
    if isinstance(details, Mapping):
        return {form.id: str(details["message"])} if details.get("message") else {}
    problems: dict[str, str] = {}
    for error in details or ():
        place = list(error.get("loc") or ())
        chain = form.find(place[1:] if place[:1] == ["body"] else place)
        where = chain[-1].id if chain else form.id
        problems.setdefault(where, _message(chain, error))
    return problems


def _message(chain: list[Field], error: Mapping[str, Any]) -> str:
    kind, said = error.get("type"), str(error.get("msg", ""))
    said = said.removeprefix("Value error, ")
    if not chain:
        return said
    about = chain[-1]
    if kind == "missing":
        said = ASKS.get(about.control, "fill this in")
    elif kind == "string_pattern_mismatch":  # the pattern itself means nothing to a reader
        said = "not in the expected format"
    elif kind != RULE_BROKEN:
        said = said[:1].lower() + said[1:]
    # A row's label names its list ("Expert instruction 2"): the list's own label would say it twice.
    named = [f for f, below in zip(chain, [*chain[1:], None], strict=True) if not (below and f.item)]
    return f"{', '.join(f.label for f in named)}: {said}"
