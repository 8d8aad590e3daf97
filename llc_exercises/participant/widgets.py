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
import json
import threading
import time
import weakref

import ipywidgets as w

from ..core import definitions as defs
from ..core.schema import AnswerValueError
from ..core.store import AnswerFileError, AnswerStore, Conflict, Saved
from ..core.values import is_blank, scalar_text
from ..documents import render
from . import a11y
from .assets import style_tag
from .guard import PATH_CLASS, Guard

SAVE_DELAY_S = 0.4
MAX_WAIT_S = 2.0

# static/worksheet.css after the palette, in an HTML widget at the top of each form (widget HTML
# is not sanitised, unlike <style> in an ordinary output).
CSS = style_tag("worksheet")


def _labelled(widget: w.Widget, f: defs.Field) -> w.Widget:
    widget.description = f.label + (f" ({f.unit})" if f.unit else "")
    widget.style.description_width = "initial"
    widget.layout.width = "100%"
    widget.add_class("llc-field")
    return widget


class Control:
    """One field: ``.widget`` to display, ``.get()`` the JSON value, ``.on_change`` callback.

    ``path`` names the control on the page for the browser's guard (``guard`` module docstring);
    ``last_good`` is the last value that fitted, which a table saves for a cell that does not."""

    def __init__(self, f: defs.Field, value, on_change, path: str = ""):
        self.field, self.on_change = f, on_change
        self.path = path or f.key
        self.last_good = value
        self.error = w.HTML("")
        self.input = self._build(value)
        self._mark()
        parts = [self.input]
        if f.help:
            parts.insert(0, w.HTML(f'<div class="llc-help">{html.escape(f.help)}</div>'))
        parts.append(self.error)
        self.widget = w.VBox(parts) if len(parts) > 1 else self.input
        self._watch()

    def _watch(self):
        self.input.observe(lambda _chg: self.on_change(self), names="value")

    def _mark(self):
        self.input.add_class(PATH_CLASS + self.path)

    def cells(self) -> dict[str, str]:
        """What the page shows, as the browser's guard reads it: ``{path: text}``."""
        return {self.path: self._text()}

    def apply_cells(self, cells: dict[str, str]) -> None:
        """Put back what the browser kept (``cells()``'s form); changes save as typing does."""
        if self.path in cells:
            self._set_text(cells[self.path])

    def _text(self) -> str:
        v = self.input.value
        if isinstance(self.input, w.RadioButtons):
            return "" if self.input.index is None else str(self.input.index)
        if self.field.type == "date":
            return v.isoformat() if v else ""
        return v

    def _set_text(self, text: str) -> None:
        if isinstance(self.input, w.RadioButtons):
            index = int(text) if text.isdigit() and int(text) < len(self.input.options) else None
            self.input.index = index
        elif self.field.type == "date":
            try:
                self.input.value = dt.date.fromisoformat(text) if text else None
            except ValueError:
                pass  # not a date the picker could have sent
        else:
            self.input.value = text

    def set_value(self, value) -> None:
        """Show ``value`` (a saved answer) in the control."""
        f = self.field
        if f.type in ("choice", "scale"):
            opts = list(f.options) if f.type == "choice" else list(range(1, len(f.levels) + 1))
            self.input.value = value if value in opts else None
        elif f.type == "number":
            self.input.value = "" if value is None else _fmt_number(value)
        elif f.type == "date":
            self.input.value = dt.date.fromisoformat(value) if value else None
        else:
            self.input.value = value or ""
        self.last_good = value
        self.show_error(None)

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

    def _mark(self):
        for i, b in enumerate(self.boxes):
            b.add_class(f"{PATH_CLASS}{self.path}#{i}")

    def cells(self) -> dict[str, str]:
        return {f"{self.path}#{i}": "1" if b.value else "0" for i, b in enumerate(self.boxes)}

    def apply_cells(self, cells: dict[str, str]) -> None:
        for path, b in zip(self.cells(), self.boxes):
            if path in cells:
                b.value = cells[path] == "1"

    def set_value(self, value) -> None:
        chosen = set(value or ())
        for b in self.boxes:
            b.value = b.description in chosen
        self.last_good = value

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

    def _mark(self):
        pass  # each cell carries its own path; the browser counts the row

    def cells(self) -> dict[str, str]:
        return {f"{self.path}#{i}#{c.field.id}": c._text() for i, row in enumerate(self.rows) for c in row}

    def apply_cells(self, cells: dict[str, str]) -> None:
        for path, text in cells.items():
            _key, row, column = (path.split("#") + ["", ""])[:3]
            if not row.isdigit() or column not in {c.id for c in self.field.columns}:
                continue  # not a cell of this table (a kit update renamed a column)
            while len(self.rows) <= int(row):
                self.add_row()
            next(c for c in self.rows[int(row)] if c.field.id == column)._set_text(text)

    def set_value(self, value) -> None:
        self.rows, self._remove_buttons = [], []
        self.box.children = ()
        for r in value or []:
            self._append(r)
        self._relabel()
        self.last_good = value
        self.show_error(None)

    def partial(self) -> tuple[list[dict], list[tuple[Control, str, str]]]:
        """(rows to save, refused cells as (cell, message, its path on the page)): a cell that does
        not fit keeps its last good value (blank in a new row) and is reported, so one bad cell
        never holds back the rest of the table."""
        out, bad = [], []
        for i, cells in enumerate(self.rows):
            row = {}
            for c in cells:
                try:
                    row[c.field.id] = c.last_good = c.get()
                    c.show_error(None)
                except AnswerValueError as exc:
                    row[c.field.id] = c.last_good
                    bad.append((c, f"row {i + 1}, {c.field.label}: {exc}", f"{self.path}#{i}#{c.field.id}"))
            out.append(row)
        return out, bad

    def _append(self, row: dict):
        cells = [make_control(c, row.get(c.id), lambda _c: self.on_change(self), f"{self.path}#{c.id}")
                 for c in self.field.columns]
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


