"""Chart kinds and derived panels, on a synthetic session: right numbers, and no crash on bad data."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml
from helpers import SAMPLE

from llc_exercises.core import definitions as defs
from llc_exercises.core import derived
from llc_exercises.documents import charts, render

SCALE5 = ["Very low", "Low", "Medium", "High", "Very high"]
SESSION = yaml.safe_load(f"""
id: t
number: 9
title: Test session
worksheets:
  - id: stake
    title: Stakeholders
    framework: Mendelow (1991)
    fields:
      - id: rows
        type: table
        label: Stakeholders
        columns:
          - {{id: who, type: short_text, label: Who}}
          - {{id: power, type: scale, label: Power, levels: {SCALE5}}}
          - {{id: interest, type: scale, label: Interest, levels: {SCALE5}}}
    chart: {{kind: power_interest, field: rows, options: {{label: who, power: power, interest: interest}}}}
  - id: skills
    title: Skills
    framework: Costa and Garmston
    fields:
      - id: rows
        type: table
        label: Skills
        columns:
          - {{id: skill, type: short_text, label: Skill}}
          - {{id: level, type: scale, label: Level, levels: {SCALE5}}}
    chart: {{kind: radar, field: rows, options: {{label: skill, value: level}}}}
    derived:
      - {{kind: lowest_areas, options: {{table: rows, label: skill, value: level, count: 2}}}}
  - id: align
    title: Alignment
    framework: SMART (Doran, 1981)
    fields:
      - id: rows
        type: table
        label: Pairs
        columns:
          - {{id: lib, type: short_text, label: Library goal}}
          - {{id: dist, type: short_text, label: District goal}}
          - {{id: fit, type: scale, label: Fit, levels: {SCALE5}}}
    chart: {{kind: matrix, field: rows, options: {{row: lib, col: dist, value: fit}}}}
  - id: logic
    title: Logic model
    framework: W.K. Kellogg Foundation
    fields:
      - {{id: inputs, type: long_text, label: Inputs — what we invest}}
      - {{id: activities, type: long_text, label: Activities}}
      - {{id: impact, type: long_text, label: Impact}}
    chart: {{kind: logic_model, field: inputs, options: {{stages: [inputs, activities, impact]}}}}
  - id: outreach
    title: Outreach
    framework: AASL
    fields:
      - id: log
        type: table
        label: Log
        columns:
          - {{id: date, type: date, label: Date}}
          - {{id: reach, type: number, label: Reach}}
          - {{id: audience, type: short_text, label: Audience}}
    chart: {{kind: timeseries, field: log, options: {{date: date, value: reach, group: audience}}}}
  - id: pd
    title: PD
    framework: seed 004
    fields:
      - {{id: target, type: number, label: Target hours}}
      - id: log
        type: table
        label: Log
        columns:
          - {{id: type, type: short_text, label: Type}}
          - {{id: hours, type: number, label: Hours}}
    chart: {{kind: progress, field: log, options: {{value: hours, target: target, group: type}}}}
    derived:
      - {{kind: total, options: {{table: log, value: hours, target: target, unit: hours}}}}
  - id: goal
    title: Goal
    framework: SMART (Doran, 1981)
    fields:
      - {{id: statement, type: long_text, label: Goal}}
      - {{id: measurable, type: short_text, label: Measure}}
      - {{id: who, type: long_text, label: Key message}}
      - {{id: story, type: long_text, label: Story}}
    derived:
      - {{kind: smart_check, options: {{statement: statement, parts: {{measurable: measurable}}}}}}
      - {{kind: elevator_speech, options: {{parts: [who, story], words_per_minute: 120}}}}
      - {{kind: year_end_summary}}
