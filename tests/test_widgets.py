"""Live worksheets: a widget's value reaches the file within a second and comes back after restart."""
from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time

import ipywidgets as w
import pytest

from llc_exercises.core import definitions as defs
from llc_exercises.core.store import AnswerStore
from llc_exercises.participant.controls import MultiChoiceControl, TableControl
from llc_exercises.participant.widgets import WorksheetView


def wait_for(predicate, timeout=10.0):
    """Poll until true. Generous on purpose: the 1-second promise is measured by
    scripts/benchmark.py (docs/benchmarks.md), not by a timed test that would flake under load."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def answers_on_disk(path):
    try:
        return {k: v["value"] for k, v in json.loads(path.read_text())["answers"].items()}
    except FileNotFoundError:
        return {}


def view(store, key):
    return WorksheetView(defs.worksheet(key), store)


def test_typing_reaches_the_file_without_an_explicit_save(store):
    v = view(store, "visioning.core_beliefs")
    for partial in ("Stu", "Students first", "Students first, always"):  # keystrokes
        v.controls["why"].input.value = partial
    assert wait_for(lambda: answers_on_disk(store.path).get("visioning.core_beliefs.why")
                    == "Students first, always")
    assert "All changes saved" in v.status.value


def test_every_scalar_type_round_trips_through_the_file(store):
    v = view(store, "visioning.core_beliefs")
    v.controls["strongest_role"].input.value = "Instructional partner to teachers"
    fnd = v.controls["foundations"]
    assert isinstance(fnd, MultiChoiceControl)
    fnd.boxes[0].value = True
    fnd.boxes[3].value = True
    md = view(store, "visioning.mission_vision")
    md.controls["drafted_on"].input.value = dt.date(2025, 10, 7)
    cp = view(store, "visioning.communication_plan")
    cp.controls["confidence"].input.value = 4
    sp = view(store, "visioning.strategic_plan")
    sp.controls["budget"].input.value = "1,250"
    for x in (v, md, cp, sp):
        x.flush()
    disk = answers_on_disk(store.path)
    assert disk["visioning.core_beliefs.strongest_role"] == "Instructional partner to teachers"
    assert disk["visioning.core_beliefs.foundations"] == ["Inquire", "Curate"]
    assert disk["visioning.mission_vision.drafted_on"] == "2025-10-07"
    assert disk["visioning.communication_plan.confidence"] == 4
    assert disk["visioning.strategic_plan.budget"] == 1250
    # a fresh view (re-running the cell) shows exactly what was saved
    again = view(AnswerStore(store.path), "visioning.core_beliefs")
    assert again.controls["strongest_role"].input.value == "Instructional partner to teachers"
    assert [b.value for b in again.controls["foundations"].boxes] == [True, False, False, True, False, False]
    assert view(AnswerStore(store.path), "visioning.mission_vision").controls["drafted_on"].input.value \
        == dt.date(2025, 10, 7)
    assert view(AnswerStore(store.path), "visioning.strategic_plan").controls["budget"].input.value == "1250"


def test_rows_can_be_added_and_removed(store):
    v = view(store, "visioning.strategic_plan")
    table = v.controls["rows"]
    assert isinstance(table, TableControl) and len(table.rows) == 1  # min_rows
    table.rows[0][0].input.value = "Goal A"
    table.add_row()
    table.add_row()
    table.rows[1][0].input.value = "Goal B"
    table.rows[2][0].input.value = "Goal C"
    table.rows[2][4].input.value = dt.date(2026, 2, 1)
    v.flush()
    assert [r["goal"] for r in AnswerStore(store.path).get("visioning.strategic_plan.rows")] == \
        ["Goal A", "Goal B", "Goal C"]
    table.remove_row(1)
    assert [b.description for b in table._remove_buttons] == ["Remove row 1", "Remove row 2"]
    v.flush()
    rows = AnswerStore(store.path).get("visioning.strategic_plan.rows")
    assert [r["goal"] for r in rows] == ["Goal A", "Goal C"] and rows[1]["start"] == "2026-02-01"
    again = view(AnswerStore(store.path), "visioning.strategic_plan").controls["rows"]
    assert [r[0].input.value for r in again.rows] == ["Goal A", "Goal C"]


def test_bad_number_is_reported_and_the_saved_answer_kept(store):
    v = view(store, "visioning.strategic_plan")
    v.controls["budget"].input.value = "900"
    v.flush()
    v.controls["budget"].input.value = "nine hundred"
    v.flush()
    assert "is not a number" in v.controls["budget"].error.value
    assert "Not saved" in v.controls["budget"].error.value
    assert AnswerStore(store.path).get("visioning.strategic_plan.budget") == 900
    v.controls["budget"].input.value = "-5"  # parses, but below the field's minimum
    v.flush()
    assert "Not saved" in v.status.value and "minimum" in v.status.value
    assert AnswerStore(store.path).get("visioning.strategic_plan.budget") == 900


def test_seeded_table_starts_with_seed_rows(store):
    table = view(store, "visioning.communication_plan").controls["rows"]
    assert [r[0].input.value for r in table.rows] == ["Principal", "Teachers", "Families"]


def _inputs(widget):
    """Every control a participant can operate, depth first."""
    if isinstance(widget, w.Box):
        for child in widget.children:
            yield from _inputs(child)
    elif isinstance(widget, (w.Text, w.Textarea, w.RadioButtons, w.Checkbox, w.DatePicker, w.Button)):
        yield widget


@pytest.mark.parametrize("ws", [w.key for s in defs.sessions() for w in s.worksheets])
def test_every_control_has_a_visible_label(store, ws):
    v = view(store, ws)
    controls = list(_inputs(v.widget))
    assert controls
    for c in controls:
        assert c.description.strip(), f"{ws}: a {type(c).__name__} has no label"
        if isinstance(c, w.Button):
            assert c.tooltip
        else:
            assert c.style.description_width in ("initial", "")  # label shown in full, not clipped


def test_chart_in_the_form_redraws_after_saving(store):
    v = view(store, "visioning.strategic_plan")
    assert 'alt="' in v.chart.value and "no dated plan rows" in v.chart.value
    t = v.controls["rows"]
    t.rows[0][2].input.value = "Launch book club"
    t.rows[0][4].input.value = dt.date(2026, 1, 5)
    t.rows[0][5].input.value = dt.date(2026, 2, 5)
    v.flush()
    alt = re.search(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)"', v.chart.value)
    assert alt and "1 actions under 1 goal(s)" in alt.group(2)  # a screen reader hears the chart
    assert base64.b64decode(alt.group(1))[:4] == b"\x89PNG"


KERNEL_CODE = """
from llc_exercises.core import definitions as defs
from llc_exercises.core.identity import current_store
from llc_exercises.participant.widgets import WorksheetView
v = WorksheetView(defs.worksheet("visioning.core_beliefs"), current_store())
"""


def test_answers_survive_a_kernel_restart(tmp_path, monkeypatch):
    """Type into the form in a real kernel, restart it, re-run the cell: the answer is back."""
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LLC_PARTICIPANT", "restart-test")
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        def run(code):
            reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: outputs.append(m))
            assert reply["content"]["status"] == "ok", reply["content"]

        outputs = []
        run(KERNEL_CODE + "v.controls['why'].input.value = 'Typed before the restart ✍️ <b>'")
        # The participant pauses; nothing flushes explicitly. Once autosave has written, kill hard.
        answers = tmp_path / "answers" / "restart-test.json"
        assert wait_for(lambda: answers.exists() and "Typed before" in answers.read_text(encoding="utf-8"))
        km.restart_kernel(now=True)
        kc.wait_for_ready(timeout=60)
        outputs.clear()
        run(KERNEL_CODE + "print(repr(v.controls['why'].input.value))")
        printed = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
        assert "'Typed before the restart ✍️ <b>'" in printed
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    saved = json.loads((tmp_path / "answers" / "restart-test.json").read_text())
    assert saved["answers"]["visioning.core_beliefs.why"]["value"] == "Typed before the restart ✍️ <b>"
