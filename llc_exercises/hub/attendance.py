"""The attendance page's model: the cohort's sheet (``attendance.csv`` in the service's data folder,
the format ``llc`` reads) shown as a participant × session/meeting grid of ticks and hours, and a
posted grid checked and merged back into the file, changing only the cells that changed."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import math
from pathlib import Path

from ..core.attendance import cell_hours, fmt_hours, short_title
from ..core.cohort import Cohort, CohortError, Event, load_cohort
from ..core.roster import csv_safe
from ..errors import LeadingEdgeError

ATTENDANCE_FILE = "attendance.csv"


class SheetError(LeadingEdgeError, ValueError):
    """The attendance file cannot be read or edited safely; the message names it and the fix."""


def sheet_rows(path: Path) -> tuple[list[list[str]], bytes]:
    """The CSV's rows as they are (a BOM tolerated) and its bytes; none when there is no file yet."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], b""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(f"{path} is not UTF-8 text; save it again as “CSV UTF-8” from the spreadsheet, "
                         "or move it away to start a new sheet.") from None
    return list(csv.reader(io.StringIO(text, newline=""))), data


class Sheet:
    """The attendance CSV as it is on disk; ``merged`` changes only the cells it is given."""

    def __init__(self, path: Path):
        self.path = path
        rows, data = sheet_rows(path)
        # What the page was drawn from: a save from an older page must not undo a newer one.
        self.version = hashlib.sha256(data).hexdigest()[:16] if data else "none"
        self.bom = data.startswith(codecs.BOM_UTF8)
        self.newline = "\r\n" if b"\r\n" in data[:4096] else "\n"
        self.header = rows[0] if rows else []
        self.keys = [h.strip().lower() for h in self.header]  # as `llc` reads them: "Visioning" is visioning
        self.rows = rows[1:]
        if rows and "id" not in self.keys:
            raise SheetError(f"{path}: the first line has no 'id' column; it should read id, name, then "
                             "one column per session or meeting id. Fix it or move the file away.")
        twice = sorted({h for h in self.keys if h and self.keys.count(h) > 1})
        if twice:
            raise SheetError(f"{path}: column {twice[0]!r} appears twice in the first line; keep one.")
        ids = [self.id_of(r) for r in self.rows]
        twice = sorted({i for i in ids if i and ids.count(i) > 1})
        if twice:
            raise SheetError(f"{path}: participant {twice[0]!r} has two rows; merge them into one.")

    def id_of(self, row: list[str]) -> str:
        at = self.keys.index("id")
        return row[at].strip() if at < len(row) else ""

    def cells(self) -> dict[str, dict[str, str]]:
        """id → {column (lower case): cell} for every row with an id."""
        return {self.id_of(r): dict(zip(self.keys, r)) for r in self.rows if self.id_of(r)}

    def merged(self, updates: dict[str, dict[str, str]], names: dict[str, str], events: list[str]) -> bytes:
        """The file with ``updates`` (id → {event id: cell}) written in. Missing event columns are
        added and new participants appended; every other row, column and cell stays as it was."""
        keys = self.keys or ["id", "name"]
        header = (self.header or keys) + [e for e in events if e not in keys]
        at = {h: i for i, h in enumerate(keys + [e for e in events if e not in keys])}
        rows = [list(r) for r in self.rows]
        index = {self.id_of(r): n for n, r in enumerate(rows) if self.id_of(r)}
        for pid, cells in updates.items():
            if pid not in index:
                index[pid] = len(rows)
                rows.append([""] * len(header))
                rows[-1][at["id"]] = pid
                if "name" in at:
                    rows[-1][at["name"]] = names.get(pid, "")
            row = rows[index[pid]]
            row += [""] * (len(header) - len(row))
            for eid, cell in cells.items():
                row[at[eid]] = cell
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator=self.newline).writerows([header, *rows])
        return (codecs.BOM_UTF8 if self.bom else b"") + buf.getvalue().encode("utf-8")


def modified(path: Path, tz) -> dt.datetime | None:
    """When the file was last written, in the cohort's time zone (what its facilitators read)."""
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, tz)
    except FileNotFoundError:
        return None


def event_label(e: Event) -> str:
    """'Visioning, 9 Sep 2025': names an event in control labels and messages."""
    return f"{short_title(e)}, {e.date.day} {e.date:%b %Y}"


Marks = dict[tuple[str, str], tuple[bool, str]]  # (participant, event id) → (ticked present, hours typed)


def sheet_marks(cells: dict[str, dict[str, str]], people: list[str], events: list[Event]) -> Marks:
    """What the grid shows for the sheet: a tick for any attendance, the hours when only part. A cell
    that is not yes/no/hours is put in the hours box as written, so saving asks for it to be fixed."""
    marks: Marks = {}
    for pid in people:
        for e in events:
            text = cells.get(pid, {}).get(e.id, "")
            hours = cell_hours(text, e.hours)
            if hours is None:
                marks[(pid, e.id)] = (False, text.strip())
            else:
                marks[(pid, e.id)] = (hours > 0, "" if hours in (0, e.hours) else fmt_hours(hours))
    return marks


