"""The cohort file: one YAML file a facilitator edits without programming.

It says who the cohort is (name, facilitators), when the six sessions and the cohort meetings are
(the Colorado cohort model: a kickoff, four meetings, a culmination), how many hours each is worth,
the credit on offer and how many hours earn it. The calendar, the certificates, the report, the
guide and the workbook cover all read it through ``load_cohort``; every mistake is reported with the
file and the entry, before anything is written.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .. import settings
from ..errors import LeadingEdgeError
from . import definitions as defs
from .files import SHARED, write_atomic
from .readers import text_field

SERIES = "On the Leading Edge"
DEFAULT_TIMEZONE = "America/Chicago"  # ESC-20 is in San Antonio, Texas
TOP_KEYS = ("name", "series", "organiser", "timezone", "facilitators", "credit", "attendance",
            "certificate_secret", "sessions", "meetings", "hub_group", "teams")
TEAM_KEYS = ("name", "leader", "members")
EVENT_KEYS = ("id", "title", "date", "start", "end", "hours", "where", "notes")
CREDIT_KEYS = ("offered", "required_hours", "pd_log_max_hours")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
# A JupyterHub login or group name as the usual authenticators leave it: they lower-case names
# (a user created as "facA" logs in as "faca"), so the file's names are compared lower-cased.
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,99}$")


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text: PyYAML's own date parsing fails with a bare ValueError
    on 2026-02-30; ``_date`` gives a message naming the entry instead."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 — a SafeLoader subclass


class CohortError(LeadingEdgeError, ValueError):
    """The cohort file cannot be used; the message names the file, the entry and the fix."""


@dataclass(frozen=True)
class Facilitator:
    name: str
    email: str = ""
    role: str = ""
    hub_user: str = ""  # their JupyterHub login: they see this cohort's work on the hub


@dataclass(frozen=True)
class Team:
    """A partnership group of the Colorado cohort model: a leader (a cohort member) and the members
    whose growth plans they help with; hub logins, lower-cased."""
    name: str
    leader: str
    members: tuple[str, ...]

    def everyone(self) -> tuple[str, ...]:
        return (self.leader, *(m for m in self.members if m != self.leader))


@dataclass(frozen=True)
class Event:
    """A session or cohort meeting: a dated block of time that earns ``hours`` when attended."""
    id: str
    kind: str  # "session" or "meeting"
    title: str
    date: dt.date
    start: dt.time
    end: dt.time
    hours: float
    where: str = ""
    notes: str = ""

    def span(self) -> str:
        """'Thursday 7 October 2021, 08:30–15:30' as shown on covers and in notebooks."""
        return f"{self.date:%A} {self.date.day} {self.date:%B %Y}, {self.start:%H:%M}–{self.end:%H:%M}"


@dataclass(frozen=True)
class Credit:
    offered: str
    required_hours: float
    # Hours from a participant's own PD log that count toward the requirement, at most (None: all).
    pd_log_max_hours: float | None = None


@dataclass(frozen=True)
class Cohort:
    name: str
    series: str
    organiser: str
    timezone: str
    facilitators: tuple[Facilitator, ...]
    sessions: tuple[Event, ...]
    meetings: tuple[Event, ...]
    credit: Credit
    attendance: Path | None  # the attendance CSV, resolved against the cohort file's folder
    certificate_secret: str
    source: Path | None
    # On a hub: the group whose members are this cohort's participants, and their partnership teams.
    hub_group: str = ""
    teams: tuple[Team, ...] = ()

    def facilitator_logins(self) -> tuple[str, ...]:
        return tuple(f.hub_user for f in self.facilitators if f.hub_user)

    def team_of(self, login: str) -> Team | None:
        return next((t for t in self.teams if login in t.everyone()), None)

    def events(self) -> list[Event]:
        return sorted(self.sessions + self.meetings, key=lambda e: (e.date, e.start))

    def event(self, eid: str) -> Event:
        return defs.by_id(self.events(), eid, f"cohort {self.name!r}")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def hours_available(self) -> float:
        return sum(e.hours for e in self.sessions + self.meetings)


def series_sessions() -> list[defs.Session]:
    """The six full-day sessions (orientation, number 0, is done before the series and is not dated)."""
    return [s for s in defs.sessions() if s.number >= 1]


# ---- the starter file ----------------------------------------------------------------------------
# The Colorado cohort model's meetings (seed 004): a half-day kickoff, four meetings between the
# sessions and a half-day culmination, placed in the seed's windows relative to the 2021–22 series.
_MEETINGS_2021 = (
    ("kickoff", "Cohort kickoff (half day)", dt.date(2021, 9, 28), "09:00", "12:00", 3.0),
    ("meeting_1", "Cohort meeting 1 and reflection", dt.date(2021, 11, 16), "16:00", "17:30", 1.5),
    ("meeting_2", "Cohort meeting 2 and reflection", dt.date(2022, 1, 25), "16:00", "17:30", 1.5),
    ("meeting_3", "Cohort meeting 3 and reflection", dt.date(2022, 2, 24), "16:00", "17:30", 1.5),
    ("meeting_4", "Cohort meeting 4 and reflection", dt.date(2022, 4, 12), "16:00", "17:30", 1.5),
    ("culmination", "Celebration and culmination (half day)", dt.date(2022, 5, 17), "09:00", "12:00", 3.0),
)
SEED_SCHOOL_YEAR = 2021  # the seed's series ran in the 2021–22 school year


def same_weekday_in(d: dt.date, school_year: int) -> dt.date:
    """``d`` moved to the school year starting in August ``school_year``: same month, same weekday,
    same week of the month (the first Thursday of October stays the first Thursday of October)."""
    year = d.year + school_year - SEED_SCHOOL_YEAR
    nth = (d.day - 1) // 7
    first = dt.date(year, d.month, 1)
    day = 1 + (d.weekday() - first.weekday()) % 7 + 7 * nth
    while True:
        try:
            return dt.date(year, d.month, day)
        except ValueError:  # a fifth Thursday that this month lacks: take the fourth
            day -= 7


def starter_yaml(name: str = "My cohort", school_year: int | None = None, facilitator: str = "") -> str:
    """A commented cohort file a facilitator can edit: the seed's series dates (or the same weekdays
    in ``school_year``), the Colorado meetings, 6 hours per session and a 32-hour requirement."""
    def when(d: dt.date) -> dt.date:
        return d if school_year is None else same_weekday_in(d, school_year)

    def q(text: str) -> str:
        return yaml.safe_dump(text, allow_unicode=True, default_style='"', width=10**6).strip()

    lines = [
        "# Leading Edge cohort file. Edit the values after the colons; keep the indentation.",
        "# Dates are YYYY-MM-DD, times are 24-hour \"HH:MM\" in quotes. Check it with:",
        "#     llc cohort check THIS-FILE",
        f"name: {q(name)}",
        f"series: {q(SERIES)}",
        "organiser: \"Your education service center or district\"",
        "# Time zone of the times below (a tz database name, e.g. America/Chicago, America/Denver).",
        f"timezone: {DEFAULT_TIMEZONE}",
        "facilitators:",
        f"  - name: {q(facilitator or 'Your name')}",
        "    email: \"\"",
        "    role: Lead facilitator",
        "credit:",
        "  # What the certificate awards; printed on it.",
        "  offered: \"Continuing professional education (CPE) hours\"",
        "  # Hours a participant needs for a certificate: sessions and meetings attended, plus PD-log hours.",
        "  # (The Colorado cohort model offered 32 continuing-education hours; the Resilient Together",
        "  # course 15 PD credits.)",
        "  required_hours: 32",
        "  # At most this many hours from each participant's own PD log count (the Colorado model asked",
        "  # for 8 hours of PD). Use 0 to count attendance only.",
        "  pd_log_max_hours: 8",
        "# The attendance sheet, relative to this file (`llc attendance init` writes a blank one).",
        "attendance: attendance.csv",
        "# Makes certificate verification codes unguessable. Keep it private; do not change it once",
        "# certificates are issued, or their codes stop checking out.",
        f"certificate_secret: {secrets.token_hex(16)}",
        "# The six full-day sessions, in series order. `hours` is the credit for attending one.",
        "sessions:",
    ]
    for s in series_sessions():
        d = when(dt.date.fromisoformat(s.original_date))
        lines += [f"  - id: {s.id}", f"    title: {q(s.title)}", f"    date: {d.isoformat()}",
                  '    start: "08:30"', '    end: "15:30"', "    hours: 6", '    where: "Online (link by email)"']
    lines += ["# Cohort meetings (the Colorado cohort model: kickoff, four meetings, culmination).",
              "# Delete any you do not hold; add your own with a new id.",
              "meetings:"]
    for mid, title, d, start, end, hours in _MEETINGS_2021:
        lines += [f"  - id: {mid}", f"    title: {q(title)}", f"    date: {when(d).isoformat()}",
                  f'    start: "{start}"', f'    end: "{end}"', f"    hours: {hours:g}",
                  '    where: "To be announced"']
    return "\n".join(lines) + "\n"


def init_cohort(path: Path, name: str = "My cohort", school_year: int | None = None,
                facilitator: str = "", force: bool = False) -> Cohort:
    """Write a starter cohort file (never over an existing one unless ``force``) and load it back."""
    if path.exists() and not force:
        raise CohortError(f"{path} already exists; edit it, choose another name, or pass --force to replace it.")
    text = starter_yaml(name, school_year, facilitator)
    path.parent.mkdir(parents=True, exist_ok=True)
    cohort = parse_cohort(_yaml(text), path)  # the starter must pass its own check
    write_atomic(path, text.encode("utf-8"), access=SHARED)
    return cohort


# ---- loading and checking ------------------------------------------------------------------------
def _text(raw: dict, key: str, where: str, required: bool = False) -> str:
    return text_field(raw, key, where, CohortError, required)


def _unknown(raw: dict, allowed: tuple[str, ...], where: str) -> None:
    extra = [k for k in raw if k not in allowed]
    if extra:
        raise CohortError(f"{where}: unknown entry {', '.join(map(repr, extra))} (a typo?); "
                          f"allowed here: {', '.join(allowed)}.")


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CohortError(f"{where}: date {value!r} is not a date; write it as YYYY-MM-DD, "
                          "for example 2026-10-01.") from None


def _time(value: Any, where: str) -> dt.time:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 9:30 as the base-60 number 570; take it back to 09:30.
        return dt.time(value // 60, value % 60)
    m = _TIME.match(str(value).strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise CohortError(f"{where}: time {value!r} is not a time; write it as \"HH:MM\" in quotes, "
                          "24-hour, for example \"08:30\" or \"15:30\".")
    return dt.time(int(m.group(1)), int(m.group(2)))


def _hours(value: Any, where: str, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(str(value).strip())
        except ValueError:
            raise CohortError(f"{where}: {value!r} is not a number of hours; write a number such as 6 "
                              "or 1.5.") from None
    if not 0 <= float(value) <= 1000:
        raise CohortError(f"{where}: {value!r} hours is out of range; use a number from 0 up.")
    return float(value)


def _entries(raw_list: list, where: str, kind: str, key: str, allowed: tuple[str, ...], expected: str):
    """Each entry of a list of mappings, with its ``key`` and the place to name in a message:
    "FILE, team 'North' (teams entry 2)"."""
    for i, raw in enumerate(raw_list, start=1):
        here = f"{where}, {kind}s entry {i}"
        if not isinstance(raw, dict):
            raise CohortError(f"{here}: expected {expected}.")
        name = _text(raw, key, here, required=True)
        here = f"{where}, {kind} '{name}' ({kind}s entry {i})"
        _unknown(raw, allowed, here)
        yield raw, name, here


def _events(raw_list: Any, kind: str, where: str, titles: dict[str, str]) -> list[Event]:
    if raw_list is None:
        return []
    if not isinstance(raw_list, list):
        raise CohortError(f"{where}: '{kind}s' should be a list of entries, each starting with '- id:'.")
    out = []
    for raw, eid, here in _entries(raw_list, where, kind, "id", EVENT_KEYS,
                                   "`id:`, `date:`, `start:`, `end:` and `hours:` lines"):
        if not _ID.match(eid):
            raise CohortError(f"{here}: id should be lower-case letters, digits and underscores.")
        start = _time(raw.get("start"), f"{here}, start")
        end = _time(raw.get("end"), f"{here}, end")
        if end <= start:
            raise CohortError(f"{here}: ends at {end:%H:%M}, not after it starts at {start:%H:%M}; "
                              "check the two times.")
        if raw.get("hours") is None:
            raise CohortError(f"{here}: 'hours' is missing; give the credit hours for attending it.")
        title = _text(raw, "title", here) or titles.get(eid) or eid.replace("_", " ").title()
        out.append(Event(id=eid, kind=kind, title=title,
                         date=_date(raw.get("date"), f"{here}, date"), start=start, end=end,
                         hours=float(_hours(raw.get("hours"), f"{here}, hours") or 0.0),
                         where=_text(raw, "where", here), notes=_text(raw, "notes", here)))
    return out


def _on_the_clock(e: Event, label: str, local: dt.datetime, tz_name: str, where: str) -> None:
    """A time the clocks skip (02:30 when they spring forward) or show twice (01:30 when they fall
    back) is refused: calendar apps disagree about which instant such a time means (ical.js takes
    the second 01:30, vobject, node-ical and RFC 5545 the first), so participants would not meet."""
    tz = ZoneInfo(tz_name)
    first, second = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return
    exists = first.astimezone(dt.timezone.utc).astimezone(tz).replace(tzinfo=None) == local
    what = ("does not exist there: the clocks jump past it" if not exists
            else "happens twice there: the clocks go back over it")
    raise CohortError(f"{where}: '{e.id}' {label} at {local:%H:%M} on {local:%Y-%m-%d}, which {what} "
                      f"({tz_name} changes between summer and winter time that night). Move it an hour "
                      "or more away from the change.")


def _login(value: Any, where: str) -> str:
    text = str(value if value is not None else "").strip()
    login = text.lower()
    if not _LOGIN.match(login):
        raise CohortError(f"{where}: {text!r} is not a hub login; write the name the person signs in to "
                          "the hub with (letters, digits, and . _ @ + -).")
    return login


def _teams(raw_list: Any, where: str, hub_group: str, facilitators: tuple[str, ...]) -> tuple[Team, ...]:
    """Partnership teams: each a name, a leader and members; nobody in two teams of one cohort."""
    if raw_list in (None, []):
        return ()
    if not hub_group:
        raise CohortError(f"{where}: 'teams' needs 'hub_group' (the hub group whose members are this "
                          "cohort's participants): team leaders and members are cohort members.")
    if not isinstance(raw_list, list):
        raise CohortError(f"{where}: 'teams' should be a list of entries, each `- name:` with `leader:` "
                          "and `members:`.")
    teams: list[Team] = []
    seen: dict[str, str] = {}
    for raw, name, here in _entries(raw_list, where, "team", "name", TEAM_KEYS,
                                    "`name:`, `leader:` and `members:` (a list of hub logins)"):
        leader = _login(raw.get("leader"), f"{here}, leader")
        members = raw.get("members")
        if not isinstance(members, list) or not members:
            raise CohortError(f"{here}: 'members' should list the team's hub logins, e.g. `members: [ana, ben]`.")
        logins = tuple(dict.fromkeys(_login(m, f"{here}, members") for m in members))
        team = Team(name=name, leader=leader, members=logins)
        if any(t.name.casefold() == name.casefold() for t in teams):
            raise CohortError(f"{here}: another team is already called {name!r}; give each team its own name.")
        for login in team.everyone():
            if login in facilitators:
                raise CohortError(f"{here}: {login!r} is a facilitator of this cohort (facilitators: hub_user); "
                                  "teams are made of participants.")
            if login in seen:
                raise CohortError(f"{here}: {login!r} is already in team {seen[login]!r}; a participant "
                                  "belongs to one team of a cohort.")
            seen[login] = name
        teams.append(team)
    return tuple(teams)


def parse_cohort(raw: Any, source: Path) -> Cohort:
    where = str(source)
    if not isinstance(raw, dict):
        raise CohortError(f"{where}: expected entries like `name: …` and `sessions:`; run "
                          "`llc cohort init FILE` for a starter file.")
    _unknown(raw, TOP_KEYS, where)
    tz = _text(raw, "timezone", where) or DEFAULT_TIMEZONE
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise CohortError(f"{where}: timezone {tz!r} is unknown; use a tz database name such as "
                          "America/Chicago or America/Denver.") from None

    facilitators = []
    for i, f in enumerate(raw.get("facilitators") or [], start=1):
        here = f"{where}, facilitators entry {i}"
        if isinstance(f, str):
            f = {"name": f}
        if not isinstance(f, dict):
            raise CohortError(f"{here}: expected `- name: …` (with optional email and role).")
        _unknown(f, ("name", "email", "role", "hub_user"), here)
        hub_user = _login(f["hub_user"], f"{here}, hub_user") if f.get("hub_user") not in (None, "") else ""
        facilitators.append(Facilitator(_text(f, "name", here, required=True), _text(f, "email", here),
                                        _text(f, "role", here), hub_user))
    if not facilitators:
        raise CohortError(f"{where}: 'facilitators' is missing or empty; list at least one `- name: …`.")

    credit_raw = raw.get("credit") or {}
    if not isinstance(credit_raw, dict):
        raise CohortError(f"{where}: 'credit' should hold `offered:`, `required_hours:` and `pd_log_max_hours:`.")
    _unknown(credit_raw, CREDIT_KEYS, f"{where}, credit")
    if credit_raw.get("required_hours") is None:
        raise CohortError(f"{where}, credit: 'required_hours' is missing; how many hours earn a certificate?")
    credit = Credit(offered=_text(credit_raw, "offered", f"{where}, credit") or "Professional development hours",
                    required_hours=float(_hours(credit_raw["required_hours"], f"{where}, credit, required_hours")
                                         or 0.0),
                    pd_log_max_hours=_hours(credit_raw.get("pd_log_max_hours"),
                                            f"{where}, credit, pd_log_max_hours", allow_none=True))

    known = {s.id: s for s in series_sessions()}
    sessions = _events(raw.get("sessions"), "session", where, {k: s.title for k, s in known.items()})
    ids = [e.id for e in sessions]
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise CohortError(f"{where}: session {unknown[0]!r} is not a session of the kit; the sessions are "
                          f"{', '.join(known)} (meetings go under 'meetings:').")
    missing = [i for i in known if i not in ids]
    if missing:
        raise CohortError(f"{where}: the sessions list lacks {', '.join(missing)}; every one of the six "
                          "sessions needs a date.")
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise CohortError(f"{where}: session {repeated[0]!r} is listed twice; keep one entry.")
    sessions.sort(key=lambda e: known[e.id].number)
    for before, after in zip(sessions, sessions[1:]):
        if (after.date, after.start) <= (before.date, before.start):
            raise CohortError(f"{where}: session '{after.id}' ({after.date}) is not after '{before.id}' "
                              f"({before.date}); the sessions must run in series order — check both dates.")

    meetings = _events(raw.get("meetings"), "meeting", where, {m[0]: m[1] for m in _MEETINGS_2021})
    all_ids = ids + [m.id for m in meetings]
    clash = sorted({i for i in all_ids if all_ids.count(i) > 1})
    if clash:
        raise CohortError(f"{where}: id {clash[0]!r} is used twice; give each session and meeting its own id.")
    for before, after in zip(meetings, meetings[1:]):
        if (after.date, after.start) < (before.date, before.start):
            raise CohortError(f"{where}: meeting '{after.id}' ({after.date}) comes before '{before.id}' "
                              f"({before.date}) but is listed after it; list meetings in date order.")
    everything = sorted(sessions + meetings, key=lambda e: (e.date, e.start))
    for a, b in zip(everything, everything[1:]):
        if a.date == b.date and b.start < a.end:
            raise CohortError(f"{where}: '{a.id}' and '{b.id}' overlap on {a.date} "
                              f"({a.start:%H:%M}–{a.end:%H:%M} and {b.start:%H:%M}–{b.end:%H:%M}).")

    for e in everything:
        for label, clock in (("starts", e.start), ("ends", e.end)):
            _on_the_clock(e, label, dt.datetime.combine(e.date, clock), tz, where)

    from_log = float("inf") if credit.pd_log_max_hours is None else credit.pd_log_max_hours
    available = sum(e.hours for e in everything) + from_log
    if credit.required_hours > available:
        raise CohortError(f"{where}, credit: required_hours {credit.required_hours:g} is more than anyone can "
                          f"earn ({available:g} hours from sessions, meetings and the PD log); lower it or "
                          "add hours.")

    hub_group = _login(raw["hub_group"], f"{where}, hub_group") if raw.get("hub_group") not in (None, "") else ""
    teams = _teams(raw.get("teams"), where, hub_group, tuple(f.hub_user for f in facilitators if f.hub_user))

    attendance = _text(raw, "attendance", where)
    return Cohort(
        name=_text(raw, "name", where, required=True), series=_text(raw, "series", where) or SERIES,
        organiser=_text(raw, "organiser", where), timezone=tz, facilitators=tuple(facilitators),
        sessions=tuple(sessions), meetings=tuple(meetings), credit=credit,
        attendance=(source.parent / attendance) if attendance else None,
        certificate_secret=_text(raw, "certificate_secret", where), source=source,
        hub_group=hub_group, teams=teams)


def load_cohort(path: Path | str) -> Cohort:
    """Read and check a cohort file; a CohortError names the file and entry on any problem."""
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CohortError(f"Cohort file {path} not found. Write one with `llc cohort init {path}`.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CohortError(f"Cohort file {path} cannot be read ({exc}).") from None
    try:
        raw = _yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" near line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CohortError(f"{path}: not valid YAML{line} ({problem}); check the indentation and that "
                          "text containing ': ' is in quotes.") from None
    return parse_cohort(raw, path)


def current_cohort() -> Cohort | None:
    """The cohort a facilitator has set up for this machine or hub (``LLC_COHORT``), if any."""
    path = settings.COHORT.raw()
    return load_cohort(path) if path else None


def seed_cohort() -> Cohort:
    """The original 2021–22 series (seed dates), shown when no cohort file is set up. Only the six
    sessions: the cohort meetings of the starter file are the Colorado model's, not the series'."""
    starter = parse_cohort(_yaml(starter_yaml("On the Leading Edge 2021–22 (original dates)")),
                           Path("<built-in series dates>"))
    return dataclasses.replace(starter, meetings=())


def dates_for_now() -> tuple[Cohort, bool, str]:
    """(cohort, original, problem): this cohort's dates from LLC_COHORT, or the original series
    dates (``original``) when none is set — or when it cannot be read, with the reason as
    ``problem``: a notebook shows that message rather than a traceback."""
    try:
        current = current_cohort()
    except CohortError as exc:
        return seed_cohort(), True, str(exc)
    return (current, False, "") if current is not None else (seed_cohort(), True, "")
