"""The hub's cohorts folder (``hub.cohorts``): files added, changed, broken and removed while the
service runs, two cohorts claiming one group, and who may see and answer whose work."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import SAMPLE

from llc_exercises.hub.cohorts import CohortFolder, Viewer, membership_problems

BASE = (SAMPLE / "cohort.yaml").read_text(encoding="utf-8").replace("attendance: attendance.csv\n", "")


def cohort_text(name: str, group: str, facilitator: str, teams: str = "") -> str:
    text = BASE.replace('name: "LLC-2025 (sample)"', f'name: "{name}"', 1)
    text = text.replace('    email: "rinkwell@example.org"\n',
                        f'    email: "rinkwell@example.org"\n    hub_user: {facilitator}\n', 1)
    return text + f"hub_group: {group}\n" + teams


TEAM_A = "teams:\n  - name: North\n    leader: lead\n    members: [ann, bob]\n"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def tick(self) -> None:
        self.now += 5


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "a.yaml").write_text(cohort_text("Cohort A", "cohort-a", "faca", TEAM_A), encoding="utf-8")
    clock = Clock()
    return tmp_path, CohortFolder(tmp_path, clock=clock), clock


def touch(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    stamp = path.stat().st_mtime_ns + 10**9  # a new mtime even on a coarse file system
    os.utime(path, ns=(stamp, stamp))


def test_files_added_changed_and_removed_show_without_a_restart(folder):
    path, cohorts, clock = folder
    assert list(cohorts.book().cohorts) == ["a"]
    touch(path / "b.yaml", cohort_text("Cohort B", "cohort-b", "facb"))
    assert list(cohorts.book().cohorts) == ["a"]  # within the second: the same reading
    clock.tick()
    assert sorted(cohorts.book().cohorts) == ["a", "b"]
    touch(path / "b.yaml", cohort_text("Cohort B renamed", "cohort-b", "facb"))
    clock.tick()
    assert cohorts.book().cohorts["b"].name == "Cohort B renamed"
    (path / "b.yaml").unlink()
    clock.tick()
    assert list(cohorts.book().cohorts) == ["a"] and cohorts.book().problems == ()


def test_a_broken_file_is_named_and_its_last_good_version_keeps_serving(folder):
    path, cohorts, clock = folder
    assert cohorts.book().cohorts["a"].teams[0].members == ("ann", "bob")
    touch(path / "a.yaml", cohort_text("Cohort A", "cohort-a", "faca", TEAM_A.replace("[ann, bob]", "[ann, lead]")
                                       + "  - name: South\n    leader: ann\n    members: [cid]\n"))
    touch(path / "new.yaml", "name: [unclosed")
    clock.tick()
    book = cohorts.book()
    assert list(book.cohorts) == ["a"] and book.cohorts["a"].teams[0].members == ("ann", "bob")
    assert len(book.problems) == 2
    a_problem = next(p for p in book.problems if "a.yaml" in p)
    assert "'ann' is already in team 'North'" in a_problem and "last good version is still in use" in a_problem
    assert any("new.yaml" in p for p in book.problems)


def test_two_files_claiming_one_group_the_first_keeps_it(folder):
    path, cohorts, clock = folder
    touch(path / "z.yaml", cohort_text("Copy", "cohort-a", "facz"))
    clock.tick()
    book = cohorts.book()
    assert list(book.cohorts) == ["a"]
    assert book.problems == (f"{path / 'z.yaml'}: hub_group 'cohort-a' is already the group of "
                             f"{path / 'a.yaml'}; give each cohort its own group. This file is not in use "
                             "until then.",)


ADMIN = Viewer("root", admin=True)
FAC_A = Viewer("faca")
FAC_B = Viewer("facb")
LEAD = Viewer("lead", groups=frozenset({"cohort-a"}))
ANN = Viewer("ann", groups=frozenset({"cohort-a"}))
CID = Viewer("cid", groups=frozenset({"cohort-b"}))


def test_who_may_see_and_answer_whom(folder):
    path, cohorts, clock = folder
    touch(path / "b.yaml", cohort_text("Cohort B", "cohort-b", "facb"))
    clock.tick()
    book = cohorts.book()
    assert book.visible(ADMIN) == ["a", "b"] and book.visible(FAC_A) == ["a"] and book.visible(FAC_B) == ["b"]
    assert book.visible(LEAD) == ["a"] and book.visible(ANN) == [] and book.visible(CID) == []
    assert book.runs(FAC_A, "a") and not book.runs(FAC_A, "b") and not book.runs(LEAD, "a")
    assert book.runs(ADMIN, "b") and not book.runs(ADMIN, "nope")
    ann_groups = {"cohort-a"}
    #            viewer:  admin  fac A  fac B  leader  ann herself  cid (other cohort)
    expected_read = [True, True, False, True, True, False]
    expected_answer = [True, True, False, True, False, False]
    viewers = [ADMIN, FAC_A, FAC_B, LEAD, ANN, CID]
    assert [book.may_read(v, "ann", ann_groups) for v in viewers] == expected_read
    assert [book.may_respond(v, "ann", ann_groups) for v in viewers] == expected_answer
    # the leader sees their team only; a participant in two cohorts (year over year) has both
    assert not book.may_read(LEAD, "cid", {"cohort-b"})
    assert book.cohorts_of({"cohort-a", "cohort-b"}) == ["a", "b"]
    assert book.may_respond(FAC_B, "ann", {"cohort-a", "cohort-b"})
    # a leader who has left the cohort's group leads no one
    assert not book.may_respond(Viewer("lead"), "ann", ann_groups) and book.visible(Viewer("lead")) == []


def test_what_the_hub_knows_that_the_file_contradicts(folder):
    _, cohorts, _ = folder
    c = cohorts.book().cohorts["a"]
    users = {"faca", "lead", "ann", "bob"}
    assert membership_problems("a", c, users, {"cohort-a": {"lead", "ann", "bob"}}) == []
    found = membership_problems("a", c, users - {"faca", "bob"}, {"cohort-a": {"ann"}})
    assert [p.split(": ", 1)[1] for p in found] == [
        "facilitator hub_user 'faca' is not a user of this hub; check the spelling (hub logins are lower case).",
        "team 'North' leader 'lead' is not in the cohort's group 'cohort-a'; add them to the group or take "
        "them out of the team.",
        "team 'North' member 'bob' is not a user of this hub."]
    assert "is not a group on this hub" in membership_problems("a", c, users, {})[0]


def test_a_participant_in_two_cohorts_is_shown_in_the_later_ones_zone(folder):
    path, cohorts, clock = folder
    later = cohort_text("Cohort B", "cohort-b", "facb").replace("2026-", "2027-").replace("2025-", "2026-").replace(
        "timezone: America/Chicago", "timezone: America/Denver")
    touch(path / "b.yaml", later)
    clock.tick()
    book = cohorts.book()
    assert book.cohorts["b"].timezone == "America/Denver"
    assert book.current_cohort({"cohort-a", "cohort-b"}) == "b"
    assert book.current_cohort({"cohort-a"}) == "a" and book.current_cohort({"other"}) is None
    # authors are named as their cohort file names them
    assert book.display_names() == {"faca": "Rosalind Inkwell (fictional)",
                                    "facb": "Rosalind Inkwell (fictional)"}
