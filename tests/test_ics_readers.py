"""The cohort calendar read by software we did not write: vobject (Python), ical.js (Thunderbird and
many web calendars: it uses the file's VTIMEZONE) and node-ical (it resolves the zone by name).

Every event's start and end, in UTC, must equal what the tz database says, in a zone with summer
time (the cohort's dates span both changes) and one without (America/Phoenix), plus a zone whose
summer is in the other half of the year. Before the VTIMEZONE was written one transition per line,
ical.js and vobject put the April and May meetings an hour off.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import vobject
import yaml
from helpers import ROOT, SAMPLE

from llc_exercises import cli
from llc_exercises.core.cohort import load_cohort
from llc_exercises.facilitator import ics

READER = ROOT / "tests" / "js" / "read_ics.mjs"
# Meetings beside the sample's: the mornings after each change, and one in the hour after it.
NEAR_THE_CHANGES = [
    {"id": "after_fall_back", "date": "2025-11-02", "start": "03:00", "end": "04:00", "hours": 0},
    {"id": "after_spring_forward", "date": "2026-03-08", "start": "03:00", "end": "04:00", "hours": 0},
    {"id": "monday_after", "date": "2026-03-09", "start": "08:00", "end": "09:00", "hours": 0},
]


def cohort_file(tmp_path: Path, zone: str, extra=(), name="cohort.yaml") -> Path:
    raw = yaml.safe_load((SAMPLE / "cohort.yaml").read_text(encoding="utf-8"))
    raw["timezone"] = zone
    raw.pop("attendance", None)
    raw["meetings"] = sorted(raw["meetings"] + list(extra), key=lambda m: (str(m["date"]), m["start"]))
    out = tmp_path / name
    out.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return out


def expected(path: Path) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    cohort = load_cohort(path)
    tz = ZoneInfo(cohort.timezone)

    def utc(day, clock):
        return dt.datetime.combine(day, clock, tzinfo=tz).astimezone(dt.timezone.utc)

    return {ics.event_uid(cohort, e): (utc(e.date, e.start), utc(e.date, e.end)) for e in cohort.events()}


def read_with_node(path: Path) -> dict[str, dict[str, tuple[dt.datetime, dt.datetime]]]:
    done = subprocess.run(["node", str(READER), str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return {reader: {uid: tuple(dt.datetime.fromisoformat(v.replace("Z", "+00:00")) for v in pair)
                     for uid, pair in events.items()}
            for reader, events in json.loads(done.stdout).items()}


def read_with_vobject(path: Path) -> dict[str, tuple[dt.datetime, dt.datetime]]:
    cal = vobject.readOne(path.read_text(encoding="utf-8"))
    return {ev.uid.value: (ev.dtstart.value.astimezone(dt.timezone.utc),
                           ev.dtend.value.astimezone(dt.timezone.utc)) for ev in cal.vevent_list}


@pytest.mark.parametrize("zone", ["America/Chicago", "America/Phoenix", "Australia/Sydney"])
def test_every_reader_agrees_with_the_tz_database(tmp_path, capsys, zone):
    source = cohort_file(tmp_path, zone, NEAR_THE_CHANGES)
    out = tmp_path / "cohort.ics"
    assert cli.main(["calendar", "--cohort", str(source), "--out", str(out)]) == 0, capsys.readouterr().err
    want = expected(source)
    assert len(want) == 15
    readers = {"vobject": read_with_vobject(out), **read_with_node(out)}
    assert sorted(readers) == ["ical.js", "node-ical", "vobject"]
    for reader, got in readers.items():
        wrong = {uid: (got.get(uid), when) for uid, when in want.items() if got.get(uid) != when}
        assert not wrong, f"{reader} reads {len(wrong)} events of {zone} at other times: {wrong}"


def test_each_transition_has_a_line_of_its_own_at_its_wall_clock_time(tmp_path, capsys):
    out = tmp_path / "cohort.ics"
    assert cli.main(["calendar", "--cohort", str(cohort_file(tmp_path, "America/Chicago")),
                     "--out", str(out)]) == 0
    lines = out.read_bytes().decode("utf-8").split("\r\n")
    rdates = [line for line in lines if line.startswith("RDATE")]
    assert rdates and all("," not in line for line in rdates), rdates
    zone = lines[lines.index("BEGIN:VTIMEZONE"):lines.index("END:VTIMEZONE")]
    # US changes happen at 02:00 local time, before and after: both in the clock they leave.
    changes = [line.split(":")[1] for line in zone if line.startswith(("RDATE", "DTSTART:2024"))]
    assert "20251102T020000" in changes and "20260308T020000" in changes
    assert all(c.endswith("T020000") for c in changes if c != "20240101T000000"), changes


def test_a_zone_without_summer_time_is_one_fixed_offset(tmp_path, capsys):
    out = tmp_path / "cohort.ics"
    assert cli.main(["calendar", "--cohort", str(cohort_file(tmp_path, "America/Phoenix")),
                     "--out", str(out)]) == 0
    text = out.read_bytes().decode("utf-8")
    zone = text[text.index("BEGIN:VTIMEZONE"):text.index("END:VTIMEZONE")]
    assert zone.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in zone and "RDATE" not in zone
    assert "TZOFFSETFROM:-0700" in zone and "TZOFFSETTO:-0700" in zone


@pytest.mark.parametrize(("day", "start", "what"), [
    ("2026-03-08", "02:30", "does not exist there"),   # the clocks jump from 02:00 to 03:00
    ("2025-11-02", "01:30", "happens twice there"),    # 01:00–02:00 is lived twice
])
def test_a_meeting_in_the_hour_of_a_change_is_refused_with_one_line(tmp_path, capsys, day, start, what):
    meeting = {"id": "odd_hour", "date": day, "start": start, "end": "04:00", "hours": 0}
    source = cohort_file(tmp_path, "America/Chicago", [meeting])
    out = tmp_path / "cohort.ics"
    assert cli.main(["calendar", "--cohort", str(source), "--out", str(out)]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(source) in err and "'odd_hour'" in err and f"{start} on {day}" in err and what in err
    assert not out.exists()


def test_an_unknown_time_zone_is_one_line_naming_it(tmp_path, capsys):
    source = cohort_file(tmp_path, "America/Springfield")
    out = tmp_path / "cohort.ics"
    assert cli.main(["calendar", "--cohort", str(source), "--out", str(out)]) != 0
    err = capsys.readouterr().err.strip()
    assert "America/Springfield" in err and "unknown" in err and str(source) in err
    assert not out.exists()
