"""Workflow code is deterministic, checked before it runs.

Workflows run outside the SDK's sandbox (worker.py says why), so what the sandbox caught at
run time is refused here for all of workflows/ and the models they use: a wall clock,
randomness, the environment, files, sockets, threads and sleeping. Time in a workflow is
`workflow.now()`; anything else goes through an activity.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
CODE = sorted([*ROOT.glob("workflows/*.py"), *ROOT.glob("models/*.py")])
# models/register.py is the register's SQLAlchemy schema, read only by activities and the API.
CHECKED = [p for p in CODE if p.name != "register.py"]

FORBIDDEN_MODULES = {"random", "secrets", "time", "os", "threading", "subprocess", "socket", "uuid"}
FORBIDDEN_CALLS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("asyncio", "sleep"),
}
FORBIDDEN_BUILTINS = {"open", "input", "exec", "eval", "breakpoint"}


def offences(path: Path, root: Path = ROOT) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [
                f"{where} imports {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES
            ]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"{where} imports from {node.module}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in FORBIDDEN_CALLS:
                found.append(f"{where} uses {node.value.id}.{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_BUILTINS
        ):
            found.append(f"{where} calls {node.func.id}()")
    return found


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(ROOT)))
def test_workflow_and_model_code_has_no_clock_randomness_or_io(path):
    assert offences(path) == []


def test_the_check_finds_what_it_refuses(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import random\nfrom time import sleep\nfrom datetime import datetime\n"
        "x = datetime.now()\nopen('f')\n"
    )
    assert len(offences(sample, root=tmp_path)) == 4
