"""The cohort report's numbers: every answers file read and checked, then counted — the series
survey before and after, self-assessment levels, stakeholder grids, PD hours, goal themes.

Only counts leave this module: ``report_charts`` draws them and ``report`` prints them, and both
leave out any group smaller than ``MIN_GROUP``. Free text is only ever matched against the kit's
own words (seeded area and stakeholder names, theme keywords), never returned.
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import definitions as defs
from ..core import schema
from ..core.cohort import Cohort, load_cohort
from ..core.derived import QUADRANTS, quadrant_groups
from ..core.store import AnswerFileError, read_document
from ..core.values import level
from ..errors import LeadingEdgeError

if TYPE_CHECKING:
    from ..core.attendance import Hours

MIN_GROUP = 5  # smallest group any figure or table may be drawn from (small-cell suppression)

BEFORE, AFTER = "orientation.before_survey", "opportunity.series_survey"
# PLA Project Outcome's four outcomes, then the school's support (asked in both surveys).
DIMENSIONS = ("knowledge", "confidence", "application", "awareness", "support")
AGREE_FROM = 4  # "Agree" and "Strongly agree"
REACTION = f"{AFTER}.reaction"  # Guskey level 1
AREAS = "opportunity.self_assessment.areas"
STAKEHOLDERS = "relationships.stakeholders.rows"
PD_LOG, PD_TARGET = "opportunity.pd_log.log", "opportunity.pd_log.target_hours"

# Where a participant's goals are written: long-text answers, and (table, columns) pairs.
GOAL_TEXTS = ("influence.smart_goal.statement", "opportunity.growth_plan.smart_goal",
              "opportunity.next_year_plan.transformation_1", "opportunity.next_year_plan.transformation_2",
              "opportunity.next_year_plan.transformation_3")
GOAL_TABLES = (("visioning.strategic_plan.rows", ("goal", "objective")),)

# Goal themes and the words that signal them, kept as data: edit freely. Matching ignores case;
# a word ending in "*" matches any word it starts ("collaborat*": collaborate, collaboration);
# other words and phrases match whole. A goal may touch several themes.
THEMES: dict[str, tuple[str, ...]] = {
    "Reading and literacy": ("reading", "reader*", "book", "books", "e-books", "checkout*",
                             "circulation", "novel*", "genre*", "author*", "literacy culture", "ela"),
    "Collaboration with teachers": ("collaborat*", "co-teach*", "coteach*", "co-plan*", "teacher*",
                                    "classroom instruction", "instructional partner*", "partner in"),
    "Digital learning and technology": ("digital", "technolog*", "e-book*", "ebook*", "database*", "online",
                                        "device*", "app", "apps", "coding"),
    "Research and information literacy": ("research*", "inquiry", "information literacy", "source evaluation",
                                          "evaluate sources", "how information works", "citation*",
                                          "media literacy"),
    "Equity and access": ("equit*", "access", "diversity", "diverse", "inclusi*", "gaps",
                          "underserved", "reflect our students"),
    "Advocacy and communication": ("advoca*", "story", "stories", "decision maker*", "communicat*",
                                   "newsletter*", "promot*", "marketing", "share program data"),
    "Data and measuring impact": ("data", "measur*", "evidence", "assessment*", "impact", "survey*",
                                  "track*", "metric*"),
    "Makerspace and STEM": ("makerspace*", "maker", "stem", "steam", "robot*", "engineering"),
    "Family and community": ("famil*", "parent*", "communit*", "public library", "open house"),
    "Space and collection": ("collection*", "weed*", "space", "spaces", "furniture", "layout", "shelv*",
                             "titles", "audit"),
    "Leadership and professional growth": ("leader*", "leading", "professional development",
                                           "mentor*", "coach*"),
}


class ReportError(LeadingEdgeError, ValueError):
    """The report cannot be made; the message names the file and what to do. Nothing was written."""


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


@dataclass(frozen=True)
class Person:
    """One readable answers file. ``key`` (the participant id, else the file name) is used only to
    join the attendance sheet; it is never printed."""
    key: str
    answers: Mapping


@dataclass
class Gathered:
    cohort: Cohort
    people: list[Person]
    skipped: list[Skipped]

    @property
    def files(self) -> int:
        return len(self.people) + len(self.skipped)


def _norm(text) -> str:
    """Case- and space-insensitive form of a name, for matching ("  reading  AND literacy")."""
    return " ".join(str(text or "").split()).casefold()


def _hours(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else None


def pct(part: int | float, whole: int | float) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


# ---- reading ------------------------------------------------------------------------------------
def _first_problem(doc: dict) -> str:
    """The first answer that does not fit its field, or "". The kit's own quick check of every value
    (``schema.check_value``, the same verdicts as the JSON Schema) rather than jsonschema, which
    takes seconds to import."""
    for key, entry in doc["answers"].items():
        if not isinstance(entry, dict):
            return f"answer '{key}' is not an object with a 'value'"
        try:
            schema.check_value(key, entry.get("value"))
        except KeyError:
            return f"answer '{key}': unknown key — not a field of any worksheet"
        except schema.AnswerValueError as exc:
            return str(exc)
    return ""


def read_answers(answers_dir: Path) -> tuple[list[Person], list[Skipped]]:
    """Every ``*.json`` answers file in the folder: readable and valid ones, and the rest with why."""
    if not answers_dir.is_dir():
        raise ReportError(f"Answers folder {answers_dir} not found; pass the folder of <id>.json answers "
                          "files with --answers-dir.")
    paths = sorted(p for p in answers_dir.glob("*.json") if not p.name.startswith("."))
    if not paths:
        raise ReportError(f"No answers files (*.json) in {answers_dir}; collect the participants' files "
                          "into it first.")
    people, skipped = [], []
    for p in paths:
        try:
            doc = read_document(p)
        except AnswerFileError as exc:
            skipped.append(Skipped(p, str(exc)))
            continue
        problem = _first_problem(doc)
        if problem:
            skipped.append(Skipped(p, f"invalid answers file: {problem}. Check it with `llc validate {p}`."))
            continue
        who = doc.get("participant") or {}
        key = str(who.get("id") or "").strip() or p.stem
        people.append(Person(key, {k: v.get("value") for k, v in doc["answers"].items() if isinstance(v, dict)}))
    return people, skipped


def gather(cohort_file: Path, answers_dir: Path) -> Gathered:
    cohort = load_cohort(cohort_file)  # a CohortError names the file and entry
    people, skipped = read_answers(answers_dir)
    return Gathered(cohort, people, skipped)


# ---- 1. the series survey -------------------------------------------------------------------------
@dataclass(frozen=True)
class Dimension:
    id: str
    name: str
    statement: str
    levels: tuple[str, ...]
    before: tuple[int, ...]  # respondents per level, lowest first
    after: tuple[int, ...]
    paired: tuple[int, int, int]  # among those who answered both: moved up, same, moved down

    @property
    def n_before(self) -> int:
        return sum(self.before)

    @property
    def n_after(self) -> int:
        return sum(self.after)

    @property
    def n_paired(self) -> int:
        return sum(self.paired)

    def agree(self, counts: Sequence[int]) -> int:
        return sum(counts[AGREE_FROM - 1:])


def survey(people: Sequence[Person]) -> list[Dimension]:
    out = []
    before_ws, after_ws = defs.worksheet(BEFORE), defs.worksheet(AFTER)
    for dim in DIMENSIONS:
        fb, fa = before_ws.field(dim), after_ws.field(dim)
        size = len(fb.levels)
        before, after = [0] * size, [0] * size
        up = same = down = 0
        for p in people:
            b, a = level(p.answers.get(fb.key), size), level(p.answers.get(fa.key), size)
            if b:
                before[b - 1] += 1
            if a:
                after[a - 1] += 1
            if a and b:
                up, same, down = up + (a > b), same + (a == b), down + (a < b)
        out.append(Dimension(dim, dim.capitalize(), fb.label, fb.levels, tuple(before), tuple(after),
                             (up, same, down)))
    return out


def answered(people: Sequence[Person], worksheet: str) -> int:
    """Participants who rated at least one of the survey's statements."""
    keys = [f"{worksheet}.{d}" for d in DIMENSIONS]
    return sum(any(level(p.answers.get(k), 5) for k in keys) for p in people)