def form_marks(form: dict[str, list[str]], events: dict[str, Event], known: set[str]) -> tuple[Marks, list[str]]:
    """The posted grid: fields ``participant`` and ``event`` list its rows and columns; a ticked box
    posts ``p:<event>:<participant>``, an hours box ``h:<event>:<participant>``."""
    problems = []
    people, columns = form.get("participant", []), form.get("event", [])
    problems += [f"{p!r} is not a participant on this hub; reload the page for the current list."
                 for p in dict.fromkeys(people) if p not in known]
    problems += [f"{e!r} is not a session or meeting of this cohort (they are {', '.join(events)}); "
                 "reload the page." for e in dict.fromkeys(columns) if e not in events]
    marks: Marks = {(p, e): (False, "") for p in people for e in columns}
    for name, values in form.items():
        kind, _, rest = name.partition(":")
        eid, _, pid = rest.partition(":")
        if kind not in ("p", "h"):
            continue
        if (pid, eid) not in marks:
            problems.append(f"The form sent a box for {pid!r} at {eid!r}, which is not in its grid; reload the page.")
            continue
        ticked, typed = marks[(pid, eid)]
        marks[(pid, eid)] = (True, typed) if kind == "p" else (ticked, values[-1].strip())
    return marks, problems


def attendance_updates(marks: Marks, events: dict[str, Event],
                       cells: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The cells to write (id → {event id: cell}) and what is wrong with the marks. A cell whose
    meaning does not change is left as written ("x" stays "x")."""
    updates: dict[str, dict[str, str]] = {}
    problems = []
    for (pid, eid), (ticked, typed) in marks.items():
        e = events.get(eid)
        if e is None:
            continue  # already reported by form_marks
        where = f"{pid} at {event_label(e)}"
        hours = e.hours if ticked else 0.0
        if typed:
            try:
                hours = float(typed)
            except ValueError:
                hours = math.nan
            if not math.isfinite(hours):
                problems.append(f"{where}: hours {typed!r} is not a number; type the hours attended, such as "
                                "1.5, or leave the box empty.")
                continue
            if not 0 <= hours <= e.hours:
                problems.append(f"{where}: {typed} hours is outside 0 to {fmt_hours(e.hours)}, the hours the "
                                "event is worth; leave the box empty for all of it.")
                continue
            if hours > 0 and not ticked:
                problems.append(f"{where}: {typed} hours typed but “present” is not ticked; tick it for "
                                "part of the event, or clear the hours for absent.")
                continue
        old = cells.get(pid, {}).get(eid, "")
        if cell_hours(old, e.hours) == hours:
            continue
        updates.setdefault(pid, {})[eid] = ("yes" if hours == e.hours else "no" if hours == 0
                                            else fmt_hours(hours))
    return updates, problems


def attendance_csv(rows: list[list[str]]) -> bytes:
    """The sheet for a spreadsheet: every cell formula-safe, with a BOM so Excel reads it as UTF-8."""
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([[csv_safe(c) for c in r] for r in rows])
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


def read_cohort(path: Path | None) -> tuple[Cohort | None, str]:
    """The cohort, read afresh (a facilitator may correct the file while the hub runs), or why not."""
    if path is None:
        return None, ""
    try:
        return load_cohort(path), ""
    except CohortError as exc:
        return None, str(exc)


def attendance_view(cohort: Cohort, sheet: Sheet, people: list[dict],
                    marks: Marks | None = None) -> dict:
    """What the attendance page shows: the sheet's marks (or the ones just posted, to correct),
    how many came to each event and each participant's hours."""
    events = cohort.events()
    ids = [p["user"] for p in people]
    cells = sheet.cells()
    shown = sheet_marks(cells, ids, events)
    shown.update({k: v for k, v in (marks or {}).items() if k in shown})

    def attended(pid: str, e: Event) -> float:
        return cell_hours(cells.get(pid, {}).get(e.id, ""), e.hours) or 0.0

    known = {e.id for e in events}
    return {
        "cohort": cohort.name, "path": str(sheet.path), "version": sheet.version,
        "available": fmt_hours(cohort.hours_available()),
        "events": [{"id": e.id, "kind": e.kind, "title": e.title,
                    "label": event_label(e), "iso": e.date.isoformat(),
                    # a column heading: sessions by their name, meetings by id ("Meeting 2")
                    "column": short_title(e) if e.kind == "session" else e.id.replace("_", " ").capitalize(),
                    "day": f"{e.date.day} {e.date:%b}", "year": f"{e.date:%Y}",
                    "hours": fmt_hours(e.hours)} for e in events],
        "people": [{"user": p["user"], "name": p.get("name") or cells.get(p["user"], {}).get("name", ""),
                    "marks": {e.id: shown[(p["user"], e.id)] for e in events},
                    "hours": fmt_hours(sum(attended(p["user"], e) for e in events))} for p in people],
        "totals": {e.id: sum(attended(pid, e) > 0 for pid in ids) for e in events},
        "other_rows": sum(pid not in ids for pid in cells),
        "other_columns": [h for h, k in zip(sheet.header, sheet.keys) if k and k not in ("id", "name", *known)],
    }
