"""The package's layout holds: each stage imports only the stages before it.

Stages, in order: ingest, store, answer, then serve and evaluation (neither imports the
other). The shared modules at the top (types, errors, settings, text, privacy, models)
import no stage at all; ``wiring``, ``cli`` and ``__init__`` put the stages together and may
import any. Every stage folder says in its ``__init__`` docstring what it owns.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.unit

PACKAGE = ROOT / "qa"
STAGES = ("ingest", "store", "answer", "serve", "evaluation")
# What each stage may import, besides itself and the shared top-level modules.
MAY_IMPORT = {
    "ingest": set(),
    "store": {"ingest"},
    "answer": {"ingest", "store"},
    "serve": {"ingest", "store", "answer"},
    "evaluation": {"ingest", "store", "answer"},
}
SHARED = ("types", "errors", "settings", "text", "privacy", "models")
# The one stage module that may call the composer: ``Assistant.open`` is the convenience
# that wires the real parts (``qa.wiring``), as the house style has it.
WIRES = {"answer/assistant.py"}
COMPOSERS = ("wiring", "cli", "__init__")


def imported(path: Path) -> set[str]:
    """The ``qa`` modules a file imports, anywhere in it: ``{"qa.store.index", ...}``."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return {m for m in out if m == "qa" or m.startswith("qa.")}


def stage_of(module: str) -> str | None:
    """``"qa.store.index"`` -> ``"store"``; a top-level module -> None."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def test_every_module_is_in_a_stage_or_named_at_the_top() -> None:
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top == set(SHARED) | set(COMPOSERS), top ^ (set(SHARED) | set(COMPOSERS))
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(STAGES)
    for stage in STAGES:
        doc = ast.get_docstring(ast.parse((PACKAGE / stage / "__init__.py").read_text()))
        assert doc and "May import" in doc, f"qa/{stage}/__init__.py says what it may import"


def violations(stage: str, paths: list[Path]) -> dict[str, list[str]]:
    """File name -> the ``qa`` modules it imports that ``stage`` may not."""
    wrong = {}
    for path in paths:
        found = imported(path)
        bad = {m for m in found
               if (s := stage_of(m)) and s != stage and s not in MAY_IMPORT[stage]}
        composers = {m for m in found if m.split(".")[1:2] in (["wiring"], ["cli"])}
        bad |= set() if f"{stage}/{path.name}" in WIRES else composers
        if bad:
            wrong[path.name] = sorted(bad)
    return wrong


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_imports_only_the_stages_before_it(stage: str) -> None:
    wrong = violations(stage, sorted((PACKAGE / stage).glob("*.py")))
    assert not wrong, f"qa/{stage}/ imports what it may not: {wrong}"


def test_an_import_against_the_order_is_found(tmp_path: Path) -> None:
    """Even one inside a function: the store reaching up into the serve stage."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from qa.serve.service import Service\n", encoding="utf-8")
    assert violations("store", [probe]) == {"probe.py": ["qa.serve.service",
                                                         "qa.serve.service.Service"]}
    assert violations("serve", [probe]) == {}


@pytest.mark.parametrize("name", SHARED)
def test_the_shared_modules_import_no_stage(name: str) -> None:
    staged = {m for m in imported(PACKAGE / f"{name}.py")
              if stage_of(m) or m in ("qa.wiring", "qa.cli")}
    assert not staged, f"qa/{name}.py imports {sorted(staged)}"
