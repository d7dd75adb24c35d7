"""Clinical coding: the versioned reference taxonomy a claim is coded against, and a claim's coding.

The taxonomy is data (fairway/clinical_coding.py reads it from the operator's file): four trees
of codes, one per kind (specialty, cause, injury, learning theme), each code naming its parent
of the same kind. A claim is coded with leaves only; the groups above them are for rolling
figures up ("delay in escalation" counts towards "monitoring and escalation").

A published version never changes. The next version may retire a code (it stays resolvable, so
an old coding still reads, but nothing new is coded with it) or drop it, and maps each retired
or dropped code it replaces to one of its own: `translate` reads an old coding in the new
version's terms, and `successor_problems` checks that no code of the old version is left
unreadable.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

CodeId = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")]
Version = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$")]
MOST_CODES_OF_A_KIND = 10  # injuries or themes on one claim: more is a list, not a coding
TAXONOMY_MARK = "x-taxonomy"


class CodeKind(StrEnum):
    SPECIALTY = "specialty"
    CAUSE = "cause"
    INJURY = "injury"
    THEME = "theme"  # a learning theme


def _a(kind: CodeKind) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


class Code(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: CodeId
    kind: CodeKind
    label: str = Field(min_length=1, max_length=200)
    parent: CodeId | None = None
    retired: bool = Field(False, description="still read in old codings; nothing new is coded with it")


class VersionMapping(BaseModel):
    """Codes of the previous version this one replaces: each retired or dropped code to its successor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_version: Version
    codes: dict[CodeId, CodeId] = Field(min_length=1)


class Taxonomy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Version
    codes: list[Code] = Field(min_length=1)
    mapping: VersionMapping | None = None

    @model_validator(mode="after")
    def _a_tree(self) -> Taxonomy:
        problem = next(iter(tree_problems(self.codes)), None) or next(iter(mapping_problems(self)), None)
        if problem:
            raise PydanticCustomError("taxonomy", "{problem}", {"problem": problem})
        return self

    @cached_property
    def by_code(self) -> dict[str, Code]:
        return {c.code: c for c in self.codes}

    @cached_property
    def parents(self) -> frozenset[str]:
        """Codes that have children: groups, which no claim is coded with."""
        return frozenset(c.parent for c in self.codes if c.parent)

    def path(self, code: str) -> list[Code]:
        """The code and its ancestors, the root of its tree first. KeyError for an unknown code."""
        found = [self.by_code[code]]
        while found[0].parent:
            found.insert(0, self.by_code[found[0].parent])
        return found

    def group(self, code: str) -> Code:
        """The root a code rolls up to: the theme group of a theme, say."""
        return self.path(code)[0]

    def of_kind(self, kind: CodeKind) -> list[Code]:
        return [c for c in self.codes if c.kind is kind]

    def codable(self, kind: CodeKind) -> list[Code]:
        """The codes a new coding may use for `kind`: leaves still in use, in the file's order."""
        return [c for c in self.of_kind(kind) if not c.retired and c.code not in self.parents]

    def shown(self, code: str) -> str:
        """A code as a person reads it: its group's label, then its own."""
        path = self.path(code)
        return " › ".join(c.label for c in path[-2:])


def tree_problems(codes: Iterable[Code]) -> list[str]:
    """What stops these codes being one tree per kind, each entry named: a code listed twice, a
    parent missing or of another kind, a cycle, a code in use under a retired group."""
    problems, seen = [], {}
    for c in codes:
        if c.code in seen:
            problems.append(f"code {c.code!r} is listed twice")
        seen.setdefault(c.code, c)
    for c in seen.values():
        parent = seen.get(c.parent) if c.parent else None
        if c.parent and parent is None:
            problems.append(f"code {c.code!r}: its parent {c.parent!r} is not in the taxonomy")
        elif parent and parent.kind is not c.kind:
            problems.append(
                f"code {c.code!r}: {_a(c.kind)} under {parent.code!r}, which is {_a(parent.kind)}"
            )
        elif parent and parent.retired and not c.retired:
            problems.append(f"code {c.code!r}: in use under {parent.code!r}, which is retired")
    if not problems:
        problems.extend(_cycles(seen))
    return problems


