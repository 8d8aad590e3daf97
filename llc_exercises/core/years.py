"""Year over year: ``llc new-year`` archives a participant's answers byte for byte and starts the next
programme year with only what outlasts a school year (``CARRY``), copying the few answers the
workbook compares (``COMPARED``) into the file's ``last_year`` so the comparison travels with the
file."""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import LeadingEdgeError
from . import definitions as defs
from . import schema
from .derived import column_total
from .files import PRIVATE, write_atomic
from .paths import ParticipantIdError, check_participant_id
from .store import AnswerStore, read_document
from .values import number, stamp_time

# What carries into the new year, by worksheet (``session.worksheet``): every answer of these
# worksheets is kept as it was; all other answers start blank.
CARRY: tuple[str, ...] = (
    # A mission and vision are written for several years, not one: next year they are revisited
    # and sharpened, not drafted again from nothing.
    "visioning.mission_vision",
    # The stakeholders are the same principal, teachers, families and public library next year;
    # their power and interest ratings are updated in place rather than the inventory re-listed.
    "relationships.stakeholders",
    # The growth implementation plan spans years (the Colorado cohort's plan is reflected on at
    # year end and continued): its goal, actions and reflection are the starting point.
    "opportunity.growth_plan",
)

# What the workbook compares, copied (values only) into the new file's ``last_year.answers``.
SELF_ASSESSMENT = "opportunity.self_assessment.areas"
PD_LOG = "opportunity.pd_log.log"
PD_TARGET = "opportunity.pd_log.target_hours"
COMPARED: tuple[str, ...] = (SELF_ASSESSMENT, PD_LOG, PD_TARGET)
AREA, LEVEL, HOURS = "area", "level", "hours"  # the columns read from those tables

ARCHIVE_DIR = "archive"
_LABEL = re.compile(schema.YEAR_PATTERN)
NONE = "—"  # an area not listed in that year


class YearError(LeadingEdgeError, ValueError):
    """A new year cannot be started; the message says why and that nothing was changed."""


# ---- programme years ---------------------------------------------------------------------------
def school_year(day: dt.date) -> str:
    """The school year (August to July) ``day`` falls in: 2025-09-01 and 2026-07-31 → "2025-26"."""
    start = day.year if day.month >= 8 else day.year - 1
    return label(start)


