"""The cohort file: the starter `llc cohort init` writes, and every mistake a facilitator can make."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from helpers import SAMPLE

from llc_exercises import cli
from llc_exercises.core import definitions as defs
from llc_exercises.core.cohort import CohortError, init_cohort, load_cohort, same_weekday_in, seed_cohort

SEED_DATES = {"visioning": "2021-10-07", "relationships": "2021-11-04", "coaching": "2021-12-02",
              "influence": "2022-01-13", "promotion": "2022-02-17", "opportunity": "2022-03-24"}


def test_starter_has_the_seed_dates_colorado_meetings_and_loads(tmp_path, capsys):
    path = tmp_path / "cohort.yaml"
    assert cli.main(["cohort", "init", str(path), "--name", "Bexar County 2026", "--facilitator", "Ana Ruiz"]) == 0
    c = load_cohort(path)
    assert c.name == "Bexar County 2026" and c.facilitators[0].name == "Ana Ruiz"
    assert {e.id: e.date.isoformat() for e in c.sessions} == SEED_DATES
    assert [m.id for m in c.meetings] == ["kickoff", "meeting_1", "meeting_2", "meeting_3", "meeting_4",
                                         "culmination"]
    assert [e.title for e in c.sessions] == [s.title for s in defs.sessions() if s.number >= 1]
    assert c.credit.required_hours == 32 and c.credit.pd_log_max_hours == 8
    assert re.fullmatch(r"[0-9a-f]{32}", c.certificate_secret)
    assert c.attendance == tmp_path / "attendance.csv"
    assert "6 sessions and 6 meetings" in capsys.readouterr().out
    # comments explain the file to someone who does not program
    assert path.read_text().count("\n#") >= 8
    # a second init never overwrites the facilitator's edits
    path.write_text(path.read_text().replace("Bexar County 2026", "Edited"), encoding="utf-8")
    assert cli.main(["cohort", "init", str(path)]) == 1
    assert "already exists" in capsys.readouterr().err and load_cohort(path).name == "Edited"


def test_school_year_keeps_weekday_and_week_of_month(tmp_path):
    c = init_cohort(tmp_path / "c.yaml", school_year=2026)
    for e in c.sessions:
        seed = dt.date.fromisoformat(SEED_DATES[e.id])
        assert e.date.weekday() == seed.weekday() == 3  # Thursdays, as in the seed
        assert e.date.month == seed.month and (e.date.day - 1) // 7 == (seed.day - 1) // 7
        assert e.date.year == seed.year + 5
    # a fifth weekday the month lacks falls back to the fourth
    assert same_weekday_in(dt.date(2021, 9, 30), 2023) == dt.date(2023, 9, 28)


def test_seed_cohort_and_sample_cohort_load():
    assert seed_cohort().event("visioning").date == dt.date(2021, 10, 7)
    c = load_cohort(SAMPLE / "cohort.yaml")
    assert len(c.events()) == 12 and c.hours_available() == 48
    assert "fictional" in c.facilitators[0].name


GOOD = SAMPLE / "cohort.yaml"


def broken(tmp_path, old: str, new: str, count: int = 1):
    text = GOOD.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "cohort.yaml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


@pytest.mark.parametrize("old, new, message", [
    ("date: 2025-10-14", "date: 2025-08-01", "session 'relationships' (2025-08-01) is not after 'visioning'"),
    ("date: 2025-10-14", "date: 14/10/2025", "date '14/10/2025' is not a date; write it as YYYY-MM-DD"),
    ("date: 2025-10-14", "date: 2025-02-30", "is not a date"),
    ('start: "08:30"', 'start: "half past eight"', "time 'half past eight' is not a time"),
    ('end: "15:30"', 'end: "08:00"', "ends at 08:00, not after it starts at 08:30"),
    ("hours: 6", "hours: six", "'six' is not a number of hours"),
    ("- id: coaching", "- id: coachin", "session 'coachin' is not a session of the kit"),
    ("name: \"LLC-2025 (sample)\"", "nmae: \"LLC-2025 (sample)\"", "unknown entry 'nmae' (a typo?)"),
    ("timezone: America/Chicago", "timezone: Central", "timezone 'Central' is unknown"),
    ("required_hours: 32", "required_hours: 90", "required_hours 90 is more than anyone can earn (56 hours"),
    ("- id: meeting_2", "- id: meeting_1", "id 'meeting_1' is used twice"),
    ("date: 2025-12-09", "date: 2025-10-01", "meeting 'meeting_2' (2025-10-01) comes before 'meeting_1'"),
    ('date: 2025-10-28\n    start: "16:00"', 'date: 2025-10-14\n    start: "15:00"',
     "'relationships' and 'meeting_1' overlap on 2025-10-14 (08:30–15:30 and 15:00–17:30)"),
    ("facilitators:", "facilitators: []\nunused:", "unknown entry 'unused'"),
    ("  - name: \"Rosalind", "  -name: \"Rosalind", "not valid YAML near line"),
])
def test_mistakes_name_the_file_entry_and_fix(tmp_path, capsys, old, new, message):
    path = broken(tmp_path, old, new)
    with pytest.raises(CohortError) as err:
        load_cohort(path)
    assert str(path) in str(err.value) and message in str(err.value), str(err.value)
    # the command line says the same in one line, no traceback
    assert cli.main(["cohort", "check", str(path)]) == 1
    out = capsys.readouterr()
    assert out.err.startswith("llc: ") and message in out.err and "Traceback" not in out.err


def test_a_missing_session_and_a_missing_file(tmp_path):
    text = GOOD.read_text(encoding="utf-8")
    start = text.index("  - id: promotion")
    end = text.index("  - id: opportunity")
    path = tmp_path / "c.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(CohortError, match="the sessions list lacks promotion"):
        load_cohort(path)
    with pytest.raises(CohortError, match=r"not found\. Write one with `llc cohort init"):
        load_cohort(tmp_path / "nope.yaml")


def test_unquoted_times_are_read_as_times_not_base_60_numbers(tmp_path):
    # YAML 1.1 reads 9:30 as 570; a facilitator who forgot the quotes still gets 09:30.
    c = load_cohort(broken(tmp_path, 'start: "16:00"', "start: 9:30"))
    assert c.event("meeting_1").start == dt.time(9, 30)


def test_check_lists_every_event_in_date_order(capsys):
    assert cli.main(["cohort", "check", str(GOOD)]) == 0
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if re.match(r"\s+\w{3} \d{4}-", ln)]
    assert len(lines) == 12 and lines == sorted(lines, key=lambda ln: ln.split()[1])
    assert "Tue 2025-09-09 08:30–15:30" in out and "32 required" in out


def test_before_and_after_surveys_ask_the_same_statements():
    before, after = defs.worksheet("orientation.before_survey"), defs.worksheet("opportunity.series_survey")
    for fid in ("knowledge", "confidence", "application", "awareness", "support"):
        b, a = before.field(fid), after.field(fid)
        assert (b.type, b.label, b.levels) == (a.type, a.label, a.levels), fid
        assert len(b.levels) == 5


# ---- on a hub: the cohort's group, its facilitators' logins and its partnership teams ------------
HUB_KEYS = """hub_group: Cohort-A
teams:
  - name: North partnership
    leader: Ana
    members: [ben, chloe]
  - name: South partnership
    leader: dara
    members: [eli]
