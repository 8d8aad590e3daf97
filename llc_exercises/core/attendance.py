"""Attendance and hours: the facilitator's attendance sheet (a CSV, ``SheetFile``, kept byte for byte
where nobody edits it) read against the cohort and the roster, and each participant's hours toward
the certificate (sessions, meetings and a capped share of their PD log). A mistake is an
``AttendanceError`` naming file, line and column before anything is written; a damaged answers file
stops the count rather than counting as zero, since that could deny someone a certificate they
earned."""
from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import LeadingEdgeError
from .cohort import Cohort, Event
from .files import SHARED, write_atomic
from .roster import Member, csv_safe, read_roster
from .store import read_document

YES = frozenset({"yes", "y", "x", "present"})
NO = frozenset({"no", "n", "absent", ""})
PD_LOG_KEY = "opportunity.pd_log.log"
SERIES_PREFIX = "On the Leading Edge of "


class AttendanceError(LeadingEdgeError, ValueError):
    """The attendance sheet (or a PD log) cannot be counted; the message names file, line and fix."""


def fmt_hours(h: float) -> str:
    """38.5 → '38.5', 32.0 → '32': hours as people write them."""
    return f"{round(h, 2):g}"


def short_title(e: Event) -> str:
    """'On the Leading Edge of Coaching' → 'Coaching'; other titles as they are."""
    if e.title.startswith(SERIES_PREFIX) and len(e.title) > len(SERIES_PREFIX):
        rest = e.title[len(SERIES_PREFIX):]
        return rest[0].upper() + rest[1:]
    return e.title


def and_list(items: Sequence[str]) -> str:
    """['A', 'B', 'C'] → 'A, B and C'."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ---- the sheet -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sheet:
    """A checked attendance sheet: roster id → {event id: hours attended} for each row given."""
    path: Path
    rows: dict[str, dict[str, float]]
    columns: tuple[str, ...]  # the event columns the sheet has

    def attended(self, pid: str) -> dict[str, float] | None:
        """Hours per event for ``pid``; None when the sheet has no row for them."""
        return self.rows.get(pid)


class SheetFile:
    """The attendance CSV as it is on disk: its rows as lists of cells (each with the line it ends
    on), a BOM and line ends as written, and a ``version`` that changes whenever the bytes do."""

    def __init__(self, path: Path, data: bytes = b""):
        self.path = path
        try:
            text = data.decode("utf-8-sig")  # spreadsheets often add a BOM
        except UnicodeDecodeError:
            raise AttendanceError(f"Attendance sheet {path} is not UTF-8 text; save it from your spreadsheet "
                                  "as \"CSV UTF-8\".") from None
        reader = csv.reader(io.StringIO(text, newline=""))
        rows, lines = [], []
        for cells in reader:
            rows.append(cells)
            lines.append(reader.line_num)
        # What a page was drawn from: a save from an older page must not undo a newer one.
        self.version = hashlib.sha256(data).hexdigest()[:16] if data else "none"
        self.bom = data.startswith(codecs.BOM_UTF8)
        self.newline = "\r\n" if b"\r\n" in data[:4096] else "\n"
        self.header = rows[0] if rows else []
        self.keys = [h.strip().lower() for h in self.header]  # as read: "Visioning" is visioning
        self.rows, self.lines = rows[1:], lines[1:]

    @classmethod
    def read(cls, path: Path | str) -> SheetFile:
        """The file at ``path``; a missing or unreadable one raises OSError, a non-UTF-8 one AttendanceError."""
        path = Path(path)
        return cls(path, path.read_bytes())

    @classmethod
    def editable(cls, path: Path | str) -> SheetFile:
        """The file to change cells of (none yet: an empty one), refused when a change could land in
        the wrong place: no id column, a column twice, or a participant with two rows."""
        try:
            file = cls.read(path)
        except FileNotFoundError:
            file = cls(Path(path))
        if file.header or file.rows:
            file.check_header()
            file.check_ids()
        return file

    def check_header(self) -> None:
        if "id" not in self.keys:
            raise AttendanceError(f"{self.path}, line 1: no 'id' column (columns: {', '.join(self.keys) or 'none'}); "
                                  "the first line should read id,name, then one column per session or meeting id.")
        for h in self.keys:
            if h and self.keys.count(h) > 1:
                raise AttendanceError(f"{self.path}, line 1: column {h!r} appears twice; keep one.")

    def check_ids(self) -> None:
        first: dict[str, int] = {}
        for row, line in zip(self.rows, self.lines):
            pid = self.id_of(row)
            if pid in first:
                raise AttendanceError(f"{self.path}, line {line}: {pid!r} already has a row (line {first[pid]}); "
                                      "merge the two rows into one.")
            if pid:
                first[pid] = line

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

    def for_spreadsheet(self) -> bytes:
        """Every row, each cell formula-safe, with a BOM so Excel reads it as UTF-8 (a download)."""
        buf = io.StringIO(newline="")
        rows = [self.header, *self.rows] if self.header or self.rows else []
        csv.writer(buf).writerows([[csv_safe(c) for c in r] for r in rows])
        return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


def how_to_make(cohort: Cohort, roster: Path | str = "ROSTER.csv") -> str:
    src = cohort.source or "COHORT.yaml"
    return f"`llc attendance init --cohort {src} --roster {roster}` writes a blank one to fill in"


def cell_hours(text: str, full: float) -> float | None:
    """Hours a sheet cell stands for (yes, no or a number from 0 to ``full``), or None when it is
    none of those. The hub's attendance page reads cells with it too."""
    word = text.strip().lower()
    if word in YES:
        return full
    if word in NO:
        return 0.0
    try:
        hours = float(word)
    except ValueError:
        return None
    return hours if math.isfinite(hours) and 0 <= hours <= full + 1e-9 else None


