"""Every worksheet of every session: saves, comes back after a restart, shows in the summary.
Plus the sessions' bad-input cases: out-of-range ratings, empty tables, unrated stakeholders,
words in number columns."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from llc_exercises.core import definitions as defs
from llc_exercises.core.schema import AnswerValueError
from llc_exercises.core.store import AnswerStore
from llc_exercises.documents import charts, render
from llc_exercises.participant.controls import MultiChoiceControl, TableControl
from llc_exercises.participant.widgets import WorksheetView

WORKSHEETS = [w for s in defs.sessions() for w in s.worksheets]


def fill(control, tag: str):
    """Operate a control as a participant would; return the JSON value it should save."""
    f = control.field
    if isinstance(control, TableControl):
        control.add_row()
        return [*control.get()[:-1], {c.field.id: fill(c, f"{tag}-{c.field.id}") for c in control.rows[-1]}]
    if isinstance(control, MultiChoiceControl):
        control.boxes[-1].value = True
        return [f.options[-1]]
    if f.type in ("short_text", "long_text"):
        control.input.value = f"{tag} <i>text</i>"
        return control.input.value
    if f.type == "choice":
        control.input.value = f.options[-1]
        return f.options[-1]
    if f.type == "scale":
        control.input.value = 2
        return 2
    if f.type == "number":
        n = int(f.min or 0) + 7
        control.input.value = str(n)
        return n
    if f.type == "date":
        control.input.value = dt.date(2026, 4, 15)
        return "2026-04-15"
    raise AssertionError(f.type)


@pytest.mark.parametrize("ws", WORKSHEETS, ids=lambda w: w.key)
def test_worksheet_saves_reloads_and_shows_in_summary(tmp_path, ws):
    path = tmp_path / "p.json"
    view = WorksheetView(ws, AnswerStore(path))
    expected = {f.key: fill(view.controls[f.id], f.id) for f in ws.fields}
    view.flush()
    on_disk = {k: v["value"] for k, v in json.loads(path.read_text())["answers"].items()}
    assert on_disk == expected
    again = WorksheetView(ws, AnswerStore(path))  # what re-running the cell after a restart builds
    assert {f.key: again.controls[f.id].get() for f in ws.fields} == expected
    html = render.session_html(defs.session(ws.session), AnswerStore(path))
    for f in ws.fields:
        if f.type in ("short_text", "long_text"):
            assert render.esc(expected[f.key]) in html


RESTART_CODE = """
from llc_exercises.core import definitions as defs
from llc_exercises.core.identity import current_store
from llc_exercises.participant.widgets import WorksheetView
views = [WorksheetView(w, current_store()) for s in defs.sessions() for w in s.worksheets]
"""


def test_every_session_survives_a_kernel_restart(tmp_path, monkeypatch):
    """One real kernel: type into the first text box of every worksheet, restart, re-run, read back."""
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LLC_PARTICIPANT", "all-sessions")
    typing = ("for v in views:\n"
              "    c = next((c for c in v.controls.values() if c.field.type in ('short_text', 'long_text')), None)\n"
              "    if c is not None:\n"
              "        c.input.value = 'restart check ' + v.worksheet.key\n")
    reading = ("import json\nprint(json.dumps({v.worksheet.key: next((c.input.value for c in v.controls.values()"
               " if c.field.type in ('short_text', 'long_text')), None) for v in views}))")
    with_text = [w.key for w in WORKSHEETS if any(f.type in ("short_text", "long_text") for f in w.fields)]
    km, kc = start_new_kernel(kernel_name="python3")
    out = []
    try:
        def run(code):
            reply = kc.execute_interactive(code, timeout=120, output_hook=out.append)
            assert reply["content"]["status"] == "ok", reply["content"]

        run(RESTART_CODE + typing)
        # Wait until every save is on disk (25 forms saving at once take longer than one keystroke;
        # the 1-second promise is tested per form in test_widgets), then kill the kernel hard.
        answers = tmp_path / "answers" / "all-sessions.json"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            saved = json.loads(answers.read_text()) if answers.exists() else {"answers": {}}
            if sum(v["value"].startswith("restart check") for v in saved["answers"].values()
                   if isinstance(v["value"], str)) == len(with_text):
                break
            time.sleep(0.2)
        km.restart_kernel(now=True)
        kc.wait_for_ready(timeout=60)
        out.clear()
        run(RESTART_CODE + reading)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    shown = json.loads("".join(m["content"].get("text", "") for m in out if m["msg_type"] == "stream"))
    assert {s.split(".")[0] for s in with_text} == {s.id for s in defs.sessions()}
    for key in with_text:
        assert shown[key] == f"restart check {key}"


# ---- bad input in the sessions ---------------------------------------------------------------
def test_words_in_pd_hours_are_reported_and_nothing_is_lost(tmp_path):
    ws = defs.worksheet("opportunity.pd_log")
    store = AnswerStore(tmp_path / "p.json")
    view = WorksheetView(ws, store)
    log = view.controls["log"]
    hours = [c for c in log.rows[0] if c.field.id == "hours"][0]
    hours.input.value = "3"
    view.flush()
    log.add_row()
    bad = [c for c in log.rows[1] if c.field.id == "hours"][0]
    bad.input.value = "two hours"
    view.flush()
    assert "row 2" in bad.error.value and "is not a number" in bad.error.value  # marked at the cell
    assert "row 2" in view.status.value and "Saved, except" in view.status.value  # and named in the save line
    saved = store.get("opportunity.pd_log.log")
    assert [r["hours"] for r in saved] == [3, None]  # the good row stayed saved; the new row, without the bad cell
    assert "3 hours logged" in charts.draw(ws, store).alt  # the chart still draws
    with pytest.raises(AnswerValueError, match="column 'hours'"):
        store.set("opportunity.pd_log.log", [{"hours": "two"}])


def test_ratings_out_of_range_are_refused_with_the_key_named(tmp_path):
    store = AnswerStore(tmp_path / "p.json")
    table = defs.field_for_key("relationships.stakeholders.rows")
    power = table.column("power")
    with pytest.raises(AnswerValueError, match=r"relationships\.stakeholders\.rows' row 1 column 'power'"):
        store.set(table.key, [{"stakeholder": "Principal", "power": len(power.levels) + 1}])
    assert not store.path.exists()


def test_unrated_stakeholders_are_plotted_as_not_yet_rated():
    ws = defs.worksheet("relationships.stakeholders")
    rows = [dict(r) for r in ws.field("rows").seed_rows]
    rows[0].update(power=5, interest=5)
    drawn = charts.draw(ws, {ws.field("rows").key: rows})
    assert f"Manage closely: {rows[0]['stakeholder']}" in drawn.alt
    assert "not yet rated: " + rows[1]["stakeholder"] in drawn.alt
    assert drawn.png()[:4] == b"\x89PNG"


@pytest.mark.parametrize("ws", [w for w in WORKSHEETS if w.chart], ids=lambda w: w.key)
def test_charts_render_with_empty_tables(ws):
    for value in (None, []):
        drawn = charts.draw(ws, {ws.field(ws.chart.field).key: value})
        assert drawn.png()[:4] == b"\x89PNG" and drawn.alt


def test_panels_reading_another_worksheet_follow_its_saves(tmp_path):
    """Rating a stakeholder updates the engagement plan's strategy panel without re-running it."""
    store = AnswerStore(tmp_path / "p.json")
    grid = WorksheetView(defs.worksheet("relationships.stakeholders"), store)
    plan = WorksheetView(defs.worksheet("relationships.engagement_plan"), store)
    assert plan.reads_other_worksheets and not grid.reads_other_worksheets
    assert "Manage closely" not in plan.panels.value
    first = grid.controls["rows"].rows[0]
    name = first[0].input.value
    for cell in first:
        if cell.field.id in ("power", "interest"):
            cell.input.value = len(cell.field.levels)
    grid.flush()
    assert f"Manage closely: {render.esc(name)}" in plan.panels.value
