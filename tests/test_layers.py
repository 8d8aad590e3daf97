"""The package's folders show who each part serves, and data flows one way through them:

    errors, settings  ←  core  ←  documents  ←  participant | facilitator | hub  ←  notebook, cli

A module imports only from its own folder or the folders to its left; the three audience folders
never import each other; no import cycles; no module reaches into another's private (underscore)
names — a helper two modules need is public in a module made for it. Imports inside functions count
too: a lazy import is still a dependency, only a cheaper one.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import ROOT

PKG = ROOT / "llc_exercises"
# Rank of each folder (top-level modules by name). Equal ranks above 2 are audiences: independent.
RANK = {"errors": 0, "settings": 0, "core": 1, "documents": 2,
        "participant": 3, "facilitator": 3, "hub": 3,
        "notebook": 4, "cli": 4, "service": 4, "__init__": 4}
AUDIENCES = {"participant", "facilitator", "hub"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PKG).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__") or "__init__"


MODULES = {module_name(p): p for p in sorted(PKG.rglob("*.py")) if "__pycache__" not in p.parts}


def folder(name: str) -> str:
    """'core.store' -> 'core'; 'notebook' -> 'notebook'; a package's __init__ is its folder."""
    return name.split(".")[0]


def imports(name: str):
    """(imported module, names) for every import of the package in the file, at any depth."""
    path = MODULES[name]
    here = name.split(".") if path.name == "__init__.py" and name != "__init__" else name.split(".")[:-1]
    if name == "__init__":
        here = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
            elif node.module and node.module.split(".")[0] == "llc_exercises":
                base = []
                node_module = node.module.split(".", 1)[1] if "." in node.module else None
                yield from _targets(base, node_module, node.names)
                continue
            else:
                continue
            yield from _targets(base, node.module, node.names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("llc_exercises."):
                    yield a.name.split(".", 1)[1], []


def _targets(base: list[str], module: str | None, aliases):
    names = [a.name for a in aliases]
    target = ".".join(base + (module.split(".") if module else []))
    if module is None or target in {n.rsplit(".", 1)[0] for n in MODULES if "." in n} and target not in MODULES:
        # `from . import x, y` or `from ..core import store`: each name may be a module
        for n in names:
            sub = f"{target}.{n}" if target else n
            yield (sub, []) if sub in MODULES else (target or "__init__", [n])
    else:
        yield target, names


def test_every_folder_has_a_rank():
    assert {folder(n) for n in MODULES} <= set(RANK), "a new folder or top-level module needs a place in RANK"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down_or_across_the_same_folder(name):
    mine = folder(name)
    for target, names in imports(name):
        theirs = folder(target)
        assert target in MODULES or target == "__init__", f"{name} imports {target}, which does not exist"
        if theirs != mine:
            assert RANK[theirs] < RANK[mine], f"{name} imports {target}: {theirs} is not below {mine}"
        private = [n for n in names if n.startswith("_") and not n.startswith("__")]
        assert not private, f"{name} imports private names {private} from {target}"


def test_the_audiences_do_not_import_each_other():
    crossing = [(n, t) for n in MODULES for t, _ in imports(n)
                if folder(n) in AUDIENCES and folder(t) in AUDIENCES and folder(t) != folder(n)]
    assert not crossing


def test_no_import_cycles():
    graph = {n: {t for t, _ in imports(n) if t in MODULES and t != n} for n in MODULES}
    state: dict[str, int] = {}

    def visit(n, trail):
        state[n] = 1
        for t in graph[n]:
            if state.get(t) == 1:
                pytest.fail("import cycle: " + " → ".join(trail + [n, t]))
            if t not in state:
                visit(t, trail + [n])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [])


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_names_used_across_modules(name):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    aliases = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and (node.level or (node.module or "").startswith("llc_exercises")) for a in node.names
               if f"{a.name}" not in ("annotations",)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            pytest.fail(f"{name} uses {node.value.id}.{node.attr}, private to that module")


def test_the_rule_catches_an_audience_importing_another(tmp_path, monkeypatch):
    """The check above is not vacuous: a participant module importing the hub is reported."""
    fake = PKG / "participant" / "widgets.py"
    source = fake.read_text(encoding="utf-8") + "\nfrom ..hub import dashboard\n"
    monkeypatch.setitem(MODULES, "participant.widgets", tmp_path / "widgets.py")
    (tmp_path / "widgets.py").write_text(source, encoding="utf-8")
    with pytest.raises(AssertionError, match="hub"):
        test_imports_point_down_or_across_the_same_folder("participant.widgets")
