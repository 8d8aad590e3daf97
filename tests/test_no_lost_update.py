"""No lost update: the store's version check (two writers, two processes), a form told when its
answer changed elsewhere, partial tables, what the browser kept put back, and forms that follow an
upload. The same in real browsers: tests/test_never_lose_a_word.py."""
from __future__ import annotations

import json
import multiprocessing
import threading
import time

import pytest
from test_carry import PID, doc, upload
from test_carry import store as store  # noqa: F401,PLW0127 - the fixture, for this module too

from llc_exercises.core import definitions as defs
from llc_exercises.core.store import AnswerStore
from llc_exercises.participant import carry
from llc_exercises.participant.guard import fingerprint
from llc_exercises.participant.widgets import WorksheetView

WHY = "visioning.core_beliefs.why"
ROWS = "visioning.strategic_plan.rows"
BELIEFS = "visioning.core_beliefs.beliefs"
LATER = "2099-01-01T10:42:00.000+00:00"


def form(store, key):
    return WorksheetView(defs.worksheet(key), AnswerStore(store.path), delay=60)  # saved by flush()


def on_disk(store, key):
    return json.loads(store.path.read_text(encoding="utf-8"))["answers"].get(key, {}).get("value")


# ---- the store ----------------------------------------------------------------------------------
def test_save_refuses_an_answer_changed_since_the_form_loaded_it(store):
    store.set(WHY, "loaded")
    loaded = store.updated(WHY)
    AnswerStore(store.path).set(WHY, "saved in another tab")
    result = store.save({WHY: "typed over the old text"}, {WHY: loaded})
    assert on_disk(store, WHY) == "saved in another tab"
    assert result.conflicts[WHY].value == "saved in another tab" and not result.versions
    # against the current version it saves, and the new version is a later stamp
    current = store.updated(WHY)
    result = store.save({WHY: "now on purpose"}, {WHY: current})
    assert on_disk(store, WHY) == "now on purpose" and result.versions[WHY] > current


def test_an_answer_saved_twice_in_one_millisecond_gets_two_versions(store):
    stamps = set()
    for i in range(30):
        store.set(WHY, f"v{i}")
        stamps.add(store.updated(WHY))
    assert len(stamps) == 30


def test_the_same_text_typed_in_two_tabs_is_no_conflict(store):
    store.set(WHY, "old")
    loaded = store.updated(WHY)
    AnswerStore(store.path).set(WHY, "same words")
    result = store.save({WHY: "same words"}, {WHY: loaded})
    assert not result.conflicts and result.versions[WHY] == store.updated(WHY)


def _second_writer(path, loaded, ready, go, out):
    s = AnswerStore(path)
    ready.set()
    go.wait(30)
    out.put(bool(s.save({WHY: "from process B"}, {WHY: loaded}).conflicts))


def test_two_processes_saving_over_one_version_only_one_wins(store):
    store.set(WHY, "loaded by both")
    loaded = store.updated(WHY)
    ctx = multiprocessing.get_context("spawn")
    ready, go, out = ctx.Event(), ctx.Event(), ctx.Queue()
    other = ctx.Process(target=_second_writer, args=(store.path, loaded, ready, go, out))
    other.start()
    assert ready.wait(60)
    go.set()
    mine = bool(store.save({WHY: "from process A"}, {WHY: loaded}).conflicts)
    theirs = out.get(timeout=60)
    other.join(60)
    assert sorted([mine, theirs]) == [False, True]  # exactly one refused
    assert on_disk(store, WHY) == ("from process B" if mine else "from process A")


# ---- the form -----------------------------------------------------------------------------------
def test_a_save_that_starts_while_the_last_one_is_still_writing_is_no_conflict(store):
    """On a slow disk the autosave timer can fire again while the previous save is still writing.
    The second save must start from the version the first one wrote, not from the one before it,
    or the form takes its own earlier save for another window's and shows the older text."""
    view = form(store, "visioning.core_beliefs")
    box = view.controls["why"].input
    box.value = "the first half"
    with view.store._thread_lock:  # the disk is slow: the first save waits at the store
        first = threading.Thread(target=view.flush)
        first.start()
        time.sleep(0.2)
        box.value = "the first half and the rest"
        second = threading.Thread(target=view.flush)
        second.start()
        time.sleep(0.2)
    first.join(5), second.join(5)
    assert on_disk(store, WHY) == "the first half and the rest"
    assert box.value == "the first half and the rest"
    assert "All changes saved" in view.status.value and view.notice.children == ()


