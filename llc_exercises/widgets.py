"""Live worksheets: labelled ipywidgets built from a worksheet definition and bound to the store.

Typing is saved after a short pause (``SAVE_DELAY_S``) and at the latest every ``MAX_WAIT_S`` while
typing goes on, so a change is on disk within a second of the last keystroke without an fsync per
key. Values that do not fit (a word in a number box) are reported beside the control and never
written, so the last good answer stays on disk.
"""
from __future__ import annotations

import atexit
import base64
import datetime as dt
import html
import threading
import time
import weakref

import ipywidgets as w

from . import a11y, render
from . import definitions as defs
from .schema import AnswerValueError
from .store import AnswerFileError, AnswerStore

SAVE_DELAY_S = 0.4
MAX_WAIT_S = 2.0

# Stacks each description label above its control and lets it wrap, so long prompts stay fully
# visible while remaining the control's associated <label>. Shipped inside an HTML widget because
# widget HTML is not sanitised, unlike <style> in an ordinary output.
CSS = """<style>
.llc-ws { border-left: 4px solid #2a6f97; padding: 4px 0 8px 12px; margin: 8px 0; max-width: 60rem; }
.llc-field { flex-direction: column !important; align-items: stretch !important; margin: 6px 0; }
.llc-field > .widget-label { width: auto !important; max-width: none !important; white-space: normal !important;
  overflow: visible !important; text-align: left !important; font-weight: 600; line-height: 1.35; margin-bottom: 2px; }
.llc-field textarea, .llc-field input[type=text] { width: 100%; }
.llc-row { border: 1px solid #ccd; border-radius: 4px; padding: 4px 8px; margin: 4px 0; flex-wrap: wrap; gap: 0 12px; }
.llc-row .llc-field { width: 15rem; }
.llc-instructions { margin: 4px 0 8px 0; line-height: 1.4; max-width: 48rem; }
.llc-help { color: #555; font-size: 0.9em; margin: -2px 0 4px 0; }
.llc-error { color: #a4161a; font-weight: 600; }
.llc-status { color: #2d6a4f; font-size: 0.9em; }
.llc-chart img { max-width: 100%; height: auto; }
/* keyboard users see where they are: JupyterLab's own focus ring is faint on radios and buttons */
.llc-ws :focus-visible { outline: 2px solid #0b4f8a !important; outline-offset: 2px; }
/* Zoom to 200 % and windows 320 px wide (WCAG 1.4.4, 1.4.10). ipywidgets sizes each control for one
   line beside its label (fixed heights and widths); here labels sit above and words wrap, so every
   box grows with its text instead of spilling under the next label (a date picker's box held only
   its input, so the label above pushed it into the next row's label). */
.llc-field { height: auto !important; max-width: 100%; min-width: 0; }
.llc-field > .widget-label { height: auto !important; min-height: var(--jp-widgets-inline-height); }
.llc-ws, .llc-form, .llc-group, .llc-rows, .llc-row { max-width: 100%; box-sizing: border-box; min-width: 0; }
.llc-ws .widget-radio-box label { height: auto; min-height: var(--jp-widgets-radio-item-height); line-height: 1.35;
  padding: 2px 0; white-space: normal; }
.llc-ws .widget-radio-box input { height: 1.35em; line-height: 1.35; }
.llc-ws .widget-checkbox, .llc-form .widget-checkbox { height: auto; min-height: var(--jp-widgets-inline-height);
  width: auto; max-width: 100%; line-height: 1.35; }
.llc-ws .widget-checkbox label, .llc-form .widget-checkbox label { white-space: normal; overflow: visible;
  height: auto; display: flex; align-items: flex-start; }
.llc-ws .widget-checkbox input[type=checkbox], .llc-form .widget-checkbox input[type=checkbox] { flex-grow: 0;
  align-self: flex-start; margin-top: 2px; }
.llc-ws .jupyter-button, .llc-form .jupyter-button { width: auto; max-width: 100%; height: auto;
  min-height: var(--jp-widgets-inline-height); white-space: normal; line-height: 1.3; padding: 4px 10px;
  align-self: flex-start; }
.llc-ws input[type=date] { max-width: 100%; }
</style>"""


def _labelled(widget: w.Widget, f: defs.Field) -> w.Widget:
    widget.description = f.label + (f" ({f.unit})" if f.unit else "")
    widget.style.description_width = "initial"
    widget.layout.width = "100%"
    widget.add_class("llc-field")
    return widget