def make_control(f: defs.Field, value, on_change, path: str = "") -> Control:
    cls = {"multi_choice": MultiChoiceControl, "table": TableControl}.get(f.type, Control)
    return cls(f, value, on_change, path)


_LIVE_VIEWS: weakref.WeakSet[WorksheetView] = weakref.WeakSet()


class WorksheetView:
    """A worksheet's live form. Display it; every edit reaches ``store`` shortly after.

    Each save carries the version (``updated`` stamp) of every answer as the form loaded or last
    saved it; the store refuses to replace an answer changed since (another tab or computer), and
    the form then shows the newer answer, keeps what was typed beside it to copy or use, and says so
    in its save line. Its ``Guard`` keeps typing in the browser while nothing can be saved."""

    def __init__(self, ws: defs.Worksheet, store: AnswerStore, delay: float = SAVE_DELAY_S):
        self.worksheet, self.store, self.delay = ws, store, delay
        self._pending: dict[str, Control] = {}
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._first_pending = 0.0
        self._quiet = False  # set while the kit itself changes a control: not typing, not saved
        self._note = ""  # said before the next "All changes saved"
        self.versions: dict[str, str | None] = {f.key: store.updated(f.key) for f in ws.fields}
        self.controls = {f.id: make_control(f, store.get(f.key), self._changed) for f in ws.fields}
        self._by_key = {c.field.key: c for c in self.controls.values()}
        self.status = w.HTML(self._status_html("Answers load from and save to " + str(store.path)))
        self.status.add_class("llc-live")  # the element that stays while its text changes: announced
        # what was typed but not saved (changed elsewhere meanwhile), with the choice of what to keep
        self.notice = w.VBox()
        self.notice.add_class("llc-notice")
        self.guard = Guard(self.restore, participant=store.path.stem, fields=list(self._by_key),
                           versions=dict(self.versions))
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
        self.widget = w.VBox([*parts, self.status, self.guard, self.notice, a11y.Helper()])
        self.widget.add_class("llc-ws")
        _LIVE_VIEWS.add(self)

    @property
    def reads_other_worksheets(self) -> bool:
        """Panels whose options name full keys (``session.worksheet.field``) read other forms."""
        return any("." in str(v) for d in self.worksheet.derived for v in d.options.values())

    def _refresh(self):
        from ..documents import charts

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
        if self._quiet:
            return
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

    def _show(self, control: Control, value) -> None:
        """Put a saved answer into a control without it counting as typing."""
        self._quiet = True
        try:
            control.set_value(value)
        finally:
            self._quiet = False

    def flush(self) -> None:
        """Write every pending change now (also called by the autosave timer and at exit)."""
        with self._lock:
            pending, self._pending = self._pending, {}
            if self._timer:
                self._timer.cancel()
                self._timer = None
        if not pending:
            return
        values: dict = {}
        problems: list[str] = []
        cells: dict[str, str] = {}
        bad: list[str] = []
        for key, control in pending.items():
            cells.update(control.cells())  # what the page showed when read, for the browser's guard
            if isinstance(control, TableControl):
                values[key], refused = control.partial()
                for cell, message, path in refused:
                    cell.show_error(f"Not saved: {message}")
                    problems.append(message)
                    bad.append(path)  # the browser keeps what was typed there
                continue
            try:
                values[key] = control.last_good = control.get()
                control.show_error(None)
            except AnswerValueError as exc:
                control.show_error(f"Not saved: {exc}")
                problems.append(f"{control.field.label}: {exc}")
                bad.extend(control.cells())
        try:
            result = self.store.save(values, {k: self.versions.get(k) for k in values}) if values else Saved()
        except (AnswerValueError, AnswerFileError, KeyError) as exc:
            self.status.value = self._status_html(f"Not saved: {exc}", error=True)
            return
        self.versions.update(result.versions)
        # the browser learns the new versions before anything else about this save (guard.py)
        self.guard.versions = dict(self.versions)
        if result.versions:
            done = [k for k in pending if k in result.versions]
            self.guard.saved({p: t for p, t in cells.items() if p.split("#")[0] in done}, done, bad)
        if result.conflicts:
            self._conflicted(result.conflicts, values)
        elif problems:
            self.status.value = self._status_html(
                "Saved, except: " + "; ".join(problems) + " (marked beside it)", error=True)
        else:
            note, self._note = self._note, ""
            self.status.value = self._status_html(f"{note}All changes saved at {dt.datetime.now():%H:%M:%S}")
        self.guard.versions = dict(self.versions)
        self._refresh()
        # e.g. the engagement plan's "stakeholders by strategy" follows the stakeholder grid
        for view in list(_LIVE_VIEWS):
            if view is not self and view.reads_other_worksheets and view.store.path == self.store.path:
                view._refresh()

    # ---- answers changed elsewhere --------------------------------------------------------------
    def _conflicted(self, conflicts: dict[str, Conflict], typed: dict) -> None:
        """Another window saved these answers after this form loaded them: show the newer answer,
        keep what was typed here beside it, and say so in the save line."""
        for key, c in conflicts.items():
            self._show(self._by_key[key], c.value)
            self.versions[key] = c.updated
        when = max((_local_time(c.updated) for c in conflicts.values()), default="")
        self.status.value = self._status_html(
            f"Changed in another window at {when} — showing the newer answer; your text is kept below "
            "to copy.", error=True)
        self._offer({k: (_value_lines(self._by_key[k], typed[k]),
                         lambda k=k: self._by_key[k].set_value(typed[k])) for k in conflicts},
                    "Your text, not saved: the answer above was changed in another window after this "
                    "page loaded it.", use="Use my text instead", keep="Keep the newer answer")

    def restore(self, entries: dict) -> None:
        """What the browser kept while this page could not save (``guard``): put it back and save it
        where the answer on disk is still the one it was typed over; offer it otherwise."""
        by_key: dict[str, dict[str, dict]] = {}
        for path, entry in entries.items():
            if isinstance(entry, dict) and path.split("#")[0] in self._by_key:
                by_key.setdefault(path.split("#")[0], {})[path] = entry
        self.flush()  # typing already in the kernel first, so the versions below are current
        applied, offered = [], {}
        for key, kept in by_key.items():
            control = self._by_key[key]
            texts = {p: str(e.get("v", "")) for p, e in kept.items()}
            shown = control.cells()
            if all(shown.get(p) == t for p, t in texts.items()):
                if self._saved_as_shown(control):  # it did reach the file; only the reply was lost
                    self.guard.saved(shown, [key])
                continue
            if {e.get("base") for e in kept.values()} <= {self.versions.get(key)}:
                control.apply_cells(texts)  # saves as typing does, with this version
                applied.append(key)
            else:
                at = max(str(e.get("at", "")) for e in kept.values())
                offered[key] = (_cell_lines(control, texts), lambda c=control, t=texts: c.apply_cells(t))
                offered_at = _local_time(at)
        if applied:
            self._note = (f"Put back what you typed while this page could not save ({len(applied)} "
                          f"answer{'' if len(applied) == 1 else 's'}). ")
            self.status.value = self._status_html(self._note + "Saving it now.")
        if offered:
            paths = [p for k in offered for p in by_key[k]]
            self._offer(offered, f"Kept in this browser, not saved: what you typed at {offered_at} while this "
                        "page could not save. The saved answer has changed since (shown above).",
                        use="Use what I typed", keep="Keep the saved answer", forget=paths)

    def _saved_as_shown(self, control: Control) -> bool:
        try:
            value = control.partial()[0] if isinstance(control, TableControl) else control.get()
        except AnswerValueError:
            return False
        return _to_json(value) == self.store.get(control.field.key)

    def _offer(self, items: dict, reason: str, use: str, keep: str, forget: list[str] | None = None) -> None:
        """Show what was typed but not saved, with buttons to use it or keep the saved answers."""
        blocks = "".join(
            f'<p class="llc-kept-q"><b>{html.escape(self._by_key[k].field.label)}</b></p>'
            f'<pre class="llc-kept-text">{html.escape(chr(10).join(lines))}</pre>'
            for k, (lines, _apply) in items.items())
        text = w.HTML(f'<div class="llc-kept" role="region" aria-label="Your text, not saved">'
                      f"<p>{html.escape(reason)}</p>{blocks}</div>")
        use_button = w.Button(description=use, layout=w.Layout(width="max-content"))
        keep_button = w.Button(description=keep, layout=w.Layout(width="max-content"))

        def close(_b=None):
            self.notice.children = ()

        def take(_b):
            for _lines, apply in items.values():
                apply()  # saves as typing does, now over the newer version
            close()

        def leave(_b):
            if forget:
                self.guard.drop(forget)
            close()

        use_button.on_click(take)
        keep_button.on_click(leave)
        self.notice.children = (text, w.HBox([use_button, keep_button]))

    def reload(self) -> None:
        """Show the answers as they are on disk now (after an upload merged into the file); typing
        not yet saved is saved first, so it is checked against the new answers, not lost."""
        self.flush()
        for key, control in self._by_key.items():
            version = self.store.updated(key)
            if version != self.versions.get(key):
                self._show(control, self.store.get(key))
                self.versions[key] = version
        self.guard.versions = dict(self.versions)
        self._refresh()