""")


@pytest.fixture(scope="module")
def s():
    return defs.parse_session(SESSION, Path("test.yaml"))


def a(ws, **values):
    return {ws.field(k).key: v for k, v in values.items()}


def test_power_interest_places_quadrants_and_lists_unrated(s):
    ws = s.worksheet("stake")
    d = charts.draw(ws, a(ws, rows=[
        {"who": "Principal", "power": 5, "interest": 4}, {"who": "Board", "power": 5, "interest": 1},
        {"who": "Students", "power": 1, "interest": 5}, {"who": "Vendors", "power": 2, "interest": 2},
        {"who": "PTA", "power": 4}, {"who": "Typo", "power": "high", "interest": 9}]))
    assert "Manage closely: Principal" in d.alt and "Keep satisfied: Board" in d.alt
    assert "Keep informed: Students" in d.alt and "Monitor: Vendors" in d.alt
    assert "not yet rated: PTA, Typo" in d.alt
    assert d.png()[:4] == b"\x89PNG"


def test_radar_and_lowest_areas(s):
    ws = s.worksheet("skills")
    ans = a(ws, rows=[{"skill": "Listening", "level": 4}, {"skill": "Pausing", "level": 2},
                      {"skill": "Paraphrasing", "level": 3}, {"skill": "Questions"}])
    d = charts.draw(ws, ans)
    assert "3 of 4 rated; strongest Listening (High), weakest Pausing (Low)" in d.alt
    panel = derived.panels(ws, ans)[0]
    assert panel.lines == ["Pausing — Low (2 of 5)", "Paraphrasing — Medium (3 of 5)"]
    assert "not enough ratings" in charts.draw(ws, a(ws, rows=[{"skill": "x", "level": 1}])).alt


def test_matrix(s):
    ws = s.worksheet("align")
    d = charts.draw(ws, a(ws, rows=[{"lib": "Reading", "dist": "Literacy", "fit": 5},
                                    {"lib": "Research", "dist": "Literacy", "fit": 2},
                                    {"lib": "Research", "dist": "STEM"}]))
    assert d.alt.split(": ", 1)[1] == "2 × 2 grid, 3 pair(s); strongest: Reading ↔ Literacy."


def test_logic_model_counts_filled_stages(s):
    ws = s.worksheet("logic")
    d = charts.draw(ws, a(ws, inputs="Librarian time, $500", impact="Stronger readers"))
    assert d.alt == "Logic model: Inputs → Activities → Impact; 2 of 3 stages filled."


def test_timeseries_sums_by_month_and_group(s):
    ws = s.worksheet("outreach")
    d = charts.draw(ws, a(ws, log=[
        {"date": "2025-09-03", "reach": 100, "audience": "parents"},
        {"date": "2025-09-20", "reach": 50, "audience": "parents"},
        {"date": "2025-10-01", "reach": 30, "audience": "students"},
        {"date": "2025-10-02", "reach": None, "audience": "students"},
        {"date": None, "reach": 999}]))
    assert "2025-09 to 2025-10; total 180; peak 2025-09 (150)" in d.alt
    assert len(d.figure.axes[0].get_lines()) == 2


def test_progress_and_total_toward_target(s):
    ws = s.worksheet("pd")
    ans = a(ws, target=8, log=[{"type": "webinar", "hours": 1.5}, {"type": "conference", "hours": 4},
                               {"type": "webinar", "hours": None}, {"type": "site visit"}])
    assert charts.draw(ws, ans).alt == "PD: 5.5 hours logged of a 8 target (69%)."
    assert derived.panels(ws, ans)[0].lines == ["5.5 hours logged.", "2.5 hours to go to reach 8."]
    assert "(no target set)" in charts.draw(ws, a(ws, log=[])).alt


@pytest.mark.parametrize("key", ["visioning.strategic_plan", "opportunity.next_year_plan"])
def test_gantt_key_never_covers_a_bar(key):
    """A full plan: many rows under several goals, each running the whole year, so the bars fill the
    plot edge to edge and there is no empty corner for the key; it must sit clear of every bar."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    ws = defs.worksheet(key)
    o = ws.chart.options
    goals = ["Tell the library's story to decision makers", "Make the library a partner in classroom "
             "instruction, in every grade and every subject we teach", "Grow reading", "Data"]
    rows = [{o["label"]: f"Action {i}", o["start"]: "2025-08-15", o["end"]: "2026-06-30",
             o["group"]: goals[i % len(goals)]} for i in range(14)]
    rows[0][o["end"]] = "2025-08-16"  # one very short bar, one late-starting bar: ends of the range
    rows[-1][o["start"]] = "2026-06-29"
    d = charts.draw(ws, {ws.field(ws.chart.field).key: rows})
    assert "14 actions under 4 goal(s)" in d.alt
    fig = d.figure
    canvas = FigureCanvasAgg(fig)  # charts are made canvas-less; Agg lays the figure out as a save would
    canvas.draw()
    renderer = canvas.get_renderer()
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    assert len(legends) == 1
    key_box = legends[0].get_window_extent(renderer)
    assert [t.get_text() for t in legends[0].get_texts()][0] == goals[0]
    bars = fig.axes[0].patches
    assert len(bars) == 14
    covered = [i for i, bar in enumerate(bars) if bar.get_window_extent(renderer).overlaps(key_box)]
    assert not covered, f"the key covers bar(s) {covered}"
    assert not key_box.overlaps(fig.axes[0].get_window_extent(renderer))  # nor the plot, nor its dates
    assert not any(t.get_window_extent(renderer).overlaps(key_box) for t in fig.axes[0].get_xticklabels())