def answered_both(people: Sequence[Person]) -> int:
    return sum(any(level(p.answers.get(f"{BEFORE}.{d}"), 5) for d in DIMENSIONS)
               and any(level(p.answers.get(f"{AFTER}.{d}"), 5) for d in DIMENSIONS) for p in people)


# ---- 2. self-assessment levels --------------------------------------------------------------------
@dataclass(frozen=True)
class Areas:
    levels: tuple[str, ...]
    shown: list[tuple[str, tuple[int, ...]]]  # (area, respondents per level), areas with ≥ MIN_GROUP
    others: int  # areas rated by fewer than MIN_GROUP participants
    raters: int  # participants who rated at least one area


def areas(people: Sequence[Person]) -> Areas:
    table = defs.field_for_key(AREAS)
    col = table.column("level")
    size = len(col.levels)
    seeds = {_norm(r.get("area")): str(r.get("area")) for r in table.seed_rows}
    ratings: dict[str, list[int]] = {}
    spellings: dict[str, Counter] = {}
    raters = 0
    for p in people:
        rows = p.answers.get(AREAS)
        seen: set[str] = set()
        for r in rows if isinstance(rows, list) else []:
            if not isinstance(r, dict):
                continue
            key, v = _norm(r.get("area")), level(r.get("level"), size)
            if key and v and key not in seen:  # a person's second row for the same area is not a second vote
                seen.add(key)
                ratings.setdefault(key, []).append(v)
                spellings.setdefault(key, Counter())[" ".join(str(r.get("area")).split())] += 1
        raters += bool(seen)
    shown = []
    for key, vs in ratings.items():
        if len(vs) >= MIN_GROUP:
            # The kit's own name when it is a seeded area; otherwise the spelling most of them used.
            name = seeds.get(key) or sorted(spellings[key].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            shown.append((name, tuple(vs.count(i) for i in range(1, size + 1))))
    order = list(seeds)
    shown.sort(key=lambda a: (order.index(_norm(a[0])) if _norm(a[0]) in order else len(order), _norm(a[0])))
    return Areas(col.levels, shown, sum(len(vs) < MIN_GROUP for vs in ratings.values()), raters)


# ---- 3. stakeholders ------------------------------------------------------------------------------
@dataclass
class Stakeholders:
    points: list[tuple[int, int]] = field(default_factory=list)  # (power, interest), every rated row
    participants: int = 0
    quadrants: dict[str, list[int]] = field(default_factory=dict)  # strategy → [stakeholders, participants]
    # (role, participants who rated it, how many of them put it in "manage closely")
    roles: list[tuple[str, int, int]] = field(default_factory=list)
    own_words: int = 0  # rated rows whose name is not one of the kit's role categories
    levels: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # power, interest
    role_source: str = ""


MANAGE_CLOSELY = QUADRANTS[(True, True)]


def stakeholders(people: Sequence[Person]) -> Stakeholders:
    table = defs.field_for_key(STAKEHOLDERS)
    chart = defs.worksheet("relationships.stakeholders").chart  # the worksheet's own grid names the columns
    opts = chart.options if chart else {"label": "stakeholder", "power": "power", "interest": "interest"}
    pcol, icol, lcol = table.column(opts["power"]), table.column(opts["interest"]), table.column(opts["label"])
    # Role categories that may be printed: a choice column's options, or else the kit's seeded rows —
    # the kit's words, never a participant's (a name typed in may identify someone).
    if lcol.type == "choice":
        vocabulary = {_norm(o): o for o in lcol.options}
        source = "the role list of the worksheet"
    else:
        vocabulary = {_norm(r.get(lcol.id)): str(r.get(lcol.id)) for r in table.seed_rows if r.get(lcol.id)}
        source = "the kit’s starting list of partners"
    s = Stakeholders(quadrants={q: [0, 0] for q in QUADRANTS.values()},
                     levels=(pcol.levels, icol.levels), role_source=source)
    named: Counter = Counter()
    closely: Counter = Counter()
    for p in people:
        rows = p.answers.get(STAKEHOLDERS)
        rows = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
        rated, groups, _unrated = quadrant_groups(rows, lcol.id, pcol, icol)
        if not rated:
            continue
        s.participants += 1
        s.points += [(pw, it) for _name, pw, it in rated]
        for q, names in groups.items():
            s.quadrants[q][0] += len(names)
            s.quadrants[q][1] += bool(names)
        mine = {_norm(name) for name, _p, _i in rated}
        close = {_norm(name) for name in groups[MANAGE_CLOSELY]}
        s.own_words += sum(_norm(name) not in vocabulary for name, _p, _i in rated)
        for role in mine & vocabulary.keys():
            named[role] += 1
            closely[role] += role in close
    s.roles = sorted(((vocabulary[r], n, closely[r]) for r, n in named.items() if n >= MIN_GROUP),
                     key=lambda t: (-t[2] / t[1], -t[1], t[0]))
    return s


# ---- 4. PD hours and credit -----------------------------------------------------------------------
def pd_hours(answers: Mapping) -> tuple[float | None, float | None]:
    """(hours logged, own target) for one participant; None where they wrote nothing."""
    rows = answers.get(PD_LOG)
    hours = [h for r in rows if isinstance(r, dict) and (h := _hours(r.get("hours"))) is not None] \
        if isinstance(rows, list) else []
    target = _hours(answers.get(PD_TARGET))
    return (sum(hours) if hours else None), (target if target else None)


def certificate_hours(g: Gathered) -> list[Hours] | None:
    """Each attendance-sheet row's hours toward the certificate, counted as the certificates count
    them (``attendance.hours_for``: sessions and meetings attended plus PD-log hours up to the cap);
    None when the cohort names no sheet or it is not there yet. A sheet with a mistake stops the
    report with an ``AttendanceError`` naming its line and column."""
    from ..core.attendance import hours_for, read_sheet
    from ..core.roster import Member

    path = g.cohort.attendance
    if path is None or not path.exists():
        return None
    # The report takes no roster: the sheet's own ids stand in for it (the roster check is the
    # certificates' business), read here only to name them; read_sheet checks every cell.
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError):
        rows = []  # read_sheet says what is wrong with the file
    header = [h.strip().lower() for h in rows[0]] if rows else []
    col = header.index("id") if "id" in header else None
    ids = {r[col].strip() for r in rows[1:] if col is not None and len(r) > col and r[col].strip()}
    sheet = read_sheet(path, g.cohort, [Member(0, pid, {}) for pid in sorted(ids)], roster="the sheet itself")
    logged = {p.key: pd_hours(p.answers)[0] or 0.0 for p in g.people}
    return [hours_for(g.cohort, pid, "", attended, logged.get(pid)) for pid, attended in sheet.rows.items()]


