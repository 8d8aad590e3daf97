"""The controls of a worksheet form: one labelled ipywidget per field (text, number, date, choice,
scale), a group of checkboxes for a multiple choice, and a table of repeatable rows, each giving
its JSON value (``get``) and naming its boxes for the browser's guard (``cells``)."""
from __future__ import annotations

import datetime as dt
import html

import ipywidgets as w

from ..core import definitions as defs
from ..core.schema import AnswerValueError
from .guard import PATH_CLASS


def _saved_date(value) -> dt.date | None:
    """A saved date for the picker; None for one the calendar lacks (a file edited by hand, or kept
    from before dates were checked): the form then says so, and the file keeps it until replaced."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _not_a_date(value) -> str:
    return (f"The saved date “{value}” is not a day the calendar has. Pick the right day; until you do, "
            "your answers file keeps what it holds.")


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
        if f.type == "date" and value and _saved_date(value) is None:
            self.error.value = self._error_html(_not_a_date(value))
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
            self.input.value = _saved_date(value)
        else:
            self.input.value = value or ""
        self.last_good = value
        self.show_error(_not_a_date(value) if f.type == "date" and value and _saved_date(value) is None else None)

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
            return _labelled(w.DatePicker(value=_saved_date(value)), f)
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
            if v is None and self.last_good and _saved_date(self.last_good) is None:
                raise AnswerValueError(_not_a_date(self.last_good))  # a table keeps it (last_good)
            return v.isoformat() if v else None
        return v

    def show_error(self, message: str | None):
        self.error.value = self._error_html(message) if message else ""

    @staticmethod
    def _error_html(message: str) -> str:
        return f'<div class="llc-error" role="alert">{html.escape(message)}</div>'


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