def _cycles(codes: dict[str, Code]) -> list[str]:
    """Each loop of codes whose ancestors lead back to themselves, reported once (every parent
    is known to exist)."""
    problems, visited = [], set()
    for start in codes:
        walked: list[str] = []
        at: str | None = start
        while at is not None and at not in visited and at not in walked:
            walked.append(at)
            at = codes[at].parent
        if at in walked:
            loop = [*walked[walked.index(at) :], at]
            problems.append(f"code {at!r} is its own ancestor ({' -> '.join(loop)})")
        visited.update(walked)
    return problems


def mapping_problems(taxonomy: Taxonomy) -> list[str]:
    """What the taxonomy alone can tell is wrong with its mapping: a target it lacks, is retired
    or a group, or a code it still uses mapped away. `successor_problems` checks the rest."""
    if taxonomy.mapping is None:
        return []
    if taxonomy.mapping.from_version == taxonomy.version:
        return [f"mapping: from_version {taxonomy.version!r} is this version; it maps the previous one"]
    by_code = {c.code: c for c in taxonomy.codes}
    parents = {c.parent for c in taxonomy.codes if c.parent}
    problems = []
    for old, new in taxonomy.mapping.codes.items():
        target = by_code.get(new)
        if old in by_code and not by_code[old].retired:
            problems.append(
                f"mapping {old!r}: still in use in this version; only a retired or dropped code maps"
            )
        elif target is None:
            problems.append(f"mapping {old!r}: its successor {new!r} is not in this version")
        elif target.retired:
            problems.append(f"mapping {old!r}: its successor {new!r} is retired")
        elif new in parents:
            problems.append(f"mapping {old!r}: its successor {new!r} is a group; map to a code under it")
    return problems


def successor_problems(old: Taxonomy, new: Taxonomy) -> list[str]:
    """Why an old coding might not read in `new`: its mapping is from another version, names a
    code `old` lacks or maps a code to another kind, or a code of `old` is neither kept nor mapped."""
    mapping = new.mapping
    if mapping is None or mapping.from_version != old.version:
        given = f"from {mapping.from_version!r}" if mapping else "none"
        return [f"version {new.version} maps no codes from {old.version} (its mapping: {given})"]
    problems = []
    for code, successor in mapping.codes.items():
        if code not in old.by_code:
            problems.append(f"mapping {code!r}: version {old.version} has no such code")
        elif successor in new.by_code and new.by_code[successor].kind is not old.by_code[code].kind:
            kinds = f"{_a(old.by_code[code].kind)} to {_a(new.by_code[successor].kind)}"
            problems.append(f"mapping {code!r}: maps {kinds} ({successor!r})")
    for code in old.by_code:
        if code not in new.by_code and code not in mapping.codes:
            problems.append(
                f"code {code!r} of version {old.version}: neither kept nor mapped in {new.version}"
            )
    return problems


# --- a claim's coding ----------------------------------------------------------------------