def label(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def start_of(text: str, what: str = "--year") -> int:
    """The first calendar year of a label like "2026-27"; YearError unless it is one."""
    m = _LABEL.match(str(text or "").strip())
    start = int(m.group(0)[:4]) if m else 0
    if not m or (start + 1) % 100 != int(m.group(0)[5:]):
        raise YearError(f"{what} {text!r} is not a programme year: write it as YYYY-YY with consecutive "
                        f"years, e.g. {school_year(dt.date.today())}. Nothing was changed.")
    return start


def _stamp_day(stamp) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(str(stamp)).astimezone(dt.timezone.utc).date()
    except (TypeError, ValueError):
        return None


def year_of(doc: Mapping, today: dt.date | None = None) -> str:
    """The programme year a document holds: its ``program_year``, else the school year most of its
    answers were last saved in (the later one on a tie), else the school year of ``today``."""
    if doc.get("program_year") is not None:
        return label(start_of(doc["program_year"], "The file's program_year"))
    counts: dict[str, int] = {}
    for entry in (doc.get("answers") or {}).values():
        day = _stamp_day(entry.get("updated")) if isinstance(entry, dict) else None
        if day:
            counts[school_year(day)] = counts.get(school_year(day), 0) + 1
    if counts:
        return max(counts, key=lambda y: (counts[y], y))
    return school_year(today or dt.date.today())


def carried_keys() -> dict[str, list[str]]:
    """Worksheet key → the answer keys of that worksheet that carry into a new year."""
    return {ws: [f.key for f in defs.worksheet(ws).fields] for ws in CARRY}


# ---- llc new-year -----------------------------------------------------------------------------------
@dataclass
class NewYear:
    """What ``new_year`` did, for the command line to report."""
    path: Path
    archive: Path
    archived_year: str
    year: str
    carried: dict[str, int]  # worksheet title → answers carried
    last_year: dict = field(default_factory=dict)

    def report(self) -> list[str]:
        """What happened, in lines for the command line."""
        c = compare({}, self.last_year, self.year)
        areas = len(c.areas) if c else 0
        hours = c.hours[0] if c else Hours(self.archived_year, 0.0, None)
        target = f" of a {hours.target:g}-hour target" if hours.target else ""
        return [f"Archived {self.archived_year}: {self.archive} (an exact copy of {self.path.name}; "
                "archives are never overwritten).",
                f"{self.path} now holds {self.year}. Carried forward:",
                *(f"  {title}: {n} answer{'' if n == 1 else 's'}" for title, n in self.carried.items()),
                f"Everything else starts blank for {self.year}.",
                f"Last year's self-assessment ({areas} area{'' if areas == 1 else 's'}) and PD hours "
                f"({hours.logged:g} logged{target}) will show beside this year's in the workbook, under "
                "\"This year beside last year\"."]


def _archive_name(doc: Mapping, path: Path, year: str) -> str:
    pid = (doc.get("participant") or {}).get("id") or path.stem
    try:
        pid = check_participant_id(pid, f"participant id in {path}")
    except ParticipantIdError as exc:
        raise YearError(f"{exc} Nothing was changed.") from None
    return f"{pid}-{year}.json"


def _check_something_was_saved(doc: Mapping, year: str, path: Path) -> None:
    """Refuse to archive a year started by ``new_year`` in which nothing has been saved since: that
    is a second run by mistake, and would file an empty year as the participant's record."""
    started = stamp_time((doc.get("last_year") or {}).get("started"))
    if started is None:
        return
    saved = [stamp_time(e.get("updated")) for e in (doc.get("answers") or {}).values() if isinstance(e, dict)]
    if not any(s and s > started for s in saved):
        raise YearError(
            f"{path} started {year} on {started:%d %b %Y} (`llc new-year`) and nothing has been saved "
            f"since, so {year} would be archived empty. Nothing was changed. Run it again once "
            f"{year}'s answers are in.")


def _plan(doc: dict, path: Path, year: str | None, today: dt.date | None) -> tuple[str, str, Path]:
    """(archived year, new year, archive path) for ``doc``; YearError if any is wrong."""
    archived = year_of(doc, today)
    new = label(start_of(year)) if year else label(start_of(archived) + 1)
    if start_of(new) <= start_of(archived):
        raise YearError(f"--year {new} is not after {archived}, the year {path.name} holds now. Give the "
                        f"new year, e.g. --year {label(start_of(archived) + 1)}. Nothing was changed.")
    _check_something_was_saved(doc, archived, path)
    archive = path.parent / ARCHIVE_DIR / _archive_name(doc, path, archived)
    if archive.exists():
        raise YearError(f"{archive} already exists: {archived} has been archived before, and it is never "
                        f"overwritten. Nothing was changed. If {path.name} really holds another "
                        f"year's answers, set its program_year, or move the old archive away first.")
    return archived, new, archive


def next_document(doc: dict, archived: str, new: str, archived_as: str, now: str) -> dict:
    """The new year's document: the participant, the carried answers as they were, the new
    ``program_year``, and ``last_year`` holding the compared answers' values."""
    answers = doc.get("answers") or {}
    keep = {k: answers[k] for keys in carried_keys().values() for k in keys if k in answers}
    snapshot = {k: answers[k].get("value") for k in COMPARED
                if isinstance(answers.get(k), dict) and answers[k].get("value") is not None}
    for k, v in snapshot.items():
        schema.check_value(k, v)  # last year's values go in only if they fit their fields
    return {"schema_version": schema.SCHEMA_VERSION, "participant": dict(doc.get("participant") or {}),
            "program_year": new, "answers": keep,
            "last_year": {"year": archived, "archived_as": archived_as, "started": now, "answers": snapshot}}


def new_year(path: str | os.PathLike, year: str | None = None, today: dt.date | None = None) -> NewYear:
    """Archive the answers file at ``path`` as it is and start the next programme year in it.

    The archive (an exact copy, 0600 in a 0700 ``archive/`` folder) is written first, under the
    store's lock, so no notebook can save in between; then the new document replaces the file
    through the store (validated, ``.bak`` kept, atomic). If that fails, the archive is removed again
    and the file is as it was. Raises YearError (nothing changed) for a wrong ``--year`` or an
    archive that already exists."""
    path = Path(path).expanduser()
    _plan(read_document(path), path, year, today)  # the common mistakes, before taking the lock
    store = AnswerStore(path)
    done: dict = {}

    def rewrite(doc: dict, raw: bytes) -> dict:
        # Again under the lock, from what is on disk now: the archive is these very bytes.
        archived, new, archive = _plan(doc, path, year, today)
        made_folder = not archive.parent.exists()
        archive.parent.mkdir(mode=0o700, exist_ok=True)  # answers are private
        done.update(folder=archive.parent if made_folder else None)
        try:
            write_atomic(archive, raw, exclusive=True, access=PRIVATE)
        except FileExistsError:
            raise YearError(f"{archive} already exists (written a moment ago by another run); it is "
                            "never overwritten. Nothing was changed.") from None
        done.update(archive=archive, archived=archived, new=new)
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        return next_document(doc, archived, new, f"{ARCHIVE_DIR}/{archive.name}", now)

    try:
        written = store.rewrite(rewrite)
    except BaseException:
        if done.get("archive"):
            done["archive"].unlink(missing_ok=True)
        if done.get("folder"):
            try:
                done["folder"].rmdir()
            except OSError:
                pass  # something else is in it now
        raise
    counts = {defs.worksheet(ws).title: sum(k in written["answers"] for k in keys)
              for ws, keys in carried_keys().items()}
    return NewYear(path, done["archive"], done["archived"], done["new"], counts, written["last_year"])


# ---- this year beside last year ----------------------------------------------------------------
@dataclass
class AreaRow:
    area: str
    last: int | None   # level last year; None when not rated
    this: int | None
    in_last: bool = True   # listed at all in that year (a row, rated or not)
    in_this: bool = True

    @property
    def change(self) -> str:
        """The change as text, so it never rests on colour alone: "↑ up 1", "↓ down 2", "= same"."""
        if self.last is None or self.this is None:
            return NONE
        d = self.this - self.last
        return f"↑ up {d}" if d > 0 else f"↓ down {-d}" if d < 0 else "= same"


@dataclass
class Hours:
    year: str
    logged: float
    target: float | None

    @property
    def share(self) -> str:
        return f"{100 * self.logged / self.target:.0f}%" if self.target else NONE


@dataclass
class Comparison:
    last_year: str
    this_year: str
    archived_as: str
    areas: list[AreaRow]
    level: defs.Field      # the scale column, for its labels
    hours: list[Hours]     # last year, then this year

    def level_text(self, level: int | None, listed: bool) -> str:
        if not listed:
            return NONE
        return self.level.level_label(level) if level else "not rated"


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def _levels(rows, col: defs.Field) -> dict[str, tuple[str, int | None]]:
    """Normalised area name → (name as written, level or None), first rated row of a name winning."""
    out: dict[str, tuple[str, int | None]] = {}
    for i, r in enumerate(rows if isinstance(rows, list) else [], 1):
        if not isinstance(r, dict):
            continue
        name = " ".join(str(r.get(AREA) or "").split()) or f"Row {i}"
        v = r.get(col.id)
        level = v if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= len(col.levels) else None
        key = _norm(name)
        if key not in out:
            out[key] = (name, level)
        elif out[key][1] is None and level is not None:
            out[key] = (out[key][0], level)
    return out


def compare(answers: Mapping, last_year, program_year=None) -> Comparison | None:
    """This year's answers beside ``last_year`` (the file's entry), or None when there is none."""
    if not isinstance(last_year, Mapping) or not isinstance(last_year.get("answers"), Mapping):
        return None
    before = last_year["answers"]
    last_label = str(last_year.get("year") or "last year")
    this_label = str(program_year or "this year")
    col = defs.field_for_key(SELF_ASSESSMENT).column(LEVEL)
    old, new = _levels(before.get(SELF_ASSESSMENT), col), _levels(answers.get(SELF_ASSESSMENT), col)
    rows = []
    for key in [*new, *(k for k in old if k not in new)]:  # this year's order, then last year's others
        name = (new.get(key) or old[key])[0]
        rows.append(AreaRow(name, old.get(key, (name, None))[1], new.get(key, (name, None))[1],
                            in_last=key in old, in_this=key in new))
    hours = [Hours(last_label, column_total(before.get(PD_LOG), HOURS), number(before.get(PD_TARGET))),
             Hours(this_label, column_total(answers.get(PD_LOG), HOURS), number(answers.get(PD_TARGET)))]
    return Comparison(last_label, this_label, str(last_year.get("archived_as") or ""), rows, col, hours)


def levels_chart_alt(c: Comparison) -> str:
    """The chart in words: which areas went up, down, or stayed the same."""
    title = f"Self-assessment levels, {c.last_year} beside {c.this_year}"
    rated = [r for r in c.areas if r.last or r.this]
    if not rated:
        return f"{title}: no area rated in either year yet."
    moves = {"up": [r.area for r in rated if r.change.startswith("↑")],
             "down": [r.area for r in rated if r.change.startswith("↓")],
             "the same": [r.area for r in rated if r.change.startswith("=")]}
    parts = [f"{k}: {', '.join(v)}" for k, v in moves.items() if v]
    return f"{title}: {len(rated)} area(s)" + ("; " + "; ".join(parts) if parts else "") + "."