"""


def with_hub_keys(tmp_path, extra: str = HUB_KEYS, login: str = "rinkwell"):
    text = GOOD.read_text(encoding="utf-8")
    text = text.replace('    email: "rinkwell@example.org"\n',
                        f'    email: "rinkwell@example.org"\n    hub_user: {login}\n', 1)
    path = tmp_path / "cohort.yaml"
    path.write_text(text.replace("attendance: attendance.csv\n", "") + extra, encoding="utf-8")
    return path


def test_hub_group_facilitator_logins_and_teams_are_read_lower_cased(tmp_path, capsys):
    c = load_cohort(with_hub_keys(tmp_path, login="RInkwell"))
    assert c.hub_group == "cohort-a"  # JupyterHub's authenticators lower-case names
    assert c.facilitator_logins() == ("rinkwell",)
    assert [(t.name, t.leader, t.members) for t in c.teams] == [
        ("North partnership", "ana", ("ben", "chloe")), ("South partnership", "dara", ("eli",))]
    assert c.team_of("chloe").name == "North partnership" and c.team_of("ana").leader == "ana"
    assert c.team_of("zoe") is None
    assert cli.main(["cohort", "check", str(tmp_path / "cohort.yaml")]) == 0
    out = capsys.readouterr().out
    assert "group 'cohort-a'" in out and "facilitators rinkwell" in out
    assert "Team 'North partnership': led by ana, with ben, chloe" in out


def test_a_cohort_without_hub_keys_has_none():
    c = load_cohort(GOOD)
    assert c.hub_group == "" and c.teams == () and c.facilitator_logins() == ()


@pytest.mark.parametrize(("extra", "words"), [
    (HUB_KEYS.replace("members: [eli]", "members: [eli, ben]"),
     "team 'South partnership' (teams entry 2): 'ben' is already in team 'North partnership'"),
    (HUB_KEYS.replace("leader: dara", "leader: chloe"),
     "team 'South partnership' (teams entry 2): 'chloe' is already in team 'North partnership'"),
    (HUB_KEYS.replace("hub_group: Cohort-A\n", ""), "'teams' needs 'hub_group'"),
    (HUB_KEYS.replace("name: South partnership", "name: north PARTNERSHIP"), "another team is already called"),
    (HUB_KEYS.replace("members: [eli]", "members: []"), "'members' should list the team's hub logins"),
    (HUB_KEYS.replace("leader: dara", "leader: \"dara smith\""), "leader: 'dara smith' is not a hub login"),
    (HUB_KEYS.replace("leader: dara", "leader: rinkwell"), "'rinkwell' is a facilitator of this cohort"),
    (HUB_KEYS.replace("    members: [eli]", "    members: [eli]\n    colour: red"), "colour"),
    ("hub_group: [a, b]\n", "hub_group: \"['a', 'b']\" is not a hub login"),
])
def test_team_mistakes_name_the_file_the_team_and_the_fix(tmp_path, capsys, extra, words):
    path = with_hub_keys(tmp_path, extra)
    with pytest.raises(CohortError) as caught:
        load_cohort(path)
    assert str(path) in str(caught.value) and words in str(caught.value), str(caught.value)
    assert cli.main(["cohort", "check", str(path)]) != 0
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