class Coding(BaseModel):
    """What a claim is coded with, against one taxonomy version: its coded specialty, its primary
    cause, the injuries and the learning themes. The codes are leaves of their kind's tree."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # `x-taxonomy` names the codes a field takes: the console offers them from the taxonomy it
    # runs with (api/console/case_page.py), since no schema can list codes that are data.
    taxonomy_version: Version = Field(json_schema_extra={TAXONOMY_MARK: "version"})
    specialty: CodeId = Field(json_schema_extra={TAXONOMY_MARK: CodeKind.SPECIALTY.value})
    primary_cause: CodeId = Field(json_schema_extra={TAXONOMY_MARK: CodeKind.CAUSE.value})
    injuries: list[CodeId] = Field(
        min_length=1,
        max_length=MOST_CODES_OF_A_KIND,
        json_schema_extra={TAXONOMY_MARK: CodeKind.INJURY.value},
    )
    themes: list[CodeId] = Field(
        min_length=1, max_length=MOST_CODES_OF_A_KIND, json_schema_extra={TAXONOMY_MARK: CodeKind.THEME.value}
    )

    def coded(self) -> list[tuple[str, CodeKind, str]]:
        """Each code with its field and the kind that field takes, in the order given."""
        return [
            ("specialty", CodeKind.SPECIALTY, self.specialty),
            ("primary_cause", CodeKind.CAUSE, self.primary_cause),
            *(("injuries", CodeKind.INJURY, code) for code in self.injuries),
            *(("themes", CodeKind.THEME, code) for code in self.themes),
        ]


def code_refusal(taxonomy: Taxonomy, field: str, kind: CodeKind, code: str) -> tuple[str, str] | None:
    """Why `code`, given for `field`, is not one of `kind` in use in the taxonomy, or None:
    unknown, of another kind, or retired. A group passes (a filter may name one; a coding may not)."""
    found = taxonomy.by_code.get(code)
    if found is None:
        return "unknown_code", f"{field}: {code!r} is not a code of taxonomy {taxonomy.version}"
    if found.kind is not kind:
        return "wrong_kind_of_code", f"{field}: {code!r} is {_a(found.kind)}, not {_a(kind)}"
    if found.retired:
        return "retired_code", f"{field}: {code!r} is retired in taxonomy {taxonomy.version}"
    return None


def coding_refusal(coding: Coding, taxonomy: Taxonomy) -> tuple[str, str] | None:
    """Why a new coding cannot stand against the current taxonomy, as (code, message), or None:
    coded against another version, a code unknown, of the wrong kind, retired, a group rather
    than a leaf, or given twice."""
    if coding.taxonomy_version != taxonomy.version:
        return (
            "taxonomy_version_stale",
            f"coded against taxonomy {coding.taxonomy_version}; the current version is {taxonomy.version}",
        )
    given: set[str] = set()
    for field, kind, code in coding.coded():
        if refused := code_refusal(taxonomy, field, kind, code):
            return refused
        if code in taxonomy.parents:
            return "code_not_specific", f"{field}: {code!r} is a group; code with one of the codes under it"
        if code in given:
            return "code_given_twice", f"{field}: {code!r} is given twice"
        given.add(code)
    return None


def translate(coding: Coding, taxonomy: Taxonomy) -> Coding:
    """An old coding in the terms of `taxonomy`, the version after the one it was made against:
    each mapped code replaced by its successor (two merged into one count once), every other code
    kept. A coding already of this version is returned as it is. ValueError if the taxonomy maps
    no codes from the coding's version, or a code would not read in it."""
    if coding.taxonomy_version == taxonomy.version:
        return coding
    mapping = taxonomy.mapping
    if mapping is None or mapping.from_version != coding.taxonomy_version:
        raise ValueError(
            f"taxonomy {taxonomy.version} maps no codes from version {coding.taxonomy_version}: "
            "translate through each version in turn"
        )

    def successor(kind: CodeKind, code: str) -> str:
        now = mapping.codes.get(code, code)
        found = taxonomy.by_code.get(now)
        if found is None or found.kind is not kind:
            version = coding.taxonomy_version
            raise ValueError(
                f"{code!r} of version {version} does not read as {_a(kind)} in {taxonomy.version}"
            )
        return now

    def each(kind: CodeKind, codes: list[str]) -> list[str]:
        return list(dict.fromkeys(successor(kind, code) for code in codes))

    return Coding(
        taxonomy_version=taxonomy.version,
        specialty=successor(CodeKind.SPECIALTY, coding.specialty),
        primary_cause=successor(CodeKind.CAUSE, coding.primary_cause),
        injuries=each(CodeKind.INJURY, coding.injuries),
        themes=each(CodeKind.THEME, coding.themes),
    )
