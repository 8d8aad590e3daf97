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
from . import a11y, feedback
from .assets import style_tag
from .controls import Control, TableControl, make_control
from .guard import Guard, fingerprint

SAVE_DELAY_S = 0.4
MAX_WAIT_S = 2.0

# static/worksheet.css after the palette, in an HTML widget at the top of each form (widget HTML
# is not sanitised, unlike <style> in an ordinary output).
CSS = style_tag("worksheet")


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
        # One save at a time: a save that began while the last was still writing (a slow disk, a busy
        # machine) would check against the version before it and take the form's own save for
        # another window's, putting the older text back in the box.
        self._saving = threading.RLock()
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
        # on a hub: what the facilitator wrote about this worksheet (one request per kernel, kept)
        self.feedback = feedback.box_for(ws.key)
        below = [self.feedback.widget] if self.feedback is not None else []
        self.widget = w.VBox([*parts, self.status, self.guard, self.notice, *below, a11y.Helper()])
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
        with self._saving:
            self._flush()

    def _flush(self) -> None:
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
            self.status.value = self._status_html(f"{note}All changes saved at {feedback.clock()}")
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
            # typed over the answer this form has now: by its version, or, when a kernel saved and was
            # gone before the page heard the new version, by the box having held the text now on disk
            if {e.get("base") for e in kept.values()} <= {self.versions.get(key)} or all(
                    isinstance(e.get("trail"), list) and fingerprint(shown.get(p, "")) in e["trail"]
                    for p, e in kept.items()):
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