def test_smart_check_names_missing_elements(s):
    ws = s.worksheet("goal")
    vague = derived.panels(ws, a(ws, statement="Collaborate more."))[0]
    assert vague.lines[0] == "Missing: Specific, Measurable, Achievable, Relevant, Time-bound."
    weak = derived.panels(ws, a(ws, statement="Grade seven teachers will co-plan research units with "
                                              "the library to support the campus literacy goal."))[0]
    assert weak.lines[0] == "Missing: Measurable, Achievable, Time-bound."
    assert any(ln.startswith("✗ Measurable") and "number" in ln for ln in weak.lines)
    strong = derived.panels(ws, a(ws, statement="By May 2026, 60% of grade 7 teachers will co-plan one "
                                                 "research unit with the librarian, up from 35%, to support "
                                                 "the campus literacy goal.",
                                  measurable="co-planning log"))[0]
    assert "✓ Measurable" in strong.lines and "✓ Time-bound" in strong.lines and "✓ Relevant" in strong.lines


def test_elevator_speech_assembles_and_times(s):
    ws = s.worksheet("goal")
    p = derived.panels(ws, a(ws, who="Libraries build readers.", story="word " * 116))[1]
    assert p.body.startswith("Libraries build readers.\n\nword word")
    assert p.lines[0] == "119 words ≈ 60 seconds at 120 words a minute."
    assert p.lines[1] == "Within 30–60 seconds: good length."


def test_year_end_summary_draws_on_other_sessions(s):
    doc = json.loads((SAMPLE / "answers" / "mquillfeather.json").read_text())
    answers = {k: v["value"] for k, v in doc["answers"].items()}
    p = derived.year_end_summary(s.worksheet("goal"), s.worksheet("goal").derived[2], answers)
    assert "On the Leading Edge of Visioning" in p.body
    vision = answers.get("visioning.mission_vision.vision")
    if vision:
        assert vision[:100] in p.body


def test_panels_are_escaped_in_renders(s):
    ws = s.worksheet("goal")
    out = render.worksheet_html(ws, a(ws, who="<script>x()</script>"))
    assert "<script>" not in out and "&lt;script&gt;x()&lt;/script&gt;" in out
    assert r"\<script\>" in render.worksheet_markdown(ws, a(ws, who="<script>x()</script>"))


@pytest.mark.parametrize("ws", [w for s_ in defs.sessions() for w in s_.worksheets], ids=lambda w: w.key)
def test_every_real_worksheet_renders_empty_and_with_sample_answers(ws):
    render.worksheet_html(ws, {})
    for f in sorted((SAMPLE / "answers").glob("*.json"))[:6]:
        doc = json.loads(f.read_text())
        render.worksheet_html(ws, {k: v["value"] for k, v in doc["answers"].items()})


def test_dollar_signs_in_answers_are_text_not_maths():
    """matplotlib reads "$…$" as maths: "$5 to $10" would print as an italic "5 to " in the chart."""
    ws = defs.worksheet("visioning.strategic_plan")
    rows = [{"action": "Ask for $5 to $10 per student", "start": "2025-09-01", "due": "2025-10-01",
             "goal": "Budget: $2,000 and $500"}]
    drawn = charts.draw(ws, {"visioning.strategic_plan.rows": rows})
    svg = re.sub(r"<!--.*?-->", "", drawn.svg().decode("utf-8"), flags=re.S)  # matplotlib notes each text
    drawn_text = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert "Ask for $5 to $10 per student" in drawn_text and "Budget: $2,000 and $500" in drawn_text
    assert drawn.png()[:4] == b"\x89PNG"
