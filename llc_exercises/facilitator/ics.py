"""The cohort's calendar: one iCalendar (RFC 5545) file with every session and cohort meeting.

A facilitator hands it out (email, the hub, a web page); participants import it into Outlook, Google
Calendar or Apple Calendar. Times are the cohort's local times with its time zone spelled out in a
VTIMEZONE, so a participant travelling — or a calendar set to another zone — still sees the right hour.

The VTIMEZONE is written here from the tz database rather than by ``icalendar.Timezone.from_tzinfo``:
that one packs several transitions on one ``RDATE`` line, which RFC 5545 allows but ical.js
(Thunderbird, many web calendars) and vobject read as the first date only — every event after the
second clock change of a series came out an hour off. Here each transition has a line of its own,
at the local wall-clock time it happens (in the offset in force just before it, as §3.6.5 says).
"""
from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from ..core import cohort as cohorts
from ..core import definitions as defs
from ..core.files import SHARED, write_atomic

PRODID = "-//Leading Edge//llc calendar//EN"
# Fixed namespace for the events' UIDs: never change it, or every calendar a participant imported
# before gets a second copy of each event on the next import.
_UID_NAMESPACE = uuid.UUID("5b0f7a52-31c4-4e8e-9a0e-6c1d2f7d4c11")


def event_uid(cohort: cohorts.Cohort, event: cohorts.Event) -> str:
    """The same UID for the same cohort and event id in every run: a participant who imports an
    updated calendar (a session moved) gets the event changed in place, not a duplicate beside the
    old one. Dates and titles are left out on purpose — they are what an update changes."""
    return f"{uuid.uuid5(_UID_NAMESPACE, cohort.name + chr(31) + event.id)}@leading-edge"


def _hours(hours: float) -> str:
    return f"{hours:g} hour{'' if hours == 1 else 's'}"


def description(cohort: cohorts.Cohort, event: cohorts.Event) -> str:
    """Plain text: for a session its objectives and the notebook to open, for a meeting its notes;
    both with the credit hours. icalendar escapes it when written."""
    lines: list[str] = []
    if event.kind == "session":
        s = defs.session(event.id)
        lines.append(f"Session {s.number} of {cohort.series}.")
        if s.objectives:
            lines += ["", "Objectives:", *(f"- {o.text}" for o in s.objectives)]
        lines += ["", f"Open notebooks/{s.source.stem}.ipynb in the Leading Edge kit."]
        if event.notes:
            lines += ["", event.notes]
    else:
        if event.notes:
            lines += [event.notes, ""]
    lines.append(f"Credit for attending: {_hours(event.hours)}.")
    return "\n".join(lines)


def _offset(delta: dt.timedelta | None) -> dt.timedelta:
    return delta or dt.timedelta(0)