def reload_open_forms(path) -> int:
    """Every open form on this answers file shows what is on disk now; returns how many."""
    views = [v for v in list(_LIVE_VIEWS) if v.store.path == path]
    for view in views:
        view.reload()
    return len(views)


def _local_time(stamp: str | None) -> str:
    """An ``updated`` stamp as this computer's clock time, "10:42"."""
    try:
        return f"{dt.datetime.fromisoformat(str(stamp)).astimezone():%H:%M}"
    except ValueError:
        return "an unknown time"


def _to_json(value):
    return json.loads(json.dumps(value, default=str))


def _value_lines(control: Control, value) -> list[str]:
    """An answer as lines of plain text, to copy."""
    f = control.field
    if f.type == "table":
        return [f"Row {i}: " + "; ".join(f"{c.label}: {scalar_text(c, row.get(c.id))}" for c in f.columns
                                         if not is_blank(row.get(c.id)))
                for i, row in enumerate(value or [], 1)] or ["(no rows)"]
    return (scalar_text(f, value) or "(blank)").splitlines() or ["(blank)"]


def _cell_lines(control: Control, texts: dict[str, str]) -> list[str]:
    """Boxes the browser kept, as lines of plain text: "Row 2, Cost: 40"."""
    f, lines = control.field, []
    for path, text in texts.items():
        parts = path.split("#")
        if f.type == "table" and len(parts) == 3:
            column = next((c for c in f.columns if c.id == parts[2]), None)
            label = column.label if column else parts[2]
            if column is not None and column.type in ("choice", "scale") and text.isdigit():
                text = _option(column, int(text))
            lines.append(f"Row {int(parts[1]) + 1}, {label}: {text}")
        elif f.type == "multi_choice" and len(parts) == 2 and parts[1].isdigit() and int(parts[1]) < len(f.options):
            lines.append(f"{f.options[int(parts[1])]}: {'ticked' if text == '1' else 'not ticked'}")
        elif f.type in ("choice", "scale") and text.isdigit():
            lines.append(_option(f, int(text)))
        else:
            lines.extend(text.splitlines() or [""])
    return lines


def _option(f: defs.Field, index: int) -> str:
    labels = list(f.options) if f.type == "choice" else [f.level_label(i) for i in range(1, len(f.levels) + 1)]
    return labels[index] if 0 <= index < len(labels) else str(index)


@atexit.register
def _flush_all():
    for view in list(_LIVE_VIEWS):
        try:
            view.flush()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
