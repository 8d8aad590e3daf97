"""``llc calendar``: the cohort's .ics, parsed back with icalendar and checked line by line (RFC 5545)."""
from __future__ import annotations

import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import icalendar
import pytest
import yaml
from helpers import SAMPLE

from llc_exercises import cli
from llc_exercises.core import definitions as defs
from llc_exercises.core.cohort import load_cohort

CHICAGO = ZoneInfo("America/Chicago")
NAME = "LLC-2025 (sample)"


def write(tmp_path, capsys, cohort_file=SAMPLE / "cohort.yaml", name="cohort.ics"):
    out = tmp_path / name
    code = cli.main(["calendar", "--cohort", str(cohort_file), "--out", str(out)])
    return code, out, capsys.readouterr()


def events_by_uid(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def check_structure(data: bytes) -> list[str]:
    """RFC 5545 §3.1: CRLF after every line, at most 75 octets a line (folded with a leading space),
    never a multi-byte character cut in two; BEGIN/END balanced. Returns the unfolded lines."""
    assert data.endswith(b"\r\n")
    raw_lines = data[:-2].split(b"\r\n")
    for line in raw_lines:
        assert b"\n" not in line and b"\r" not in line, line
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # a fold inside a UTF-8 sequence would fail here
    unfolded: list[str] = []
    for line in raw_lines:
        if line.startswith(b" "):
            unfolded[-1] += line[1:].decode("utf-8")
        else:
            unfolded.append(line.decode("utf-8"))
    stack = []
    for line in unfolded:
        if line.startswith("BEGIN:"):
            stack.append(line[6:])
        elif line.startswith("END:"):
            assert stack.pop() == line[4:]
        else:
            assert stack, f"property outside any component: {line}"
    assert not stack
    return unfolded


def test_sample_calendar_parses_back_with_every_session_and_meeting(tmp_path, capsys):
    code, out, io = write(tmp_path, capsys)
    assert code == 0, io.err
    assert "6 sessions and 6 meetings" in io.out
    data = out.read_bytes()
    lines = check_structure(data)
    assert lines[0] == "BEGIN:VCALENDAR" and "VERSION:2.0" in lines
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["PRODID"]).startswith("-//Leading Edge//")
    assert str(cal["X-WR-CALNAME"]) == f"On the Leading Edge — {NAME}"

    cohort = load_cohort(SAMPLE / "cohort.yaml")
    events = cal.walk("VEVENT")
    assert len(events) == 12
    by_summary = {str(e["SUMMARY"]): e for e in events}
    for e in cohort.events():
        ve = by_summary[f"{e.title} — {NAME}"]
        start, end = ve["DTSTART"], ve["DTEND"]
        assert start.params["TZID"] == end.params["TZID"] == "America/Chicago"
        assert start.dt == dt.datetime.combine(e.date, e.start, tzinfo=CHICAGO)
        assert end.dt == dt.datetime.combine(e.date, e.end, tzinfo=CHICAGO)
        assert str(ve["LOCATION"]) == e.where
        assert [str(c) for c in ve["CATEGORIES"].cats] == [e.kind]
        assert str(ve["ORGANIZER"]) == "mailto:rinkwell@example.org"
        assert ve["ORGANIZER"].params["CN"] == "Rosalind Inkwell (fictional)"
        assert ve["DTSTAMP"].dt.utcoffset() == dt.timedelta(0)  # DTSTAMP is UTC
        assert f"{e.hours:g} hour" in str(ve["DESCRIPTION"])
    # DST: the September session is at UTC-5, the December one at UTC-6.
    assert by_summary[f"On the Leading Edge of Visioning — {NAME}"]["DTSTART"].dt.utcoffset() == dt.timedelta(hours=-5)
    assert by_summary[f"On the Leading Edge of Influence — {NAME}"]["DTSTART"].dt.utcoffset() == dt.timedelta(hours=-6)

    visioning = str(by_summary[f"On the Leading Edge of Visioning — {NAME}"]["DESCRIPTION"])
    assert "notebooks/01_visioning.ipynb" in visioning
    for o in defs.session("visioning").objectives:
        assert o.text in visioning


def test_vtimezone_agrees_with_the_tz_database_for_every_event(tmp_path, capsys):
    """A calendar app that knows no time zone by name uses the VTIMEZONE: it must give the same hours."""
    code, out, _ = write(tmp_path, capsys)
    assert code == 0
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    zones = cal.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["America/Chicago"]
    from_file = zones[0].to_tz()
    for e in load_cohort(SAMPLE / "cohort.yaml").events():
        local = dt.datetime.combine(e.date, e.start)
        assert local.replace(tzinfo=from_file).utcoffset() == local.replace(tzinfo=CHICAGO).utcoffset(), e.id