def _cell_hours(cell: str, event: Event, where: str) -> float:
    hours = cell_hours(cell, event.hours)
    if hours is not None:
        return hours
    try:
        number = float(cell.strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise AttendanceError(f"{where}: {cell.strip()!r} is not yes, no or a number of hours; write yes "
                              f"(all {fmt_hours(event.hours)} hours), no, or the hours attended.")
    if number < 0:
        raise AttendanceError(f"{where}: {cell.strip()!r} hours is negative; write the hours attended "
                              "(0 or more), or no.")
    raise AttendanceError(f"{where}: {cell.strip()!r} hours is more than the {fmt_hours(event.hours)} "
                          f"hours {event.title!r} is worth; write at most {fmt_hours(event.hours)} "
                          "(or yes for all of it).")


def read_sheet(path: Path | str, cohort: Cohort, members: Sequence[Member],
               roster: Path | str = "the roster") -> Sheet:
    """Read and check the attendance CSV against ``cohort`` and the roster's ``members``."""
    path = Path(path).expanduser()
    try:
        file = SheetFile.read(path)
    except FileNotFoundError:
        raise AttendanceError(f"Attendance sheet {path} not found; {how_to_make(cohort, roster)} "
                              "(or pass --attendance FILE).") from None
    except OSError as exc:
        raise AttendanceError(f"Attendance sheet {path} cannot be read ({exc.strerror}).") from None
    file.check_header()
    header = file.keys
    events = {e.id: e for e in cohort.events()}
    ids = ", ".join(events)
    for col, h in enumerate(header, start=1):
        if h and h not in ("id", "name") and h not in events:
            raise AttendanceError(f"{path}, line 1, column {col}: {h!r} is not a session or meeting of cohort "
                                  f"{cohort.name!r}; the columns can be id, name and: {ids}.")

    by_id = {m.id.lower(): m for m in members}  # roster ids are unique ignoring case
    rows: dict[str, dict[str, float]] = {}
    lines: dict[str, int] = {}
    for cells, line in zip(file.rows, file.lines):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            raise AttendanceError(f"{path}, line {line}: more cells than the header has columns; remove the "
                                  "extra cells or add the missing column heading.")
        row = dict(zip(header, cells))
        raw_id = row.get("id", "").strip()
        if not raw_id:
            raise AttendanceError(f"{path}, line {line}: the id cell is empty; write the participant's id "
                                  "as in the roster.")
        member = by_id.get(raw_id.lower())
        if member is None:
            close = difflib.get_close_matches(raw_id, [m.id for m in members], n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise AttendanceError(f"{path}, line {line}: {raw_id!r} is not on the roster ({roster}).{hint} "
                                  "Fix the id, or add the participant to the roster.")
        if member.id in rows:
            raise AttendanceError(f"{path}, line {line}: {member.id!r} already has a row (line "
                                  f"{lines[member.id]}); merge the two rows into one.")
        hours = {}
        for h, cell in row.items():
            if h in events:
                hours[h] = _cell_hours(cell, events[h], f"{path}, line {line}, column {h!r}")
            elif not h and cell.strip():
                raise AttendanceError(f"{path}, line {line}: a cell under a column with no heading holds "
                                      f"{cell.strip()!r}; give the column an event id or empty it.")
        rows[member.id], lines[member.id] = hours, line
    return Sheet(path, rows, tuple(h for h in header if h in events))


def blank_sheet(cohort: Cohort, members: Sequence[Member]) -> bytes:
    """A sheet to fill in: one row per roster member, every event column empty."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(["id", "name", *(e.id for e in cohort.events())])
    for m in members:
        writer.writerow([m.id, csv_safe(m.details.get("name", "")), *([""] * len(cohort.events()))])
    return buf.getvalue().encode("utf-8")


def init_sheet(cohort: Cohort, roster: Path | str, out: Path | str | None = None) -> tuple[Path, int]:
    """Write a blank sheet for ``roster`` at ``out`` (default: the cohort file's ``attendance:``), never
    over an existing file. Returns the path and the number of rows."""
    roster = Path(roster).expanduser()
    path = Path(out).expanduser() if out else cohort.attendance
    if path is None:
        raise AttendanceError(f"{cohort.source} names no attendance sheet; pass --out FILE, or add "
                              "`attendance: attendance.csv` to the cohort file.")
    if path.exists():
        raise AttendanceError(f"{path} already exists; fill that one in, or pass --out with a new file name "
                              "(nothing was overwritten).")
    members, problems = read_roster(roster)
    if problems:
        raise AttendanceError("The roster has problems; fix them first:\n  " + "\n  ".join(problems))
    if not members:
        raise AttendanceError(f"Roster {roster} lists nobody; add one row per participant.")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_atomic(path, blank_sheet(cohort, members), exclusive=True, access=SHARED)  # never over one made meanwhile
    except FileExistsError:
        raise AttendanceError(f"{path} already exists; nothing was overwritten.") from None
    return path, len(members)


# ---- hours ---------------------------------------------------------------------------------------
def pd_log_hours(path: Path) -> float | None:
    """Sum of the PD log's ``hours`` column in an answers file; None when there is no such file."""
    if not path.exists():
        return None
    doc = read_document(path)  # an AnswerFileError names the file and how to restore it
    entry = doc["answers"].get(PD_LOG_KEY)
    rows = entry.get("value") if isinstance(entry, dict) else None
    if rows is None:
        return 0.0
    if not isinstance(rows, list):
        raise AttendanceError(f"{path}: answer '{PD_LOG_KEY}' should be a list of log rows; fix the file "
                              "(`llc validate` lists its problems) or restore it with `llc restore`.")
    total = 0.0
    for i, row in enumerate(rows, start=1):
        value = row.get("hours") if isinstance(row, dict) else None
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value < 0:
            raise AttendanceError(f"{path}: PD log ('{PD_LOG_KEY}') row {i}: hours {value!r} is not a number "
                                  "of hours (0 or more); correct it in the worksheet or the file.")
        total += float(value)
    return total


@dataclass(frozen=True)
class Hours:
    """One participant's hours toward the certificate, and why they fall short when they do."""
    id: str
    name: str
    attended: tuple[tuple[Event, float], ...]  # events with hours > 0, by date
    session_hours: float
    meeting_hours: float
    pd_log_hours: float  # everything logged
    pd_hours_counted: float  # after the cohort's cap
    total: float
    required: float
    qualified: bool
    reason: str  # '' when qualified
    has_row: bool  # the attendance sheet has a row for them
    has_answers: bool

    @property
    def sessions(self) -> list[Event]:
        return [e for e, _ in self.attended if e.kind == "session"]

    @property
    def meetings(self) -> list[Event]:
        return [e for e, _ in self.attended if e.kind == "meeting"]

    def partial(self) -> list[tuple[Event, float]]:
        return [(e, h) for e, h in self.attended if h < e.hours - 1e-9]


def hours_for(cohort: Cohort, pid: str, name: str, attended: dict[str, float] | None,
              logged: float | None) -> Hours:
    """Count one participant: ``attended`` from the sheet (None: no row), ``logged`` PD-log hours
    (None: no answers file)."""
    got = attended or {}
    done = tuple((e, got[e.id]) for e in cohort.events() if got.get(e.id, 0) > 0)
    session_h = round(sum(h for e, h in done if e.kind == "session"), 2)
    meeting_h = round(sum(h for e, h in done if e.kind == "meeting"), 2)
    cap = cohort.credit.pd_log_max_hours
    log = logged or 0.0
    counted = round(log if cap is None else min(log, cap), 2)
    total = round(session_h + meeting_h + counted, 2)
    required = cohort.credit.required_hours
    qualified = total >= required - 1e-9
    reason = ""
    if not qualified:
        parts = []
        if attended is None:
            parts.append("no attendance row")
        else:
            missed = [short_title(e) for e in cohort.sessions if got.get(e.id, 0) <= 0]
            if missed:
                parts.append(f"missed {and_list(missed)}" if len(missed) < len(cohort.sessions)
                             else "missed every session")
            parts += [f"part of {short_title(e)} ({fmt_hours(h)} of {fmt_hours(e.hours)} hours)"
                      for e, h in done if e.kind == "session" and h < e.hours - 1e-9]
            absent = [m for m in cohort.meetings if got.get(m.id, 0) <= 0]
            if absent:
                parts.append(f"missed {len(absent)} of {len(cohort.meetings)} meetings" if len(absent) < len(
                    cohort.meetings) else "missed every meeting")
        if cap != 0:
            of = f" of up to {fmt_hours(cap)}" if cap is not None else ""
            parts.append(f"{fmt_hours(counted)} PD-log hours counted{of}")
        if logged is None:
            parts.append("no answers file, so no PD log")
        reason = f"{fmt_hours(total)} of {fmt_hours(required)} hours: " + "; ".join(parts)
    return Hours(id=pid, name=name, attended=done, session_hours=session_h, meeting_hours=meeting_h,
                 pd_log_hours=round(log, 2), pd_hours_counted=counted, total=total, required=required,
                 qualified=qualified, reason=reason, has_row=attended is not None, has_answers=logged is not None)


def cohort_hours(cohort: Cohort, members: Sequence[Member], sheet: Sheet, answers_dir: Path) -> list[Hours]:
    """Hours of every roster member, in roster order. Reads each ``<id>.json`` in ``answers_dir``."""
    out = []
    for m in members:
        logged = pd_log_hours(Path(answers_dir) / f"{m.id}.json")
        out.append(hours_for(cohort, m.id, m.details.get("name") or m.id, sheet.attended(m.id), logged))
    return out