# ---- 5. goal themes -------------------------------------------------------------------------------
def theme_pattern(words: Sequence[str]) -> re.Pattern:
    alts = []
    for w in words:
        stem = w.rstrip("*")
        body = r"\s+".join(re.escape(part) for part in stem.split())
        alts.append(body + (r"\w*" if w.endswith("*") else r"(?!\w)"))
    return re.compile(r"(?<!\w)(?:" + "|".join(alts) + ")", re.IGNORECASE)


def goal_text(answers: Mapping) -> str:
    """All of one participant's goal statements as one text (only ever matched, never printed)."""
    parts = [str(answers.get(k) or "") for k in GOAL_TEXTS]
    for key, cols in GOAL_TABLES:
        rows = answers.get(key)
        for r in rows if isinstance(rows, list) else []:
            if isinstance(r, dict):
                parts += [str(r.get(c) or "") for c in cols]
    return "\n".join(p for p in parts if p.strip())


def themes(people: Sequence[Person], dictionary: Mapping[str, Sequence[str]] | None = None):
    """(participants with any goal text, {theme: participants mentioning it})."""
    patterns = {name: theme_pattern(words) for name, words in (dictionary or THEMES).items()}
    writers, counts = 0, Counter({name: 0 for name in patterns})
    for p in people:
        text = goal_text(p.answers)
        if not text:
            continue
        writers += 1
        for name, pat in patterns.items():
            counts[name] += bool(pat.search(text))
    return writers, counts
