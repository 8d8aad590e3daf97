"""Completing a worksheet with the keyboard alone, in a real browser, from its definition.

The definition says what the form must offer, in order: a labelled box per text, number or date
field, one named radio group per choice or scale, a checkbox per option, and per table row its
cells and *Remove row N*, then *Add a row*. ``complete`` reads the form's Tab stops from the page
and holds them to that list (names and order), then fills every field by keystrokes: it focuses
the form's first control once, and from there only Tab, typing, Space, arrows and Enter. In each
table it adds a row with Enter, removes it again, adds another and fills it, checking where the
focus lands after every key that moves it. It returns the answers the file must now hold.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

from helpers import ROOT

from llc_exercises.core import definitions as defs

# The form's Tab stops, as [kind, accessible name]: a radio group counts once (arrows move inside
# it), hidden and disabled controls not at all. The elements are kept for FOCUSED_JS.
STOPS_JS = """
(root) => {
  const els = [...root.querySelectorAll("input, textarea, select, button")].filter(
    e => !e.disabled && e.tabIndex >= 0 && e.getClientRects().length && e.type !== "file");
  const stops = [], names = [];
  for (const e of els) {
    if (e.type === "radio") {
      const group = e.closest("[role=radiogroup]") || e;
      if (stops.includes(group)) continue;
      const label = document.getElementById(group.getAttribute("aria-labelledby") || "");
      stops.push(group);
      names.push(["radio", label ? label.textContent.trim() : ""]);
      continue;
    }
    let name = "";
    if (e.tagName === "BUTTON") name = e.textContent;
    else if (e.type === "checkbox") name = (e.closest("label") || {}).textContent || "";
    else if (e.id) name = (root.querySelector(`label[for="${e.id}"]`) || {}).textContent || "";
    stops.push(e);
    names.push([e.tagName === "BUTTON" ? "button" : e.type === "checkbox" ? "checkbox" : "text", name.trim()]);
  }
  window.__llcStops = stops;
  return names;
}
"""
# Which of those stops has the focus (-1: none of them).
FOCUSED_JS = """
() => {
  const a = document.activeElement;
  return window.__llcStops.findIndex(s => s === a || (s.getAttribute("role") === "radiogroup" && s.contains(a)));
}
"""


def worksheet_keys(notebook: str) -> list[str]:
    """The worksheets a session notebook shows, in page order (its ``llc.show("…")`` cells)."""
    nb = json.loads((ROOT / "notebooks" / notebook).read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return re.findall(r'llc\.show\("([^"]+)"\)', code)


def field_name(f: defs.Field) -> str:
    return f.label + (f" ({f.unit})" if f.unit else "")


def field_stops(f: defs.Field) -> list[list[str]]:
    if f.type in ("choice", "scale"):
        return [["radio", field_name(f)]]
    if f.type == "multi_choice":
        return [["checkbox", o] for o in f.options]
    return [["text", field_name(f)]]


def expected_stops(ws: defs.Worksheet, rows: dict[str, int]) -> list[list[str]]:
    out: list[list[str]] = []
    for f in ws.fields:
        if f.type != "table":
            out += field_stops(f)
            continue
        for i in range(1, rows[f.id] + 1):
            for c in f.columns:
                out += field_stops(c)
            out.append(["button", f"Remove row {i}"])
        out.append(["button", "Add a row"])
    return out


class Keyboard:
    """Keystrokes into one worksheet form, checking where the focus goes."""

    def __init__(self, page, root, tag: str):
        self.page, self.root, self.tag = page, root, tag
        self.keys = page.keyboard
        self.typed = 0

    def focused_stop(self) -> list[str] | None:
        names = self.root.evaluate(STOPS_JS)
        at = self.page.evaluate(FOCUSED_JS)
        return names[at] if at >= 0 else None

    def expect(self, stop: list[str], why: str) -> None:
        got = self.focused_stop()
        if got != stop:
            html = self.page.evaluate("() => document.activeElement.outerHTML.slice(0, 300)")
            raise AssertionError(f"{why}: the focus is on {got}, expected {stop} ({html})")

    def tab_from(self, f: defs.Field) -> None:
        """Tab off a filled control (a date box holds a Tab per segment: month, day, year)."""
        self.page.evaluate("() => { window.__llcLeft = document.activeElement; }")
        for _ in range(5 if f.type == "date" else 1):
            self.keys.press("Tab")
            if self.page.evaluate("() => document.activeElement !== window.__llcLeft"):
                break

    def fill(self, f: defs.Field, row: int = 0):
        """Fill the control that has the focus (a multi-choice: from its first box, by Tab);
        returns the answer it should save."""
        kb = self.keys
        if f.type in ("short_text", "long_text"):
            self.typed += 1  # every box gets different text: a swap would show in the file
            text = f"{self.tag}{self.typed} <i>&</i>✓"
            kb.press("Control+A")  # a seeded row's text is replaced, not appended to
            kb.type(text)
            return text
        if f.type == "number":
            n = int(f.min or 0) + 3 + row
            n = min(n, int(f.max)) if f.max is not None else n
            kb.press("Control+A")
            kb.type(str(n))
            return n
        if f.type == "date":
            day = 10 + row
            kb.type(f"03{day}2027")  # Chromium's date box takes month, day and year in turn
            return f"2027-03-{day}"
        if f.type in ("choice", "scale"):
            count = len(f.options) if f.type == "choice" else len(f.levels)
            want = (1 + row) % count
            checked = self.page.evaluate(
                "() => [...document.activeElement.closest('[role=radiogroup]').querySelectorAll('input')]"
                ".findIndex(i => i.checked)")
            if checked < 0 and want == 0:
                kb.press("Space")
            else:
                start = max(checked, 0)
                for _ in range(abs(want - start) if checked >= 0 else want):
                    kb.press("ArrowDown" if want >= start else "ArrowUp")
            return f.options[want] if f.type == "choice" else want + 1
        if f.type == "multi_choice":
            chosen = [f.options[0], f.options[-1]] if len(f.options) > 1 else [f.options[0]]
            for i, option in enumerate(f.options):
                if i:
                    kb.press("Tab")
                    self.expect(["checkbox", option], f"{f.key}: Tab to option {i + 1}")
                if option in chosen:
                    kb.press("Space")
            return chosen
        raise AssertionError(f"no keyboard filler for {f.type}")

    def fill_table(self, table, f: defs.Field) -> list[dict]:
        """From the focused first cell: fill every row; then add a row with Enter, remove it with
        Enter on its Remove button, add another and fill it. Leaves the focus on Add a row."""
        n = table.locator(".llc-row").count()
        rows = [self.fill_row(f, r) for r in range(n)]
        self.keys.press("Enter")  # on Add a row
        self.wait_focus_in_new_row(table, f, n + 1)
        for c in f.columns:  # along the empty row to its Remove button
            self.expect(field_stops(c)[0], f"{f.key}: Tab along a new row")
            self.tab_from(c)
        self.expect(["button", f"Remove row {n + 1}"], f"{f.key}: Tab along a new row")
        self.keys.press("Enter")
        _wait(lambda: table.locator(".llc-row").count() == n, f"{f.key}: Enter on Remove row removed nothing")
        _wait(lambda: self.focused_stop() == ["button", "Add a row"],
              f"{f.key}: after removing the last row the focus is not on Add a row ({self.focused_stop()})")
        self.keys.press("Enter")
        self.wait_focus_in_new_row(table, f, n + 1)
        rows.append(self.fill_row(f, n))
        self.expect(["button", "Add a row"], f"{f.key}: Tab from Remove row {n + 1}")
        return rows

    def fill_row(self, f: defs.Field, r: int) -> dict:
        """Fill row ``r`` (0-based) from its first cell, ending on the stop after its Remove button."""
        row = {}
        for c in f.columns:
            self.expect(field_stops(c)[0], f"{f.key} row {r + 1}")
            row[c.id] = self.fill(c, r)
            self.tab_from(c)
        self.expect(["button", f"Remove row {r + 1}"], f"{f.key} row {r + 1}: after the last cell")
        self.keys.press("Tab")
        return row

    def wait_focus_in_new_row(self, table, f: defs.Field, count: int) -> None:
        _wait(lambda: table.locator(".llc-row").count() == count, f"{f.key}: Enter on Add a row added no row")
        _wait(lambda: table.evaluate(
            "(t) => { const rows = t.querySelectorAll('.llc-row'); const last = rows[rows.length - 1];"
            " return last.querySelector('input, textarea, select, button') === document.activeElement; }"),
            f"{f.key}: after Add a row the focus is not on the new row's first box")


def complete(page, root, ws: defs.Worksheet, tag: str) -> dict:
    """Fill every field of the worksheet form ``root`` by keyboard; returns {answer key: value}."""
    tables = [f for f in ws.fields if f.type == "table"]
    table_el = {f.id: root.locator(".llc-rows").nth(i) for i, f in enumerate(tables)}
    rows = {fid: t.locator(".llc-row").count() for fid, t in table_el.items()}
    want = expected_stops(ws, rows)
    assert root.evaluate(STOPS_JS) == want, f"{ws.key}: the form's Tab stops (kind, name) differ from its definition"
    kb = Keyboard(page, root, tag)
    # the one programmatic step: focus the first control, as a click or a Tab from above would
    page.evaluate("() => { const s = window.__llcStops[0];"
                  " (s.getAttribute('role') === 'radiogroup' ? s.querySelector('input:checked, input') : s).focus(); }")
    answers: dict = {}
    for i, f in enumerate(ws.fields):
        if f.type == "table":
            answers[f.key] = kb.fill_table(table_el[f.id], f)
        else:
            kb.expect(field_stops(f)[0], f"{ws.key}: Tab to {f.id}")
            answers[f.key] = kb.fill(f)
        if i < len(ws.fields) - 1:
            kb.tab_from(f)
    return answers


def _wait(predicate, message: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.1)


def wait_for_answers(path: Path, expected: dict, timeout: float = 20) -> dict:
    """Autosave is asynchronous: the answers on disk once they equal ``expected`` (else the last
    read, for the caller's assertion to show the difference)."""
    deadline = time.monotonic() + timeout
    got: dict = {}
    while time.monotonic() < deadline:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            got = {k: doc["answers"].get(k, {}).get("value") for k in expected}
        except (FileNotFoundError, ValueError):
            pass
        if got == expected:
            break
        time.sleep(0.2)
    return got


def assert_named_for_screen_readers(root, ws: defs.Worksheet) -> None:
    """What a screen reader is told, computed by the browser's own accessibility rules (Playwright's
    role queries): each question names its box or group, each table row says which row it is, and
    the save line is a live status region."""
    def one(role: str, name: str) -> None:
        assert root.get_by_role(role, name=name, exact=True).count() >= 1, f"{ws.key}: no {role} named {name!r}"

    def scalar(f: defs.Field) -> None:
        if f.type in ("choice", "scale"):
            one("radiogroup", field_name(f))
        elif f.type == "multi_choice":
            one("group", f.label)
            for o in f.options:
                one("checkbox", o)
        elif f.type in ("short_text", "long_text", "number"):
            one("textbox", field_name(f))

    for f in ws.fields:
        if f.type == "table":
            one("group", f.label)
            one("group", f"Row 1 of {f.label}")
            for c in f.columns:
                scalar(c)
        else:
            scalar(f)
    status = root.get_by_role("status")
    assert status.count() == 1 and "save" in status.text_content(), f"{ws.key}: no live save status"


def complete_session(page, notebook: str, saved_to: Path, tag: str) -> None:
    """Every worksheet form of an opened session notebook, each checked for what a screen reader
    is told, filled by keyboard and its save announced; then the answers file must hold it all."""
    keys = worksheet_keys(notebook)
    forms = page.locator(".llc-ws")
    assert forms.count() == len(keys)
    typed: dict = {}
    for i, key in enumerate(keys):
        ws = defs.worksheet(key)
        form = forms.nth(i)
        form.scroll_into_view_if_needed()  # JupyterLab skips drawing cells out of view
        assert form.locator("h3").first.text_content() == ws.title
        assert_named_for_screen_readers(form, ws)
        typed.update(complete(page, form, ws, tag))
        form.get_by_role("status").filter(has_text="All changes saved").wait_for(timeout=15_000)
    assert wait_for_answers(saved_to, typed) == typed
