"""The cohorts a hub runs: every ``*.yaml`` in the service's cohorts folder, and who may see what.

A regional service centre runs several cohorts a year on one hub, so cohorts come and go while the
service runs: the folder is looked at again (a ``stat`` of each file, no reading) at most once a
second, and only files that were added, changed or removed are read. A file with a mistake is
reported by name and never takes the other cohorts down; if it was good before, its last good
version keeps serving until it is fixed, so a typo made mid-session hides no one's work.

Who sees what (issue 20):
- hub admins: every cohort;
- a cohort's facilitators (``facilitators: - hub_user:``): that cohort — its participants' work,
  feedback, export and attendance;
- a team leader: their team's members — their work and feedback, not export or attendance;
- a participant: their own work only.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..core.cohort import Cohort, CohortError, load_cohort

log = logging.getLogger("leading-edge")
RESCAN_S = 1.0  # how stale the folder may be: a new cohort file shows within about a second


@dataclass(frozen=True)
class Viewer:
    """Someone asking: their hub login, admin flag and hub groups."""
    name: str
    admin: bool = False
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Book:
    """One consistent reading of the folder: the cohorts by id (the file's name without ``.yaml``)
    and the problems found, each naming its file."""
    cohorts: Mapping[str, Cohort] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    # ---- who sees what ----
    def visible(self, viewer: Viewer) -> list[str]:
        """The ids of the cohorts ``viewer`` may open (as facilitator, admin or team leader)."""
        return [cid for cid, c in self.cohorts.items()
                if viewer.admin or viewer.name in c.facilitator_logins() or _leads(c, viewer)]

    def runs(self, viewer: Viewer, cid: str) -> bool:
        """May ``viewer`` act for the whole cohort (export, attendance, every participant)?"""
        c = self.cohorts.get(cid)
        return c is not None and (viewer.admin or viewer.name in c.facilitator_logins())

    def cohorts_of(self, user_groups: Iterable[str]) -> list[str]:
        """The cohorts a participant is in (several, year over year), by their hub groups."""
        groups = set(user_groups)
        return [cid for cid, c in self.cohorts.items() if c.hub_group and c.hub_group in groups]

    def may_read(self, viewer: Viewer, user: str, user_groups: Iterable[str]) -> bool:
        """May ``viewer`` read ``user``'s sent work and the feedback on it?"""
        return viewer.name == user or self.may_respond(viewer, user, user_groups)

    def may_respond(self, viewer: Viewer, user: str, user_groups: Iterable[str]) -> bool:
        """May ``viewer`` write feedback to ``user``: an admin, a facilitator of one of the user's
        cohorts, or the leader of the user's team in one of them. Never the user themselves."""
        if viewer.name == user:
            return False
        if viewer.admin:
            return True
        for cid in self.cohorts_of(user_groups):
            c = self.cohorts[cid]
            if viewer.name in c.facilitator_logins():
                return True
            team = c.team_of(user)
            if team is not None and team.leader == viewer.name and c.hub_group in viewer.groups:
                return True
        return False


    # ---- what a participant's pages say ----
    def current_cohort(self, user_groups: Iterable[str]) -> str | None:
        """The participant's current cohort (of several, year over year: the one whose first
        event is latest), whose time zone their times are shown in; None outside every cohort."""
        ids = self.cohorts_of(user_groups)
        return max(ids, key=lambda cid: (min((e.date for e in self.cohorts[cid].events()),
                                             default=dt.date.min), cid), default=None)

    def display_names(self) -> dict[str, str]:
        """Hub login → the facilitator's name as their cohort file writes it ("Rosalind Inkwell")."""
        return {f.hub_user: f.name for c in self.cohorts.values() for f in c.facilitators if f.hub_user}


def _leads(c: Cohort, viewer: Viewer) -> bool:
    # A leader counts only while a member of the cohort's group: the file alone grants nothing.
    return c.hub_group in viewer.groups and any(t.leader == viewer.name for t in c.teams)


def membership_problems(cid: str, c: Cohort, users: set[str], groups: Mapping[str, set[str]]) -> list[str]:
    """What the Hub knows that the file contradicts: an unknown group or login, a team member or
    leader outside the cohort's group. ``users``: every hub login; ``groups``: group → members."""
    where = f"{c.source or cid}"
    out: list[str] = []
    if c.hub_group and c.hub_group not in groups:
        out.append(f"{where}: hub_group {c.hub_group!r} is not a group on this hub; create it "
                   "(Hub admin page, Groups) or correct the name.")
    for login in c.facilitator_logins():
        if login not in users:
            out.append(f"{where}: facilitator hub_user {login!r} is not a user of this hub; check the spelling "
                       "(hub logins are lower case).")
    members = groups.get(c.hub_group, set())
    for t in c.teams:
        for login in t.everyone():
            role = "leader" if login == t.leader else "member"
            if login not in users:
                out.append(f"{where}: team {t.name!r} {role} {login!r} is not a user of this hub.")
            elif c.hub_group in groups and login not in members:
                out.append(f"{where}: team {t.name!r} {role} {login!r} is not in the cohort's group "
                           f"{c.hub_group!r}; add them to the group or take them out of the team.")
    return out


class CohortFolder:
    """The cohort files of one folder, kept current without a restart (see the module's notes)."""

    def __init__(self, folder: Path, clock=time.monotonic) -> None:
        self.folder = Path(folder)
        self._clock = clock
        self._seen: dict[Path, tuple[int, int]] = {}  # file → (mtime_ns, size) when last read
        self._good: dict[Path, Cohort] = {}  # file → its last good reading
        self._bad: dict[Path, str] = {}  # file → what is wrong with it now
        self._checked = float("-inf")
        self._book = Book()

    def book(self) -> Book:
        """The cohorts as the folder holds them now (looked at again at most once a second)."""
        now = self._clock()
        if now - self._checked >= RESCAN_S:
            self._checked = now
            if self._rescan():
                self._book = self._assemble()
        return self._book

    def _rescan(self) -> bool:
        """Read what was added or changed and forget what was removed; True if anything was."""
        try:
            files = {p: p.stat() for p in self.folder.glob("*.yaml") if p.is_file()}
        except OSError as exc:
            log.warning("could not look in the cohorts folder %s: %s", self.folder, exc)
            return False
        stamps = {p: (s.st_mtime_ns, s.st_size) for p, s in files.items()}
        changed = [p for p, stamp in stamps.items() if self._seen.get(p) != stamp]
        removed = [p for p in self._seen if p not in stamps]
        for p in removed:
            self._seen.pop(p)
            self._good.pop(p, None)
            self._bad.pop(p, None)
        for p in changed:
            self._seen[p] = stamps[p]
            try:
                self._good[p] = load_cohort(p)
                self._bad.pop(p, None)
            except CohortError as exc:
                kept = " (its last good version is still in use)" if p in self._good else ""
                self._bad[p] = f"{exc}{kept}"
                log.warning("cohort file %s: %s", p, exc)
        return bool(changed or removed)

    def _assemble(self) -> Book:
        cohorts: dict[str, Cohort] = {}
        problems = list(self._bad.values())
        claimed: dict[str, Path] = {}
        for p in sorted(self._good):
            c = self._good[p]
            if c.hub_group and c.hub_group in claimed:
                # Two cohorts on one group would show each other's participants: the first file keeps it.
                problems.append(f"{p}: hub_group {c.hub_group!r} is already the group of {claimed[c.hub_group]}; "
                                "give each cohort its own group. This file is not in use until then.")
                continue
            if c.hub_group:
                claimed[c.hub_group] = p
            cohorts[p.stem] = c
        return Book(cohorts=cohorts, problems=tuple(problems))