def transitions(tz: ZoneInfo, first: dt.date, last: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The zone's clock changes from ``first`` up to ``last``: (the instant in UTC, aware local time just
    after it). Found day by day, then to the minute by bisection: the tz database has no public list."""
    def at(instant: dt.datetime) -> tuple:
        local = instant.astimezone(tz)
        return _offset(local.utcoffset()), _offset(local.dst()), local.tzname()

    found = []
    day = dt.datetime.combine(first, dt.time(), tzinfo=dt.timezone.utc)
    end = dt.datetime.combine(last, dt.time(), tzinfo=dt.timezone.utc)
    while day < end:
        nxt = day + dt.timedelta(days=1)
        if at(day) != at(nxt):
            lo, hi = day, nxt  # at(lo) is the old rule, at(hi) the new one
            while hi - lo > dt.timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if at(mid) == at(lo) else (lo, mid)
            hi = hi.replace(second=0, microsecond=0)
            found.append((hi, hi.astimezone(tz)))
        day = nxt
    return found


def vtimezone(tz: ZoneInfo, name: str, first: dt.date, last: dt.date) -> icalendar.Timezone:
    """A VTIMEZONE right from ``first`` to ``last``: one STANDARD/DAYLIGHT block per kind of change,
    its first transition as DTSTART and every later one on an RDATE line of its own. A zone without
    changes in the span (America/Phoenix) is one STANDARD block with its fixed offset."""
    vtz = icalendar.Timezone()
    vtz.add("tzid", name)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    blocks: dict[tuple, icalendar.cal.Component] = {}

    def block(kind: str, before: dt.timedelta, local: dt.datetime) -> icalendar.cal.Component:
        key = (kind, before, _offset(local.utcoffset()), local.tzname())
        if key not in blocks:
            comp = icalendar.TimezoneDaylight() if kind == "DAYLIGHT" else icalendar.TimezoneStandard()
            comp.add("tzname", local.tzname() or name)
            comp.add("tzoffsetfrom", before)
            comp.add("tzoffsetto", _offset(local.utcoffset()))
            blocks[key] = comp
            vtz.add_component(comp)
        return blocks[key]

    # The rule in force at the start of the span, as an observance that begins there.
    kind = "DAYLIGHT" if _offset(start.dst()) else "STANDARD"
    here = _offset(start.utcoffset())
    block(kind, here, start).add("dtstart", start.replace(tzinfo=None))
    for instant, local in transitions(tz, first, last):
        before = _offset((instant - dt.timedelta(minutes=1)).astimezone(tz).utcoffset())
        kind = "DAYLIGHT" if _offset(local.dst()) else "STANDARD"
        # Wall-clock time of the change in the offset before it: 02:00 for both US changes.
        wall = (instant + before).replace(tzinfo=None)
        comp = block(kind, before, local)
        comp.add("rdate" if "DTSTART" in comp else "dtstart", wall)
    return vtz


def calendar(cohort: cohorts.Cohort, stamp: dt.datetime | None = None) -> icalendar.Calendar:
    """The cohort's calendar, one VEVENT per session and meeting, in date order."""
    tz = cohort.tz
    stamp = (stamp or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    calname = f"{cohort.series} — {cohort.name}"
    cal.add("x-wr-calname", calname)
    cal.add("name", calname)  # RFC 7986's name for the same thing
    cal.add("x-wr-timezone", cohort.timezone)
    events = cohort.events()
    if events:
        # Transitions for the cohort's years only: a short VTIMEZONE that is right for every event.
        cal.add_component(vtimezone(tz, cohort.timezone, dt.date(events[0].date.year - 1, 1, 1),
                                    dt.date(events[-1].date.year + 2, 1, 1)))
    organiser = next((f for f in cohort.facilitators if f.email), None)
    for e in events:
        ve = icalendar.Event()
        ve.add("uid", event_uid(cohort, e))
        ve.add("dtstamp", stamp)
        # Aware local times: icalendar writes DTSTART;TZID=America/Chicago:20250909T083000.
        ve.add("dtstart", dt.datetime.combine(e.date, e.start, tzinfo=tz))
        ve.add("dtend", dt.datetime.combine(e.date, e.end, tzinfo=tz))
        ve.add("summary", f"{e.title} — {cohort.name}")
        if e.where:
            ve.add("location", e.where)
        ve.add("description", description(cohort, e))
        ve.add("categories", [e.kind])
        if organiser is not None:
            who = icalendar.vCalAddress(f"mailto:{organiser.email}")
            who.params["cn"] = icalendar.vText(organiser.name)
            ve.add("organizer", who)
        ve.add("transp", "OPAQUE")
        cal.add_component(ve)
    return cal


def calendar_bytes(cohort: cohorts.Cohort, stamp: dt.datetime | None = None) -> bytes:
    """The .ics file's content: CRLF line endings, lines folded at 75 octets (icalendar does both)."""
    return calendar(cohort, stamp).to_ical()


def write_calendar(cohort: cohorts.Cohort, out: Path, stamp: dt.datetime | None = None) -> Path:
    """Write the calendar to ``out`` (built in memory first, then moved into place whole)."""
    out = Path(out)
    data = calendar_bytes(cohort, stamp)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, data, access=SHARED)  # the cohort's dates, for everyone
    return out
