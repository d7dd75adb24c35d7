"""Clinical coding: the taxonomy's tree rules (models/coding.py), its strict file (fairway/
clinical_coding.py), a claim's coding refused for each reason, and a new version that maps the
old one's codes so an old coding still reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from fairway.clinical_coding import TaxonomyFileError, current_taxonomy, read_taxonomy_file
from fairway.settings import SHIPPED_TAXONOMY_FILE, Settings
from models.coding import Code, CodeKind, Coding, Taxonomy, coding_refusal, successor_problems, translate

NEXT_VERSION = Path(__file__).parent / "taxonomies" / "clinical-coding-2026.2.json"
SHIPPED = read_taxonomy_file(SHIPPED_TAXONOMY_FILE)


def code(code: str, kind: str = "theme", parent: str | None = None, **more) -> dict:
    return {"code": code, "kind": kind, "label": code.title(), "parent": parent, **more}


def taxonomy(*codes: dict, version: str = "1", mapping: dict | None = None) -> Taxonomy:
    return Taxonomy.model_validate({"version": version, "codes": list(codes), "mapping": mapping})


def coding(**changes) -> Coding:
    given = {
        "taxonomy_version": SHIPPED.version,
        "specialty": "specialty.obstetrics",
        "primary_cause": "cause.fetal_monitoring",
        "injuries": ["injury.hypoxic_brain_injury"],
        "themes": ["theme.ctg_misinterpreted", "theme.delay_in_escalation"],
    }
    return Coding.model_validate(given | changes)


# --- the tree ------------------------------------------------------------------------------


def test_the_shipped_taxonomy_is_a_tree_of_every_kind_with_two_level_themes():
    assert {c.kind for c in SHIPPED.codes} == set(CodeKind)
    assert [c.label for c in SHIPPED.path("theme.delay_in_escalation")] == [
        "Monitoring and escalation",
        "Delay in escalation",
    ]
    assert SHIPPED.group("cause.delay_in_diagnosis").code == "cause.diagnosis"
    themes = SHIPPED.of_kind(CodeKind.THEME)
    assert all(len(SHIPPED.path(t.code)) <= 2 for t in themes)
    assert {"specialty.obstetrics", "specialty.emergency_medicine", "specialty.radiology"} <= set(
        SHIPPED.by_code
    )


def test_the_setting_names_the_shipped_file_unless_the_operator_gives_one(tmp_path):
    assert Settings().clinical_coding_file == SHIPPED_TAXONOMY_FILE
    assert Settings(clinical_coding_file="").clinical_coding_file == SHIPPED_TAXONOMY_FILE
    assert current_taxonomy(Settings(clinical_coding_file=NEXT_VERSION)).version == "2026.2"


@pytest.mark.parametrize(
    ("codes", "says"),
    [
        ([code("a"), code("a")], "code 'a' is listed twice"),
        ([code("a", parent="b")], "code 'a': its parent 'b' is not in the taxonomy"),
        ([code("a", "cause"), code("b", parent="a")], "code 'b': a theme under 'a', which is a cause"),
        ([code("a", retired=True), code("b", parent="a")], "code 'b': in use under 'a', which is retired"),
        ([code("a", parent="b"), code("b", parent="a")], "code 'a' is its own ancestor (a -> b -> a)"),
        ([code("a", parent="a")], "code 'a' is its own ancestor (a -> a)"),
    ],
)
def test_a_taxonomy_that_is_not_a_tree_is_refused_naming_the_code(codes, says):
    with pytest.raises(ValidationError) as refused:
        taxonomy(*codes)
    assert refused.value.errors()[0]["msg"] == says


def test_a_cycle_hanging_below_a_tree_is_reported_once():
    loop = [
        code("r"),
        code("a", parent="b"),
        code("b", parent="c"),
        code("c", parent="a"),
        code("d", parent="a"),
    ]
    with pytest.raises(ValidationError) as refused:
        taxonomy(*loop)
    assert refused.value.errors()[0]["msg"] == "code 'a' is its own ancestor (a -> b -> c -> a)"


@pytest.mark.parametrize(
    ("mapping", "says"),
    [
        ({"from_version": "2", "codes": {"x": "b"}}, "from_version '2' is this version"),
        ({"from_version": "1", "codes": {"b": "a"}}, "mapping 'b': still in use in this version"),
        ({"from_version": "1", "codes": {"x": "y"}}, "mapping 'x': its successor 'y' is not in this version"),
        ({"from_version": "1", "codes": {"x": "old"}}, "mapping 'x': its successor 'old' is retired"),
        ({"from_version": "1", "codes": {"x": "g"}}, "mapping 'x': its successor 'g' is a group"),
    ],
)
def test_a_mapping_to_nothing_usable_is_refused(mapping, says):
    codes = [code("g"), code("a", parent="g"), code("b", parent="g"), code("old", retired=True)]
    with pytest.raises(ValidationError) as refused:
        taxonomy(*codes, version="2", mapping=mapping)
    assert says in refused.value.errors()[0]["msg"]


# --- the file ------------------------------------------------------------------------------


def _file(tmp_path: Path, content) -> Path:
    path = tmp_path / "taxonomy.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "is not JSON"),
        ({"codes": [code("a")]}, "version: Field required"),
        (
            {"version": "1", "codes": [code("a"), {"code": "b", "kind": "theme"}]},
            "codes entry 2 (b): label: Field",
        ),
        ({"version": "1", "codes": [code("a", "remedy")]}, "codes entry 1 (a): kind: Input should be"),
        ({"version": "1", "codes": [code("A b")]}, "codes entry 1 (A b): code: String should match"),
        ({"version": "1", "codes": [code("a", colour="red")]}, "codes entry 1 (a): colour: Extra inputs"),
        (
            {"version": "1", "codes": [code("a", parent="z")]},
            "code 'a': its parent 'z' is not in the taxonomy",
        ),
        ({"version": "1", "codes": [], "notes": "x"}, "codes: List should have at least 1 item"),
        (
            '{"version": "2", "codes": [{"code": "a", "kind": "theme", "label": "A"}], '
            '"mapping": {"from_version": "1", "codes": {"x": "a", "x": "a"}}}',
            "'x' appears twice in one object",
        ),
        (
            {"version": "2", "codes": [code("a")], "mapping": {"from_version": "1", "codes": {"x": "Y"}}},
            "mapping.codes.x",
        ),
    ],
)
def test_a_mistake_in_the_file_names_the_file_and_the_entry(tmp_path, content, says):
    path = _file(tmp_path, content)
    with pytest.raises(TaxonomyFileError) as refused:
        read_taxonomy_file(path)
    message = str(refused.value)
    assert message.startswith(f"taxonomy file {path}") and says in message and "\n" not in message


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(TaxonomyFileError, match="cannot be read"):
        read_taxonomy_file(tmp_path / "absent.json")


# --- a claim's coding ----------------------------------------------------------------------


def test_a_coding_of_leaves_of_the_right_kinds_stands():
    assert coding_refusal(coding(), SHIPPED) is None


@pytest.mark.parametrize(
    ("changes", "refusal", "says"),
    [
        ({"taxonomy_version": "2025.9"}, "taxonomy_version_stale", "the current version is 2026.1"),
        (
            {"primary_cause": "cause.bad_luck"},
            "unknown_code",
            "primary_cause: 'cause.bad_luck' is not a code",
        ),
        ({"primary_cause": "injury.death"}, "wrong_kind_of_code", "'injury.death' is an injury, not a cause"),
        ({"specialty": "cause.fall"}, "wrong_kind_of_code", "specialty: 'cause.fall' is a cause"),
        ({"themes": ["theme.monitoring_and_escalation"]}, "code_not_specific", "is a group"),
        ({"injuries": ["injury.death", "injury.death"]}, "code_given_twice", "injuries: 'injury.death'"),
    ],
)
def test_a_coding_is_refused_for_each_reason(changes, refusal, says):
    found = coding_refusal(coding(**changes), SHIPPED)
    assert found is not None and found[0] == refusal and says in found[1]


def test_a_retired_code_is_refused_for_a_new_coding():
    next_version = read_taxonomy_file(NEXT_VERSION)
    found = coding_refusal(coding(taxonomy_version="2026.2", themes=["theme.documentation"]), next_version)
    assert found == ("retired_code", "themes: 'theme.documentation' is retired in taxonomy 2026.2")


def test_a_coding_needs_an_injury_and_a_theme_and_knows_no_other_field():
    for missing in ({"injuries": []}, {"themes": []}):
        with pytest.raises(ValidationError):
            coding(**missing)
    with pytest.raises(ValidationError):
        coding(reason="a reason belongs to the action, not the coding")


# --- versions ------------------------------------------------------------------------------


def test_the_next_version_maps_every_code_it_drops_or_retires():
    next_version = read_taxonomy_file(NEXT_VERSION)
    assert successor_problems(SHIPPED, next_version) == []
    # A retired code still reads: an old coding's label and group are found in the new version.
    assert [c.label for c in next_version.path("theme.documentation")] == [
        "Communication",
        "Records incomplete or unclear",
    ]


def test_an_old_coding_reads_in_the_new_version_with_merged_codes_counted_once():
    old = coding(
        primary_cause="cause.wrong_diagnosis",
        themes=["theme.no_follow_up", "theme.documentation", "theme.lost_to_follow_up", "theme.handover"],
    )
    assert coding_refusal(old, SHIPPED) is None
    new = translate(old, read_taxonomy_file(NEXT_VERSION))
    assert new == Coding(
        taxonomy_version="2026.2",
        specialty="specialty.obstetrics",
        primary_cause="cause.misdiagnosis",
        injuries=["injury.hypoxic_brain_injury"],
        themes=["theme.follow_up_failure", "theme.record_keeping", "theme.handover"],
    )
    assert coding_refusal(new, read_taxonomy_file(NEXT_VERSION)) is None
    assert translate(new, read_taxonomy_file(NEXT_VERSION)) is new  # already of this version


def test_a_coding_two_versions_old_is_translated_step_by_step_not_guessed():
    two_back = coding(taxonomy_version="2025.1")
    with pytest.raises(ValueError, match="maps no codes from version 2025.1"):
        translate(two_back, read_taxonomy_file(NEXT_VERSION))


def test_a_successor_that_leaves_a_code_unreadable_or_changes_its_kind_is_found_out():
    old = taxonomy(code("a"), code("b"), code("c", "cause"), version="1")
    new = taxonomy(
        code("a"),
        code("d", "cause"),
        version="2",
        mapping={"from_version": "1", "codes": {"b": "d", "z": "a"}},
    )
    assert successor_problems(old, new) == [
        "mapping 'b': maps a theme to a cause ('d')",
        "mapping 'z': version 1 has no such code",
        "code 'c' of version 1: neither kept nor mapped in 2",
    ]
    assert successor_problems(new, old) == ["version 1 maps no codes from 2 (its mapping: none)"]


def test_codes_are_frozen():
    with pytest.raises(ValidationError):
        Code(code="a", kind="theme", label="A").label = "B"  # type: ignore[misc]
