"""Project hygiene: notebooks stripped and complete, environment.yml in step with pyproject.toml."""
from __future__ import annotations

import json
import re

import pytest
import tomllib
import yaml
from helpers import ROOT

from llc_exercises.core import definitions as defs

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + [ROOT / "workbook" / "workbook.ipynb"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(nb):
    doc = json.loads(nb.read_text(encoding="utf-8"))
    for cell in doc["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, nb.name
    assert "widgets" not in doc["metadata"]  # no stale widget state either


def _code(nb) -> str:
    doc = json.loads(nb.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in doc["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("session", defs.sessions(), ids=lambda s: s.id)
def test_each_session_notebook_shows_every_worksheet_and_a_summary(session):
    matches = sorted((ROOT / "notebooks").glob(f"{session.number:02d}_*.ipynb"))
    assert matches, f"no notebook for session {session.id}"
    code = _code(matches[0])
    shown = set(re.findall(r'llc\.show\("([a-z_.]+)"\)', code))
    assert shown == {w.key for w in session.worksheets}
    assert f'llc.summary("{session.id}")' in code
    for line in code.splitlines():  # notebooks hold one-line calls, not logic
        assert not line.startswith(("def ", "class ", "for ", "while ")), line


@pytest.mark.parametrize("session", defs.sessions(), ids=lambda s: s.id)
def test_every_objective_maps_to_a_worksheet_and_names_frameworks(session):
    # Orientation (session 0) has no seed objectives: it holds the series' own "before" survey.
    assert session.objectives or session.number == 0
    for o in session.objectives:
        assert o.worksheets, o.text
    for w in session.worksheets:
        assert len(w.framework) > 10, w.key


def test_parameters_cell_is_tagged_in_the_workbook_template():
    doc = json.loads((ROOT / "workbook" / "workbook.ipynb").read_text())
    tagged = [c for c in doc["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1
    src = "".join(tagged[0]["source"])
    for name in ("participant_id", "answers_path", "generated_on", "participant_details"):
        assert re.search(rf"^{name} = ", src, re.M), name


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec, maxsplit=1)[0].strip().lower()


def test_environment_yml_parses_and_lists_what_pyproject_needs():
    from rattler import MatchSpec

    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["name"] and "conda-forge" in env["channels"]
    conda_specs = [d for d in env["dependencies"] if isinstance(d, str)]
    for spec in conda_specs:
        MatchSpec(spec, strict=False)  # raises on a malformed spec
    conda_names = {_name(s) for s in conda_specs}
    # conda-forge ships matplotlib without Qt as matplotlib-base
    conda_names |= {"matplotlib"} if "matplotlib-base" in conda_names else set()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    needed = {_name(d) for d in pyproject["project"]["dependencies"]}
    assert needed <= conda_names, f"environment.yml lacks {sorted(needed - conda_names)}"
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section  # the kit itself


def test_readme_quick_start_is_two_commands():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Quick start.*?```(?:sh|bash)?\n(.*?)```", readme, re.S).group(1)
    assert [ln.strip() for ln in block.strip().splitlines()] == ["make demo", "make test"]
