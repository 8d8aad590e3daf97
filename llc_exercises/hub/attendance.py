"""The attendance page's model: the cohort's sheet (``attendance.csv`` in the service's data folder,
the format ``llc`` reads) shown as a participant × session/meeting grid of ticks and hours, and a
posted grid checked and merged back into the file, changing only the cells that changed. The file
itself is ``core.attendance.SheetFile``, the model ``llc`` reads it with."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from ..core.attendance import SheetFile, cell_hours, fmt_hours, short_title
from ..core.cohort import Cohort, CohortError, Event, load_cohort

ATTENDANCE_FILE = "attendance.csv"


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


def read_cohort(path: Path | None) -> tuple[Cohort | None, str]:
    """The cohort, read afresh (a facilitator may correct the file while the hub runs), or why not."""
    if path is None:
        return None, ""
    try:
        return load_cohort(path), ""
    except CohortError as exc:
        return None, str(exc)


def attendance_view(cohort: Cohort, sheet: SheetFile, people: list[dict],
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
