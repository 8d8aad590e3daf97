"""How much of a session counts as answered, and the survey's own description of itself.

SOAR or SWOT: only the chosen lens's boxes count, everywhere a session's progress is shown (the
participant's progress line in notebooks and the app, the workbook, the facilitator's dashboard).
"""
from __future__ import annotations

import json
import re

import pytest
from helpers import ROOT

from llc_exercises.core import definitions as defs
from llc_exercises.core.values import progress
from llc_exercises.documents import render
from llc_exercises.hub.submissions import summarize

VISIONING = defs.session("visioning")
LENS = "visioning.soar_swot.lens"
SOAR = ("visioning.soar_swot.aspirations", "visioning.soar_swot.results")
SWOT = ("visioning.soar_swot.weaknesses", "visioning.soar_swot.threats")


def everything_but(skip: tuple[str, ...], lens: str | None) -> dict:
    """Every question of Visioning answered except ``skip``; the lens set to ``lens``."""
    answers: dict = {}
    for ws in VISIONING.worksheets:
        for f in ws.fields:
            if f.key in skip:
                continue
            answers[f.key] = {"choice": f.options[0] if f.options else None, "scale": 1, "number": 5,
                              "date": "2026-10-01", "multi_choice": list(f.options[:1]),
                              "table": [{c.id: "x" for c in f.columns}]}.get(f.type, "an answer")
    if lens:
        answers[LENS] = lens
    return answers


@pytest.mark.parametrize(("lens", "unused"), [("SOAR", SWOT), ("SWOT", SOAR)])
def test_the_lens_not_chosen_does_not_count(lens, unused):
    answers = everything_but(unused, lens)
    done, total = progress(VISIONING, answers)
    assert done == total, "with every box of the chosen lens filled, Visioning is complete"
    # the same total as for an empty session: the dashboard compares against it
    assert total == progress(VISIONING, {})[1] == len([f for ws in VISIONING.worksheets for f in ws.fields]) - 2
    # an empty box of the chosen lens still counts as unanswered
    chosen = SOAR if lens == "SOAR" else SWOT
    assert progress(VISIONING, {k: v for k, v in answers.items() if k != chosen[0]}) == (total - 1, total)


def test_before_a_lens_is_chosen_the_fuller_one_counts():
    answers = everything_but(SOAR + (LENS,), None)  # SWOT boxes filled, no lens picked
    done, total = progress(VISIONING, answers)
    assert done == total - 1  # only the lens question itself is open


def test_workbook_and_dashboard_count_the_same_way():
    answers = everything_but(SWOT, "SOAR")
    done, total = progress(VISIONING, answers)
    assert f"{done} of {total} questions answered" in render.session_html(VISIONING, answers, with_charts=False)
    doc = {"answers": {k: {"value": v, "updated": "2026-10-01T10:00:00+00:00"} for k, v in answers.items()}}
    assert summarize(doc)["visioning"] | {"last_change": None} == {"answered": total, "total": total,
                                                                   "last_change": None}


def test_counts_if_must_name_a_choice_and_one_of_its_options(tmp_path):
    raw = {"id": "s", "number": 1, "title": "S", "worksheets": [{
        "id": "w", "title": "W", "framework": "F", "fields": [
            {"id": "lens", "type": "choice", "label": "Lens", "options": ["A", "B"]},
            {"id": "x", "type": "long_text", "label": "X", "counts_if": {"lens": "C"}}]}]}
    with pytest.raises(defs.DefinitionError, match=r"field 'x'.*no choice field 'lens' with the option 'C'"):
        defs.parse_session(raw, tmp_path / "s.yaml")
    raw["worksheets"][0]["fields"][1]["counts_if"] = {"lens": "B"}
    assert defs.parse_session(raw, tmp_path / "s.yaml").worksheets[0].fields[1].counts_if == ("lens", "B")


NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def stated_counts(text: str) -> list[int]:
    return [NUMBERS[m.lower()] for m in re.findall(r"\b(\w+) statements\b", text) if m.lower() in NUMBERS]


def markdown_of(notebook: str, cell_id: str) -> str:
    nb = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    return "".join(next(c for c in nb["cells"] if c.get("id") == cell_id)["source"])


@pytest.mark.parametrize(("key", "notebook"), [("orientation.before_survey", "00_orientation.ipynb"),
                                                ("opportunity.series_survey", "06_opportunity.ipynb")])
def test_the_survey_says_how_many_statements_it_shows(key, notebook):
    ws = defs.worksheet(key)
    statements = len([f for f in ws.fields if f.type == "scale" and not f.label.startswith("Guskey")])
    for where, text in ((f"{notebook} survey cell", markdown_of(notebook, "cell-survey-md")),
                        (f"{key} instructions", ws.instructions)):
        counts = stated_counts(text)
        assert counts, f"{where} no longer says how many statements there are: update this test"
        assert set(counts) == {statements}, f"{where} says {counts} statements; the survey shows {statements}"