def test_an_older_tab_is_told_and_shows_the_newer_answer_keeping_what_was_typed(store):
    store.set(WHY, "first draft")
    older, newer = form(store, "visioning.core_beliefs"), form(store, "visioning.core_beliefs")
    newer.controls["why"].input.value = "B's words, saved first"
    newer.flush()
    older.controls["why"].input.value = "first draft plus A's <word>"
    older.flush()
    assert on_disk(store, WHY) == "B's words, saved first"
    assert "Changed in another window at" in older.status.value and "kept below" in older.status.value
    assert older.controls["why"].input.value == "B's words, saved first"
    kept = older.notice.children[0].value
    assert "first draft plus A&#x27;s &lt;word&gt;" in kept  # escaped, there to copy
    # the participant chooses their own text: it is saved over the newer answer, knowingly
    use = older.notice.children[1].children[0]
    assert use.description == "Use my text instead"
    use.click()
    older.flush()
    assert on_disk(store, WHY) == "first draft plus A's <word>" and older.notice.children == ()


def test_an_older_tab_editing_a_table_keeps_the_newer_rows(store):
    older, newer = form(store, "visioning.core_beliefs"), form(store, "visioning.core_beliefs")
    newer.controls["beliefs"].rows[0][0].input.value = "Row saved in tab B"
    newer.controls["beliefs"].add_row({"belief": "Second row from B"})
    newer.flush()
    older.controls["beliefs"].rows[0][0].input.value = "Typed in tab A"
    older.flush()
    assert [r["belief"] for r in on_disk(store, BELIEFS)] == ["Row saved in tab B", "Second row from B"]
    assert [r[0].input.value for r in older.controls["beliefs"].rows] == ["Row saved in tab B", "Second row from B"]
    assert "Typed in tab A" in older.notice.children[0].value
    # typing on in the refreshed table now saves over the newer rows, not the stale one
    older.controls["beliefs"].rows[1][0].input.value = "Second row, edited in A"
    older.flush()
    assert [r["belief"] for r in on_disk(store, BELIEFS)] == ["Row saved in tab B", "Second row, edited in A"]


def test_a_bad_cell_does_not_hold_back_the_rest_of_the_table(store):
    v = form(store, "visioning.strategic_plan")
    table = v.controls["rows"]
    table.add_row()
    table.add_row()
    for i, goal in enumerate(["Goal one", "Goal two", "Goal three"]):
        table.rows[i][0].input.value = goal
    cost = next(c for c in table.rows[0] if c.field.id == "cost")
    next(c for c in table.rows[1] if c.field.id == "cost").input.value = "lots"
    cost.input.value = "120"
    v.flush()
    rows = on_disk(store, ROWS)
    assert [r["goal"] for r in rows] == ["Goal one", "Goal two", "Goal three"]
    assert rows[0]["cost"] == 120 and rows[1]["cost"] is None
    assert "row 2" in v.status.value and "lots" in v.status.value and "Saved, except" in v.status.value
    bad = next(c for c in table.rows[1] if c.field.id == "cost")
    assert "Not saved" in bad.error.value and cost.error.value == ""
    # a later bad value keeps the cell's last good value on disk
    cost.input.value = "a hundred"
    table.rows[2][0].input.value = "Goal three, edited"
    v.flush()
    rows = on_disk(store, ROWS)
    assert rows[0]["cost"] == 120 and rows[2]["goal"] == "Goal three, edited"


class Browser:
    """What the guard's script sends and receives, for the kernel half (the script itself is tested in
    Chromium, tests/test_never_lose_a_word.py)."""

    def __init__(self, view):
        self.sent = []
        view.guard.send = lambda content, buffers=None: self.sent.append(content)
        self.view = view

    def restore(self, entries):
        self.view.guard.handle_message(None, {"restore": entries}, [])
        self.view.flush()


def test_typing_kept_by_the_browser_is_put_back_and_saved(store):
    store.set(WHY, "saved before the app stopped")
    v = form(store, "visioning.core_beliefs")
    browser = Browser(v)
    base = store.updated(WHY)
    browser.restore({WHY: {"v": "typed while the app was down", "base": base, "at": "2026-12-07T10:00:00Z"},
                     f"{BELIEFS}#1#belief": {"v": "a second row, typed offline", "base": None, "at": "x"}})
    assert on_disk(store, WHY) == "typed while the app was down"
    assert [r["belief"] for r in on_disk(store, BELIEFS)][-1] == "a second row, typed offline"
    assert "Put back what you typed" in v.status.value
    saved = [m for m in browser.sent if "saved" in m]
    assert saved and saved[-1]["saved"][WHY] == "typed while the app was down"  # the browser forgets it


def test_typing_kept_over_an_answer_changed_since_is_offered_not_saved(store):
    store.set(WHY, "version the page had")
    base = store.updated(WHY)
    store.set(WHY, "changed in another window meanwhile")
    v = form(store, "visioning.core_beliefs")
    browser = Browser(v)
    browser.restore({WHY: {"v": "typed offline", "base": base, "at": "2026-12-07T10:00:00+00:00"}})
    assert on_disk(store, WHY) == "changed in another window meanwhile"
    text, buttons = v.notice.children
    assert "typed offline" in text.value and "has changed since" in text.value
    keep = buttons.children[1]
    assert keep.description == "Keep the saved answer"
    keep.click()
    assert {"drop": [WHY]} in browser.sent and v.notice.children == ()
    assert on_disk(store, WHY) == "changed in another window meanwhile"