def test_uids_are_unique_and_stable_across_runs(tmp_path, capsys):
    first = events_by_uid(write(tmp_path, capsys, name="a.ics")[1].read_bytes())
    second = events_by_uid(write(tmp_path, capsys, name="b.ics")[1].read_bytes())
    assert len(first) == 12  # unique: twelve events, twelve UIDs
    assert first.keys() == second.keys()
    for uid, ve in first.items():
        assert str(second[uid]["SUMMARY"]) == str(ve["SUMMARY"])

    # A session moved in an updated cohort file keeps its UID: re-importing updates it in place.
    moved = tmp_path / "moved.yaml"
    raw = yaml.safe_load((SAMPLE / "cohort.yaml").read_text(encoding="utf-8"))
    raw["sessions"][0]["date"] = dt.date(2025, 9, 16)
    moved.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    third = events_by_uid(write(tmp_path, capsys, cohort_file=moved, name="c.ics")[1].read_bytes())
    assert third.keys() == first.keys()
    visioning = next(ve for ve in third.values() if "Visioning" in str(ve["SUMMARY"]))
    assert visioning["DTSTART"].dt == dt.datetime(2025, 9, 16, 8, 30, tzinfo=CHICAGO)


def test_facilitator_text_is_escaped_and_folded(tmp_path, capsys):
    raw = yaml.safe_load((SAMPLE / "cohort.yaml").read_text(encoding="utf-8"))
    title = 'Kickoff, part 1; bring "notes"\nsecond line \\ with a backslash'
    where = "Bibliothèque — salle 2, étage 3; " * 4 + "日本語の部屋"
    raw["meetings"][0].update(title=title, where=where, notes="Bring: a laptop, a pen; and\nyour plan.")
    # The first facilitator has no email: the organiser is the first one who has.
    raw["facilitators"] = [{"name": "No Email, Jr.", "role": "Co-lead"}, *raw["facilitators"]]
    edited = tmp_path / "cohort.yaml"
    edited.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    code, out, io = write(tmp_path, capsys, cohort_file=edited)
    assert code == 0, io.err
    data = out.read_bytes()
    lines = check_structure(data)
    summary = next(ln for ln in lines if ln.startswith("SUMMARY:Kickoff"))
    assert summary == ('SUMMARY:Kickoff\\, part 1\\; bring "notes"\\nsecond line \\\\ with a backslash'
                       f" — {NAME}")
    kickoff = next(ve for ve in icalendar.Calendar.from_ical(data).walk("VEVENT")
                   if str(ve["SUMMARY"]).startswith("Kickoff"))
    assert str(kickoff["SUMMARY"]) == f"{title} — {NAME}"
    assert str(kickoff["LOCATION"]) == where
    assert "Bring: a laptop, a pen; and\nyour plan." in str(kickoff["DESCRIPTION"])
    assert str(kickoff["ORGANIZER"]) == "mailto:rinkwell@example.org"


def test_a_bad_cohort_file_is_one_error_line_and_no_calendar(tmp_path, capsys):
    raw = (SAMPLE / "cohort.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "cohort.yaml"
    # Relationships (session 2) before Visioning (session 1): out of series order.
    bad.write_text(raw.replace("date: 2025-10-14", "date: 2025-09-02"), encoding="utf-8")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    code, out, io = write(out_dir, capsys, cohort_file=bad)
    assert code == 1
    assert io.err.startswith("llc: ") and str(bad) in io.err and "relationships" in io.err
    assert "Traceback" not in io.err
    assert list(out_dir.iterdir()) == []  # no .ics, no temp file


def test_out_must_be_an_ics_file(tmp_path, capsys):
    shutil.copy(SAMPLE / "cohort.yaml", tmp_path / "cohort.yaml")
    for name in ("cohort.txt", "cohort"):
        code, out, io = write(tmp_path, capsys, cohort_file=tmp_path / "cohort.yaml", name=name)
        assert code == 2 and "--out" in io.err and ".ics" in io.err
        assert not out.exists()
    with pytest.raises(SystemExit) as exc:  # --out is required
        cli.main(["calendar", "--cohort", str(SAMPLE / "cohort.yaml")])
    assert exc.value.code == 2
