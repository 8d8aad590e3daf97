"""The package's modules stand in layers: each imports only modules below it (so there are no import
cycles), and no module reaches into another's private (underscore) names.

Imports inside functions count too: a lazy import is still a dependency, only a cheaper one.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT

PKG = ROOT / "llc_exercises"
# Lowest first. Data flows up: definitions → answers → renders → workbook/hub → command line.
LAYERS = [
    "errors", "paths", "definitions", "schema", "store", "values", "cohort", "ics", "charts", "derived",
    "years", "render", "identity", "roster", "attendance", "pdf", "export", "letter", "certificates",
    "report", "guide", "a11y", "guard", "downloads", "submit", "widgets", "carry", "data", "practice",
    "coverage", "workbook", "notebook", "builds", "submissions", "dashboard", "hub", "service", "hubdemo", "app",
    "cli", "__init__",
]


def imports(path: Path):
    """(imported module, names) for every relative import in the file, at any depth."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                yield node.module.split(".")[0], [a.name for a in node.names]
            else:  # from . import x, y
                for a in node.names:
                    yield a.name, []


def test_every_module_has_a_layer():
    assert sorted(p.stem for p in PKG.glob("*.py")) == sorted(LAYERS)


@pytest.mark.parametrize("module", LAYERS)
def test_imports_only_point_down(module):
    mine = LAYERS.index(module)
    for target, names in imports(PKG / f"{module}.py"):
        assert LAYERS.index(target) < mine, f"{module} imports {target}, which is not below it"
        private = [n for n in names if n.startswith("_")]
        assert not private, f"{module} imports private names {private} from {target}"


@pytest.mark.parametrize("module", LAYERS)
def test_no_private_names_used_across_modules(module):
    tree = ast.parse((PKG / f"{module}.py").read_text(encoding="utf-8"))
    aliases = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and node.level == 1 and node.module is None for a in node.names}
    aliases |= {"defs"}  # `from . import definitions as defs`
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            pytest.fail(f"{module} uses {node.value.id}.{node.attr}, private to that module")