class Control:
    """One field: ``.widget`` to display, ``.get()`` the JSON value, ``.on_change`` callback."""

    def __init__(self, f: defs.Field, value, on_change):
        self.field, self.on_change = f, on_change
        self.error = w.HTML("")
        self.input = self._build(value)
        parts = [self.input]
        if f.help:
            parts.insert(0, w.HTML(f'<div class="llc-help">{html.escape(f.help)}</div>'))
        parts.append(self.error)
        self.widget = w.VBox(parts) if len(parts) > 1 else self.input
        self._watch()

    def _watch(self):
        self.input.observe(lambda _chg: self.on_change(self), names="value")

    def _build(self, value):
        f = self.field
        if f.type == "short_text":
            return _labelled(w.Text(value=value or "", placeholder=f.placeholder), f)
        if f.type == "long_text":
            return _labelled(w.Textarea(value=value or "", placeholder=f.placeholder, rows=f.rows), f)
        if f.type == "choice":
            return _labelled(w.RadioButtons(options=list(f.options),
                                            value=value if value in f.options else None), f)
        if f.type == "scale":
            opts = [(f.level_label(i), i) for i in range(1, len(f.levels) + 1)]
            return _labelled(w.RadioButtons(options=opts,
                                            value=value if value in range(1, len(opts) + 1) else None), f)
        if f.type == "number":
            return _labelled(w.Text(value="" if value is None else _fmt_number(value),
                                    placeholder="a number"), f)
        if f.type == "date":
            return _labelled(w.DatePicker(value=dt.date.fromisoformat(value) if value else None), f)
        raise AssertionError(f"no scalar control for {f.type}")

    def get(self):
        f, v = self.field, self.input.value
        if f.type == "number":
            text = v.strip().replace(",", "")
            if not text:
                return None
            try:
                num = float(text)
            except ValueError:
                raise AnswerValueError(f"“{v}” is not a number — type digits only, e.g. 250") from None
            return int(num) if num.is_integer() else num
        if f.type == "date":
            return v.isoformat() if v else None
        return v

    def show_error(self, message: str | None):
        self.error.value = f'<div class="llc-error" role="alert">{html.escape(message)}</div>' if message else ""


def _fmt_number(v) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


class MultiChoiceControl(Control):
    def _build(self, value):
        chosen = set(value or ())
        self.boxes = [w.Checkbox(value=o in chosen, description=o, indent=False) for o in self.field.options]
        return _group(self.field.label, self.boxes, layout=w.Layout(margin="6px 0"))

    def _watch(self):
        for b in self.boxes:
            b.observe(lambda _chg: self.on_change(self), names="value")

    def get(self):
        return [b.description for b in self.boxes if b.value]


class TableControl(Control):
    """Repeatable rows: each row is a card of labelled cells with its own Remove button."""

    def _build(self, value):
        f = self.field
        rows = value if value else [dict(r) for r in f.seed_rows]
        while len(rows) < max(f.min_rows, 1 if not rows else 0):
            rows.append({})
        self.rows: list[list[Control]] = []
        self._remove_buttons: list[w.Button] = []
        self.box = w.VBox()
        self.add_button = w.Button(description="Add a row", icon="plus",
                                   tooltip=f"Add a row to {f.label}")
        self.add_button.add_class("llc-add-row")
        self.add_button.on_click(lambda _b: self.add_row())
        for r in rows:
            self._append(r)
        self._relabel()
        table = _group(f.label, [self.box, self.add_button])
        table.add_class("llc-rows")  # not llc-table: that is the static tables' class
        return table

    def _watch(self):
        pass  # cells and buttons report changes themselves

    def _append(self, row: dict):
        cells = [make_control(c, row.get(c.id), lambda _c: self.on_change(self)) for c in self.field.columns]
        remove = w.Button(description="Remove row", icon="trash", button_style="")
        remove.add_class("llc-remove-row")
        remove.on_click(lambda _b, cells=cells: self.remove_row(self._index(cells)))
        cells_box = w.Box([c.widget for c in cells] + [remove])
        cells_box.add_class("llc-row")
        self.rows.append(cells)
        self._remove_buttons.append(remove)
        self.box.children = (*self.box.children, cells_box)

    def _index(self, cells) -> int:
        return next(i for i, r in enumerate(self.rows) if r is cells)

    def _relabel(self):
        for i, b in enumerate(self._remove_buttons, 1):
            b.description = f"Remove row {i}"
            b.tooltip = f"Remove row {i} of {self.field.label}"

    def add_row(self, row: dict | None = None):
        self._append(row or {})
        self._relabel()
        self.on_change(self)

    def remove_row(self, index: int):
        del self.rows[index]
        del self._remove_buttons[index]
        self.box.children = tuple(c for i, c in enumerate(self.box.children) if i != index)
        self._relabel()
        self.on_change(self)

    def get(self):
        out = []
        for i, cells in enumerate(self.rows, 1):
            row = {}
            for c in cells:
                try:
                    row[c.field.id] = c.get()
                except AnswerValueError as exc:
                    raise AnswerValueError(f"row {i}, {c.field.label}: {exc}") from None
            out.append(row)
        return out


def _group(label: str, children: list, **kwargs) -> w.VBox:
    """A titled group of controls; a11y names the group by its title for screen readers."""
    title = w.HTML(f'<div class="llc-field llc-group-title"><b>{html.escape(label)}</b></div>')
    box = w.VBox([title, *children], **kwargs)
    box.add_class("llc-group")
    return box