def test_kept_typing_is_saved_when_the_kernel_died_before_the_page_heard_its_last_save(store):
    # The kernel saved "Saved in JupyterLab." and was restarted before the page learnt the new
    # version: the browser's entry still names the version before it, but the text it was typed
    # over is exactly what is on disk, so nothing was changed elsewhere and it is saved.
    store.set(WHY, "Saved in JupyterLab.")
    v = form(store, "visioning.core_beliefs")
    browser = Browser(v)
    trail = [fingerprint(t) for t in ("", "Saved in JupyterLab.", "Saved in JupyterLab. Typed")]
    browser.restore({WHY: {"v": "Saved in JupyterLab. Typed with no kernel.", "base": None,
                           "trail": trail, "at": "2026-12-07T10:00:00Z"}})
    assert on_disk(store, WHY) == "Saved in JupyterLab. Typed with no kernel."
    assert v.notice.children == ()


@pytest.mark.parametrize("trail", [["Saved in JupyterLab."], None])
def test_kept_typing_over_other_text_than_on_disk_is_still_offered(store, trail):
    store.set(WHY, "Changed in another window meanwhile.")
    v = form(store, "visioning.core_beliefs")
    browser = Browser(v)
    browser.restore({WHY: {"v": "Saved in JupyterLab. Typed with no kernel.", "base": "an older version",
                           "trail": trail and [fingerprint(t) for t in trail], "at": "2026-12-07T10:00:00Z"}})
    assert on_disk(store, WHY) == "Changed in another window meanwhile."
    assert "Typed with no kernel" in v.notice.children[0].value


def test_kept_typing_that_reached_the_file_is_just_forgotten(store):
    store.set(WHY, "already saved")
    v = form(store, "visioning.core_beliefs")
    browser = Browser(v)
    browser.restore({WHY: {"v": "already saved", "base": "an older version", "at": ""}})
    assert v.notice.children == () and browser.sent[-1]["saved"] == {WHY: "already saved"}


def test_a_ping_is_answered(store):
    v = form(store, "visioning.core_beliefs")
    browser = Browser(v)
    v.guard.handle_message(None, {"ping": 7}, [])
    assert browser.sent == [{"pong": 7}]


def test_every_box_carries_its_path_for_the_browser(store):
    v = form(store, "visioning.strategic_plan")
    cells = v.controls["rows"].cells()
    assert f"{ROWS}#0#goal" in cells and f"{ROWS}#0#start" in cells
    goal = v.controls["rows"].rows[0][0]
    assert f"llc-p-{ROWS}#goal" in goal.input._dom_classes
    assert "llc-p-visioning.strategic_plan.budget" in v.controls["budget"].input._dom_classes


# ---- uploads and open forms ---------------------------------------------------------------------
def test_an_upload_updates_the_open_forms_and_typing_keeps_the_merge(store):
    v = form(store, "visioning.core_beliefs")
    later = "2099-01-01T00:00:00.000+00:00"
    carry_form = carry.carry_form(store)
    upload(carry_form, doc({BELIEFS: ([{"belief": "Merged one"}, {"belief": "Merged two"}], later)}, {"id": PID}))
    assert [r[0].input.value for r in v.controls["beliefs"].rows] == ["Merged one", "Merged two"]
    v.controls["beliefs"].add_row({"belief": "Typed after the upload"})
    v.flush()
    assert [r["belief"] for r in on_disk(store, BELIEFS)] == ["Merged one", "Merged two", "Typed after the upload"]
    assert "forms on this page now show the merged answers" in carry_form.result.value


def test_undo_of_the_last_upload_survives_a_reload(store):
    store.set(WHY, "mine")
    before = store.path.read_bytes()
    first = carry.carry_form(store)
    upload(first, doc({WHY: ("from the laptop", LATER)}, {"id": PID}))
    assert on_disk(store, WHY) == "from the laptop"
    reloaded = carry.carry_form(store)  # the page was reloaded: a new form, a new kernel
    assert reloaded.undo.layout.display is None and "can still be undone" in reloaded.result.value
    reloaded.undo.click()
    assert store.path.read_bytes() == before
    assert not carry.undo_path(store).exists()
    assert carry.carry_form(store).undo.layout.display == "none"


def test_the_upload_button_has_no_file_count_in_its_name(store):
    f = carry.carry_form(store)
    assert f.upload.description == "Upload answers" and "(0)" not in f.upload.description
    assert "(0)" not in carry.UPLOAD_ESM.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", ["a#b", "visioning.core_beliefs.beliefs#x#belief", "nonsense"])
def test_restore_ignores_boxes_that_are_not_in_the_form(store, path):
    v = form(store, "visioning.core_beliefs")
    Browser(v).restore({path: {"v": "x", "base": None, "at": ""}})
    assert not store.path.exists() or on_disk(store, BELIEFS) in (None, [])