def make_control(f: defs.Field, value, on_change) -> Control:
    cls = {"multi_choice": MultiChoiceControl, "table": TableControl}.get(f.type, Control)
    return cls(f, value, on_change)


_LIVE_VIEWS: weakref.WeakSet[WorksheetView] = weakref.WeakSet()


class WorksheetView:
    """A worksheet's live form. Display it; every edit reaches ``store`` shortly after."""

    def __init__(self, ws: defs.Worksheet, store: AnswerStore, delay: float = SAVE_DELAY_S):
        self.worksheet, self.store, self.delay = ws, store, delay
        self._pending: dict[str, Control] = {}
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._first_pending = 0.0
        self.controls = {f.id: make_control(f, store.get(f.key), self._changed) for f in ws.fields}
        self.status = w.HTML(self._status_html("Answers load from and save to " + str(store.path)))
        self.status.add_class("llc-live")  # the element that stays while its text changes: announced
        header = w.HTML(
            CSS + f"<h3>{html.escape(ws.title)}</h3>"
            f"<div class='llc-help'>Framework: {html.escape(ws.framework)}</div>"
            + (f"<p class='llc-instructions'>{render.instructions_html(ws.instructions)}</p>"
               if ws.instructions.strip() else ""))
        parts = [header, *[c.widget for c in self.controls.values()]]
        # Panels and the chart are recomputed from the store after every save, so feedback and
        # pictures follow the participant's typing.
        self.panels = w.HTML()
        parts.append(self.panels)
        if ws.chart:
            self.chart = w.HTML()
            self.chart.add_class("llc-chart")
            parts.append(self.chart)
        self._refresh()
        self.widget = w.VBox([*parts, self.status, a11y.Helper()])
        self.widget.add_class("llc-ws")
        _LIVE_VIEWS.add(self)

    @property
    def reads_other_worksheets(self) -> bool:
        """Panels whose options name full keys (``session.worksheet.field``) read other forms."""
        return any("." in str(v) for d in self.worksheet.derived for v in d.options.values())

    def _refresh(self):
        from . import charts

        self.panels.value = render.STYLE + render.panels_html(self.worksheet, self.store) \
            if self.worksheet.derived else ""
        drawn = charts.draw(self.worksheet, self.store)
        if drawn is None:
            return
        png = base64.b64encode(drawn.png(dpi=100)).decode("ascii")
        drawn.figure.clear()
        # an <img> with alt text (ipywidgets' Image has none); the caption says the same for everyone
        self.chart.value = (f'<figure style="margin:0"><img src="data:image/png;base64,{png}" '
                            f'alt="{html.escape(drawn.alt)}"><figcaption class="llc-help" aria-hidden="true">'
                            f'Chart: {html.escape(drawn.alt)}</figcaption></figure>')

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)

    @staticmethod
    def _status_html(text: str, error: bool = False) -> str:
        cls = "llc-error" if error else "llc-status"
        return f'<div class="{cls}">{html.escape(text)}</div>'

    def _changed(self, control: Control):
        with self._lock:
            if not self._pending:
                self._first_pending = time.monotonic()
            self._pending[control.field.key] = control  # table cells report as their table
            if self._timer:
                self._timer.cancel()
            waited = time.monotonic() - self._first_pending
            self._timer = threading.Timer(max(0.0, min(self.delay, MAX_WAIT_S - waited)), self.flush)
            self._timer.daemon = True
            self._timer.start()

    def flush(self) -> None:
        """Write every pending change now (also called by the autosave timer and at exit)."""
        with self._lock:
            pending, self._pending = self._pending, {}
            if self._timer:
                self._timer.cancel()
                self._timer = None
        if not pending:
            return
        values, problems = {}, []
        for key, control in pending.items():
            try:
                values[key] = control.get()
                control.show_error(None)
            except AnswerValueError as exc:
                control.show_error(f"Not saved: {exc}")
                problems.append(control.field.label)
        try:
            if values:
                self.store.update(values)
        except (AnswerValueError, AnswerFileError, KeyError) as exc:
            self.status.value = self._status_html(f"Not saved: {exc}", error=True)
            return
        if problems:
            self.status.value = self._status_html(
                "Saved, except: " + "; ".join(problems) + " (see the message beside it)", error=True)
        else:
            self.status.value = self._status_html(f"All changes saved at {dt.datetime.now():%H:%M:%S}")
        self._refresh()
        # e.g. the engagement plan's "stakeholders by strategy" follows the stakeholder grid
        for view in list(_LIVE_VIEWS):
            if view is not self and view.reads_other_worksheets and view.store.path == self.store.path:
                view._refresh()


@atexit.register
def _flush_all():
    for view in list(_LIVE_VIEWS):
        try:
            view.flush()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
