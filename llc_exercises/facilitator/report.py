"""The anonymous cohort report: did the programme work? (``llc report``)

Reads a cohort's answers files (one per participant, as facilitators collect them) and writes one
printable report, ``cohort-report.html`` and ``cohort-report.pdf``, that a facilitator can show a
principal or a funder: the series survey before and after (PLA Project Outcome's knowledge,
confidence, application and awareness, plus school support, and Guskey's level 1, reactions), the
self-assessment levels, every stakeholder grid overlaid, PD hours against target (and attendance
against the credit requirement), and the themes of the cohort's goals.

Anonymous by construction: no name, id, school, district or free-text answer is ever printed, and
any figure or table drawn from fewer than ``MIN_GROUP`` participants is left out altogether (its
numbers are in neither the HTML nor the drawing) with a note in its place. Free text is only ever
matched against the kit's own words (seeded area and stakeholder names, theme keywords).
"""
from __future__ import annotations

import csv
import datetime as dt
import random
import re
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core import definitions as defs
from ..core import schema
from ..core.cohort import Cohort, load_cohort
from ..core.derived import QUADRANTS, quadrant_groups
from ..core.files import write_all
from ..core.store import AnswerFileError, read_document
from ..core.values import level
from ..documents import charts
from ..documents.render import chart_html, esc, page_html
from ..errors import LeadingEdgeError

if TYPE_CHECKING:
    from ..core.attendance import Hours

MIN_GROUP = 5  # smallest group any figure or table may be drawn from (small-cell suppression)
HTML_NAME, PDF_NAME = "cohort-report.html", "cohort-report.pdf"

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

AGREEMENT_COLOURS = ("#b2182b", "#ef8a62", "#d9d9d9", "#67a9cf", "#2166ac")  # diverging, colour-blind safe
LEVEL_COLOURS = ("#e3e7ef", "#a6bddb", "#67a9cf", "#1c7bb5", "#034e7b")  # low → high: one hue, darkening
TEXT_DARK = "#222"


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


def suppressed_note(n: int, what: str = "") -> str:
    """What stands in place of a figure drawn from too few participants (none of its numbers)."""
    lead = f"<strong>{esc(what)}</strong> — " if what else ""
    return (f'<p class="llc-suppressed" role="note">{lead}Not shown: fewer than {MIN_GROUP} participants '
            f"answered (n = {n}). Small groups are suppressed to keep answers anonymous.</p>")


def _norm(text) -> str:
    """Case- and space-insensitive form of a name, for matching ("  reading  AND literacy")."""
    return " ".join(str(text or "").split()).casefold()


def _hours(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else None


def _pct(part: int | float, whole: int | float) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


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


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")





def survey_chart(dims: Sequence[Dimension]) -> charts.Drawn | None:
    """Diverging stacked bars: each statement's answers before and after, disagreement left of the
    centre line, agreement right, the neutral middle straddling it; every segment and the share
    agreeing written on the bar. Only groups of at least MIN_GROUP are drawn; None if there are none."""
    import matplotlib
    from matplotlib.patches import Patch

    rows: list[tuple[float, str, Sequence[int]]] = []  # (y, label, counts)
    heads: list[tuple[float, str]] = []
    y = 0.0
    for d in dims:
        bars = [(w, c) for w, c in (("Before", d.before), ("After", d.after)) if sum(c) >= MIN_GROUP]
        if not bars:
            continue
        heads.append((y - 0.62, f"{d.name}: {d.statement}"))
        for when, counts in bars:
            rows.append((y, f"{when} · n = {sum(counts)}", counts))
            y += 1
        y += 1.45
    if not rows:
        return None
    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(8, 0.34 * len(rows) + 0.34 * len(heads) + 1.0)
        ax = fig.add_subplot()
        for yy, _label, shares in rows:
            n = sum(shares)
            pct = [100 * c / n for c in shares]
            left = -(pct[0] + pct[1] + pct[2] / 2)
            for i, p in enumerate(pct):
                ax.barh(yy, p, left=left, height=0.78, color=AGREEMENT_COLOURS[i], edgecolor="white", lw=0.6)
                if p >= 7:
                    # on a patch of the segment's colour, so the centre line passes behind the number
                    ax.text(left + p / 2, yy, f"{round(p)}%", ha="center", va="center", fontsize=7.5, zorder=4,
                            color="white" if i in (0, 4) else TEXT_DARK,
                            bbox={"boxstyle": "square,pad=0.05", "facecolor": AGREEMENT_COLOURS[i], "lw": 0})
                left += p
            agree = sum(shares[AGREE_FROM - 1:])
            ax.text(103, yy, f"{_pct(agree, n)} agree", va="center", fontsize=9, weight="bold", color="#08306b")
        for yy, text in heads:
            ax.text(-100, yy, charts.wrap(text, 105), va="bottom", fontsize=8.5, weight="bold", color="#1d3557")
        for yy, _label, _counts in rows:  # the centre line only through the bars, not the headings
            ax.plot([0, 0], [yy - 0.5, yy + 0.5], color="#555", lw=0.8, zorder=3)
        ax.set_yticks([r[0] for r in rows], [r[1] for r in rows], fontsize=8.5)
        ax.set_ylim(rows[-1][0] + 0.6, -1.3)
        ax.set_xlim(-100, 100)
        ax.set_xticks(range(-100, 101, 25), [f"{abs(v)}%" for v in range(-100, 101, 25)], fontsize=8)
        ax.set_xlabel("← disagree   ·   share of respondents   ·   agree →", fontsize=8.5)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", alpha=0.25)
        levels = dims[0].levels
        fig.legend([Patch(color=c) for c in AGREEMENT_COLOURS], levels, loc="outside lower center",
                   ncols=len(levels), fontsize=8, frameon=False)
    shown = [f"{d.name}: " + ", ".join(f"{w} {_pct(d.agree(c), sum(c))} agree (n = {sum(c)})"
                                       for w, c in (("before", d.before), ("after", d.after))
                                       if sum(c) >= MIN_GROUP) for d in dims
             if sum(d.before) >= MIN_GROUP or sum(d.after) >= MIN_GROUP]
    return charts.Drawn(fig, "Series survey, share agreeing — " + "; ".join(shown) + ".")


def reaction_chart(counts: Sequence[int], levels: Sequence[str]) -> charts.Drawn:
    """Guskey level 1: how worthwhile the days were, one bar per answer, each with its count."""
    import matplotlib

    n = sum(counts)
    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(8, 3.1)
        ax = fig.add_subplot()
        xs = range(len(levels))
        ax.bar(xs, counts, color=LEVEL_COLOURS, edgecolor="#555", lw=0.6)
        for x, c in zip(xs, counts):
            ax.text(x, c, f"{c} ({_pct(c, n)})", ha="center", va="bottom", fontsize=9)
        ax.set_xticks(list(xs), [charts.wrap(lv, 16) for lv in levels], fontsize=8.5)
        ax.set_ylim(0, max(counts) * 1.25 + 0.5)
        ax.set_ylabel("Participants", fontsize=8.5)
        ax.tick_params(axis="y", labelsize=8)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_title(f"How worthwhile were the six days? (n = {n})", fontsize=10)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    parts = ", ".join(f"{lv}: {c}" for lv, c in zip(levels, counts))
    return charts.Drawn(fig, f"Guskey level 1, reactions (n = {n}): {parts}.")


def outcomes_html(people: Sequence[Person]) -> str:
    dims = survey(people)
    parts = ['<section class="llc-report-section" id="outcomes">',
             '<h2 class="llc-rh llc-newpage">1. Before and after: the series survey</h2>',
             '<p class="llc-instructions">Participants rated five statements before the first session '
             "(Orientation) and again at the end of Opportunity, from “Strongly disagree” to “Strongly "
             "agree”. The first four are PLA Project Outcome’s outcomes — knowledge, confidence, "
             "application and awareness; the fifth asks about support from their school. "
             "“Agree” counts “Agree” and “Strongly agree”.</p>"]
    drawn = survey_chart(dims)
    if drawn is not None:
        parts.append(chart_html(drawn))
        drawn.figure.clear()
    # One note per survey and group size, so the reader sees which bars are missing and why.
    for when, attr in (("Before survey", "n_before"), ("After survey", "n_after")):
        small: dict[int, list[str]] = {}
        for d in dims:
            n = getattr(d, attr)
            if n < MIN_GROUP:
                small.setdefault(n, []).append(d.name.lower())
        for n, names in small.items():
            label = f"{when}, {'all five statements' if len(names) == len(dims) else ', '.join(names)}"
            parts.append(suppressed_note(n, label))
    rows = []
    for d in dims:
        cells = []
        for counts in (d.before, d.after):
            n = sum(counts)
            cells.append(f"{_pct(d.agree(counts), n)} agree (n = {n})" if n >= MIN_GROUP else
                         "not shown (fewer than 5)")
        if d.n_paired >= MIN_GROUP:
            up, same, down = d.paired
            change = f"n = {d.n_paired}: {up} up, {same} same, {down} down"
        else:
            change = "not shown (fewer than 5 answered both)"
        rows.append(f"<tr><th>{esc(d.name)}</th><td>{esc(cells[0])}</td><td>{esc(cells[1])}</td>"
                    f"<td>{esc(change)}</td></tr>")
    parts.append('<table class="llc-table llc-rt llc-wide"><thead><tr><th>Outcome</th><th>Before</th><th>After</th>'
                 "<th>Change among those who answered both</th></tr></thead><tbody>" + "".join(rows)
                 + "</tbody></table>")
    parts.append('<p class="llc-small">“Up” means a higher rating after than before on that statement, '
                 "for the same person; shares are of those who rated the statement.</p>")

    f = defs.field_for_key(REACTION)
    reactions = [0] * len(f.levels)
    for p in people:
        v = level(p.answers.get(REACTION), len(f.levels))
        if v:
            reactions[v - 1] += 1
    parts.append("<h3>Guskey level 1: reactions to the series</h3>")
    if sum(reactions) >= MIN_GROUP:
        r = reaction_chart(reactions, f.levels)
        parts.append(chart_html(r))
        r.figure.clear()
    else:
        parts.append(suppressed_note(sum(reactions)))
    parts.append("</section>")
    return "\n".join(parts)


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


def areas_chart(a: Areas) -> charts.Drawn:
    """One 100% bar per area: how many participants put it at each level, counts on the segments."""
    import matplotlib
    from matplotlib.patches import Patch

    with matplotlib.rc_context(charts.PLAIN_TEXT):  # area names may be participants' own words
        fig = _figure(8, 0.5 * len(a.shown) + 1.5)
        ax = fig.add_subplot()
        for y, (_name, counts) in enumerate(a.shown):
            n, left = sum(counts), 0.0
            for i, c in enumerate(counts):
                w = 100 * c / n
                ax.barh(y, w, left=left, height=0.7, color=LEVEL_COLOURS[i], edgecolor="white", lw=0.6)
                if c:
                    ax.text(left + w / 2, y, str(c), ha="center", va="center", fontsize=8.5,
                            color="white" if i >= 3 else TEXT_DARK)
                left += w
        ax.set_yticks(range(len(a.shown)), [f"{charts.wrap(name, 30)} (n = {sum(c)})" for name, c in a.shown],
                      fontsize=8.5)
        ax.set_ylim(len(a.shown) - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 25), [f"{v}%" for v in range(0, 101, 25)], fontsize=8)
        ax.set_xlabel("Share of participants who rated the area (numbers on the bars are participants)",
                      fontsize=8.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.legend([Patch(color=c) for c in LEVEL_COLOURS], a.levels, loc="outside lower center",
                   ncols=len(a.levels), fontsize=8, frameon=False)
    parts = "; ".join(f"{name} (n = {sum(c)}): " + ", ".join(f"{lv} {k}" for lv, k in zip(a.levels, c) if k)
                      for name, c in a.shown)
    return charts.Drawn(fig, f"Program self-assessment levels by area — {parts}.")


def areas_html(people: Sequence[Person]) -> str:
    a = areas(people)
    parts = ['<section class="llc-report-section" id="self-assessment">',
             '<h2 class="llc-rh">2. Program self-assessment</h2>',
             '<p class="llc-instructions">Each participant rated areas of their school library program '
             "(the AASL Shared Foundations and Texas standards strands, plus any of their own) from "
             f"“{esc(a.levels[0])}” to “{esc(a.levels[-1])}”. Areas are matched by name, ignoring case "
             f"and spacing; only areas rated by at least {MIN_GROUP} participants are shown.</p>"]
    if a.raters < MIN_GROUP:
        parts.append(suppressed_note(a.raters))
    else:
        if a.shown:
            drawn = areas_chart(a)
            parts.append(chart_html(drawn))
            drawn.figure.clear()
        parts.append(f'<p class="llc-small">{a.raters} participants rated at least one area.</p>')
        if a.others:
            parts.append(f'<p class="llc-small">{a.others} other area{"s" if a.others != 1 else ""} rated by '
                         f"fewer than {MIN_GROUP} participants (not shown).</p>")
    parts.append("</section>")
    return "\n".join(parts)


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


def _divider(levels: int) -> float:
    """Where the grid's halves meet: between the last "low" level and the first "high" one, the way
    ``quadrant_groups`` splits them (a middle level counts as high)."""
    import math

    return math.ceil((levels + 1) / 2) - 0.5


def stakeholder_chart(s: Stakeholders) -> charts.Drawn:
    """Every participant's stakeholders on one Mendelow grid: one faint dot each, jittered within its
    cell so that dots of the same rating spread into a cloud; each quadrant names its count."""
    import matplotlib

    plev, ilev = s.levels
    rng = random.Random(20)  # fixed: the same answers draw the same picture
    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(7.2, 5.1)
        ax = fig.add_subplot()
        xs = [i + rng.uniform(-0.33, 0.33) for _p, i in s.points]
        ys = [p + rng.uniform(-0.33, 0.33) for p, _i in s.points]
        ax.scatter(xs, ys, s=30, alpha=0.45, color=charts.PALETTE[0], edgecolors="none", zorder=3)
        # A band above and below the grid holds the quadrant labels, so no label covers a dot.
        top, bottom = len(plev) + 1.3, -0.3
        ax.set_xlim(0.5, len(ilev) + 0.5)
        ax.set_ylim(bottom, top)
        px, py = _divider(len(ilev)), _divider(len(plev))
        ax.axvline(px, color="#777", lw=1.2)
        ax.axhline(py, color="#777", lw=1.2)
        for y in (0.5, len(plev) + 0.5):
            ax.axhline(y, color="#ccc", lw=0.8, ls=":")
        total = len(s.points)
        for (hp, hi), name in QUADRANTS.items():
            ax.text(px + (0.08 if hi else -0.08), top - 0.08 if hp else bottom + 0.08,
                    quadrant_label(name, s.quadrants[name][0], s.quadrants[name][1], total, "\n"),
                    ha="left" if hi else "right", va="top" if hp else "bottom", fontsize=8.5, color="#1d3557",
                    weight="bold")
        ax.set_xticks(range(1, len(ilev) + 1), [charts.wrap(lv, 16) for lv in ilev], fontsize=8)
        ax.set_yticks(range(1, len(plev) + 1), [charts.wrap(lv, 14) for lv in plev], fontsize=8)
        ax.set_xlabel("Interest in the library →", fontsize=9)
        ax.set_ylabel("Power over the library →", fontsize=9)
        ax.set_title(f"{total} stakeholders rated by {s.participants} participants", fontsize=10)
    parts = "; ".join(quadrant_label(q, v[0], v[1], total, " ") for q, v in s.quadrants.items())
    return charts.Drawn(fig, f"All stakeholder grids overlaid, {total} stakeholders from {s.participants} "
                             f"participants — {parts}.")


def quadrant_label(name: str, n: int, who: int, total: int, sep: str) -> str:
    """A quadrant's count, unless fewer than MIN_GROUP participants put anyone there: a small
    group is not counted in print, even inside a figure drawn from many."""
    if 0 < who < MIN_GROUP:
        return f"{name}:{sep}from fewer than {MIN_GROUP} participants"
    return f"{name}: {n} ({_pct(n, total)}){sep}from {who} participants"


def stakeholders_html(people: Sequence[Person]) -> str:
    s = stakeholders(people)
    parts = ['<section class="llc-report-section" id="stakeholders">',
             '<h2 class="llc-rh llc-newpage">3. Stakeholders: every grid overlaid</h2>',
             '<p class="llc-instructions">Each participant rated their stakeholders’ power over the library '
             "and interest in it (Mendelow’s grid). Every rated stakeholder is one faint dot, spread a little "
             "within its square so that equal ratings do not hide each other; darker clouds are where many "
             "agree. Names are never shown.</p>"]
    if s.participants < MIN_GROUP:
        parts.append(suppressed_note(s.participants))
        parts.append("</section>")
        return "\n".join(parts)
    drawn = stakeholder_chart(s)
    parts.append(chart_html(drawn))
    drawn.figure.clear()
    parts.append(f"<h3>Who is most often “{esc(MANAGE_CLOSELY.lower())}”</h3>")
    if s.roles:
        rrows = "".join(f"<tr><th>{esc(role)}</th><td>{close} of {n} ({_pct(close, n)})</td></tr>"
                        for role, n, close in s.roles)
        parts.append('<table class="llc-table llc-rt"><thead><tr><th>Stakeholder role</th>'
                     f"<th>Placed in “{esc(MANAGE_CLOSELY)}” by</th></tr></thead><tbody>{rrows}</tbody></table>")
        parts.append(f'<p class="llc-small">Only roles from {esc(s.role_source)} that at least {MIN_GROUP} '
                     "participants rated are listed; a role in a participant’s own words is counted in the "
                     f"grid but never named ({s.own_words} such stakeholders).</p>")
    else:
        parts.append(f'<p class="llc-small">No stakeholder role from {esc(s.role_source)} was rated by '
                     f"{MIN_GROUP} or more participants, so none is listed; roles in participants’ own "
                     "words are never named.</p>")
    parts.append("</section>")
    return "\n".join(parts)


# ---- 4. PD hours and credit -----------------------------------------------------------------------
def pd_hours(answers: Mapping) -> tuple[float | None, float | None]:
    """(hours logged, own target) for one participant; None where they wrote nothing."""
    rows = answers.get(PD_LOG)
    hours = [h for r in rows if isinstance(r, dict) and (h := _hours(r.get("hours"))) is not None] \
        if isinstance(rows, list) else []
    target = _hours(answers.get(PD_TARGET))
    return (sum(hours) if hours else None), (target if target else None)


def _bins(values: Sequence[float]) -> list[float]:
    top = max(max(values), 1.0)
    step = next(s for s in (1, 2, 4, 5, 10, 20, 25, 50, 100) if top / s <= 12)
    return [float(step * i) for i in range(int(top // step) + 2)]


def hours_histogram(values: Sequence[float], lines: Sequence[tuple[float, str, str]], xlabel: str,
                    title: str) -> charts.Drawn:
    """Participants per band of hours, each bar labelled with its count; ``lines`` mark targets
    (value, label, colour), drawn dashed and named in the key as well as by colour."""
    import matplotlib

    edges = _bins(values)
    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(8, 2.9)
        ax = fig.add_subplot()
        counts, _e, bars = ax.hist(values, bins=edges, color="#9ecae1", edgecolor="#2a6f97")
        for rect, c in zip(bars, counts):
            if c:
                ax.annotate(f"{int(c)}", (rect.get_x() + rect.get_width() / 2, c), xytext=(0, 3),
                            textcoords="offset points", ha="center", va="bottom", fontsize=9, zorder=4,
                            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
        for i, (x, label, colour) in enumerate(lines):
            ax.axvline(x, color=colour, lw=2, ls=("--", ":")[i % 2], label=label)
        ax.set_xlim(edges[0], max(edges[-1], *(x + 1 for x, _l, _c in lines)))
        ax.set_ylim(0, max(counts) * 1.25 + 0.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel(xlabel, fontsize=9)
        ax.set_ylabel("Participants", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.set_title(title, fontsize=10)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if lines:
            fig.legend(loc="outside lower center", ncols=len(lines), fontsize=8, frameon=False)
    bands = ", ".join(f"{edges[i]:g}–{edges[i + 1]:g} h: {int(c)}" for i, c in enumerate(counts) if c)
    marks = "; ".join(f"{label}" for _x, label, _c in lines)
    return charts.Drawn(fig, f"{title}: {bands}" + (f"; {marks}" if marks else "") + ".")


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


def hours_html(g: Gathered) -> str:
    credit = g.cohort.credit
    cap = credit.pd_log_max_hours
    parts = ['<section class="llc-report-section" id="hours">',
             '<h2 class="llc-rh llc-newpage">4. Professional development hours</h2>',
             '<p class="llc-instructions">Hours each participant logged in their PD log (Opportunity), '
             "against the target they set themselves"
             + (f"; at most {cap:g} logged hours count toward the certificate ({esc(credit.offered)})."
                if cap is not None else ".") + "</p>"]
    logged, met, with_target = [], 0, 0
    for p in g.people:
        hours, target = pd_hours(p.answers)
        if hours is None and target is None:
            continue
        logged.append(hours or 0.0)
        if target:
            with_target += 1
            met += (hours or 0.0) >= target
    if len(logged) < MIN_GROUP:
        parts.append(suppressed_note(len(logged)))
    else:
        lines = [(cap, f"{cap:g} h: most that count toward the certificate", "#a4161a")] if cap else []
        drawn = hours_histogram(logged, lines, "Hours logged", f"PD hours logged (n = {len(logged)})")
        parts.append('<div class="llc-keep">' + chart_html(drawn))
        drawn.figure.clear()
        facts = [f"Median logged: {statistics.median(logged):g} hours."]
        if with_target >= MIN_GROUP:
            facts.append(f"<strong>{met} of {with_target}</strong> participants who set a target "
                         f"({_pct(met, with_target)}) logged at least their own target.")
        else:
            facts.append(f"How many met their own target is not shown: fewer than {MIN_GROUP} participants "
                         f"set one (n = {with_target}).")
        if cap:
            facts.append(f"{sum(h >= cap for h in logged)} of {len(logged)} logged at least the {cap:g} hours "
                         "that count toward the certificate.")
        parts.append('<ul class="llc-facts">' + "".join(f"<li>{f}</li>" for f in facts) + "</ul></div>")

    # the heading, its chart and the count stay on one page
    parts.append(f'<div class="llc-keep"><h3>Toward the certificate: {credit.required_hours:g} hours</h3>')
    counted = certificate_hours(g)
    if counted is None:
        where = g.cohort.attendance.name if g.cohort.attendance else ""
        parts.append('<p class="llc-small">' + (
            f"The attendance sheet named in the cohort file ({esc(where)}) is not there yet, so "
            "attendance is not counted here." if where else
            "The cohort file names no attendance sheet, so attendance is not counted here.") + "</p>")
    else:
        parts.append('<p class="llc-instructions">Sessions and cohort meetings attended (from the attendance '
                     "sheet) plus logged PD hours"
                     + (f" (at most {cap:g})" if cap is not None else "") + ", for everyone on the sheet.</p>")
        totals = [h.total for h in counted]
        if len(totals) < MIN_GROUP:
            parts.append(suppressed_note(len(totals)))
        else:
            req = credit.required_hours
            drawn = hours_histogram(totals, [(req, f"{req:g} h required", "#a4161a")], "Hours toward the certificate",
                                    f"Attendance and PD hours (n = {len(totals)})")
            parts.append(chart_html(drawn))
            drawn.figure.clear()
            reached = sum(h.qualified for h in counted)
            parts.append(f'<ul class="llc-facts"><li><strong>{reached} of {len(totals)}</strong> '
                         f"({_pct(reached, len(totals))}) have at least the {req:g} hours required; "
                         f"{g.cohort.hours_available():g} hours of sessions and meetings were offered.</li></ul>")
    parts.append("</div></section>")
    return "\n".join(parts)


# ---- 5. goal themes -------------------------------------------------------------------------------
def _pattern(words: Sequence[str]) -> re.Pattern:
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
    patterns = {name: _pattern(words) for name, words in (dictionary or THEMES).items()}
    writers, counts = 0, Counter({name: 0 for name in patterns})
    for p in people:
        text = goal_text(p.answers)
        if not text:
            continue
        writers += 1
        for name, pat in patterns.items():
            counts[name] += bool(pat.search(text))
    return writers, counts


def themes_chart(bars: Sequence[tuple[str, int]], writers: int) -> charts.Drawn:
    import matplotlib

    with matplotlib.rc_context(charts.PLAIN_TEXT):
        fig = _figure(8, 0.3 * len(bars) + 1.0)
        ax = fig.add_subplot()
        ys = range(len(bars))
        ax.barh(list(ys), [n for _t, n in bars], height=0.7,
                color=[charts.PALETTE[0] if not t.startswith("Other") else "#b0b0b0" for t, _n in bars])
        for y, (_t, n) in zip(ys, bars):
            ax.text(n, y, f" {n} ({_pct(n, writers)})", va="center", fontsize=8.5)
        ax.set_yticks(list(ys), [charts.wrap(t, 40) for t, _n in bars], fontsize=8.5)
        ax.set_ylim(len(bars) - 0.5, -0.5)
        ax.set_xlim(0, writers * 1.18)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel(f"Participants mentioning the theme (of {writers} who wrote goals)", fontsize=9)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    return charts.Drawn(fig, "Goal themes, participants mentioning each: "
                             + "; ".join(f"{t} {n}" for t, n in bars) + f" (of {writers}).")


def themes_html(people: Sequence[Person]) -> str:
    writers, counts = themes(people)
    parts = ['<section class="llc-report-section" id="themes">',
             '<h2 class="llc-rh llc-newpage">5. Common goal themes</h2>',
             '<p class="llc-instructions">Participants’ goals (the SMART goal, the growth-plan goal, the '
             "strategic plan’s goals and objectives, next year’s areas of transformation) were searched "
             "for the key words of each theme below; a participant counts once per theme however often "
             f"they mention it. Goals are never quoted. Themes mentioned by fewer than {MIN_GROUP} "
             "participants are folded into “other themes”.</p>"]
    if writers < MIN_GROUP:
        parts.append(suppressed_note(writers))
        parts.append("</section>")
        return "\n".join(parts)
    big = sorted(((t, n) for t, n in counts.items() if n >= MIN_GROUP), key=lambda tn: (-tn[1], tn[0]))
    small = [t for t, n in counts.items() if 0 < n < MIN_GROUP]
    pats = {t: _pattern(THEMES[t]) for t in small}
    folded = sum(any(pats[t].search(goal_text(p.answers)) for t in small) for p in people) if small else 0
    bars = list(big)
    other_label = f"Other themes ({len(small)} theme{'s' if len(small) != 1 else ''}, each under {MIN_GROUP})"
    if folded >= MIN_GROUP:
        bars.append((other_label, folded))
    if bars:
        drawn = themes_chart(bars, writers)
        parts.append(chart_html(drawn))
        drawn.figure.clear()
    rows = "".join(f"<tr><th>{esc(t)}</th><td>{n} of {writers} ({_pct(n, writers)})</td></tr>" for t, n in bars)
    if small and folded < MIN_GROUP:
        rows += (f"<tr><th>{esc(other_label)}</th><td>fewer than {MIN_GROUP} participants (not shown)</td></tr>")
    parts.append('<table class="llc-table llc-rt"><thead><tr><th>Theme</th><th>Participants mentioning it</th>'
                 f"</tr></thead><tbody>{rows}</tbody></table>")
    parts.append(f'<p class="llc-small">{writers} participants wrote at least one goal. Themes looked for: '
                 f"{esc(', '.join(THEMES))}.</p>")
    parts.append("</section>")
    return "\n".join(parts)


# ---- the page -------------------------------------------------------------------------------------
REPORT_CSS = """<style>
.llc-report .llc-cover { padding-top: 14mm; }
.llc-report h2.llc-rh { color: #1d3557; border-bottom: 2px solid #2a6f97; margin-top: 0.4em; }
.llc-report h2.llc-newpage { page-break-before: always; break-before: page; }
.llc-report h3 { color: #1d3557; margin-bottom: 0.3em; break-after: avoid; page-break-after: avoid; }
.llc-report .llc-instructions { color: #333; }
.llc-report .llc-rt { width: auto; min-width: 60%; font-size: 0.9em; page-break-inside: avoid; }
.llc-report .llc-rt th, .llc-report .llc-rt td { text-align: left; overflow-wrap: normal; }
.llc-report .llc-rt.llc-wide { width: 100%; }
.llc-report .llc-rt thead th { background: #e9eef4; }
.llc-report .llc-rt tbody th { background: none; font-weight: bold; }
.llc-report .llc-suppressed { border-left: 4px solid #a4161a; background: #fbf1f1; padding: 5px 10px;
  margin: 8px 0; page-break-inside: avoid; }
.llc-report .llc-keep { page-break-inside: avoid; break-inside: avoid; }
.llc-report .llc-small { color: #444; font-size: 0.88em; }
.llc-report .llc-facts li { margin: 2px 0; }
.llc-report .llc-howto { background: #f3f7fb; border: 1px solid #c9d6e3; border-radius: 4px; padding: 4px 14px;
  margin-top: 8mm; font-size: 0.92em; }
.llc-report .llc-howto li { margin: 3px 0; }
/* an h2 (it follows the h1) that looks like the report's h3s */
.llc-report .llc-howto h2 { font-size: 1.17em; color: #1d3557; margin: 1em 0 0.3em 0; break-after: avoid;
  page-break-after: avoid; }
.llc-report .llc-chart { text-align: center; }
.llc-report .llc-chart figcaption { text-align: left; }
</style>"""


def cover_html(g: Gathered) -> str:
    c = g.cohort
    before, after, both = answered(g.people, BEFORE), answered(g.people, AFTER), answered_both(g.people)
    first, last = c.sessions[0].date, c.sessions[-1].date
    rows = [("Cohort", c.name), ("Series", c.series)]
    if c.organiser:
        rows.append(("Organiser", c.organiser))
    rows += [("First session", _date(first)), ("Last session", _date(last)),
             ("Answers files read", f"{len(g.people)}" + (f" ({len(g.skipped)} more skipped: damaged or invalid)"
                                                            if g.skipped else "")),
             ("Answered the before survey", str(before)), ("Answered the after survey", str(after)),
             ("Answered both", str(both))]
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    skipped = (f"<li>{len(g.skipped)} answers file{'s were' if len(g.skipped) != 1 else ' was'} damaged or "
               "invalid and left out; the facilitator’s command line lists them.</li>") if g.skipped else ""
    return (f'<section class="llc-cover">'
            f'<p class="llc-kicker">Anonymous cohort report</p>'
            f"<h1>{esc(c.series)}</h1><p class=\"llc-subtitle\">{esc(c.name)}: what the cohort reports</p>"
            f'<table class="llc-cover-table">{table}</table>'
            f'<div class="llc-howto"><h2>How to read this report</h2><ul>'
            f"<li>Everything here is counted across the cohort. No name, school, district or answer in a "
            f"participant’s own words appears anywhere.</li>"
            f"<li><strong>Small groups are suppressed:</strong> any chart or table that would rest on fewer "
            f"than {MIN_GROUP} participants is left out, and a note says so and how many answered (n). "
            f"Its numbers appear nowhere in the report.</li>"
            f"<li><em>n</em> is the number of participants behind a figure. Participants skip questions, so "
            f"n differs from figure to figure; a share is always of those who answered that question.</li>"
            f"<li>The before/after survey compares the whole group before with the whole group after, and "
            f"also shows, for those who answered both, how many rated a statement higher, the same or lower."
            f"</li>"
            f"<li>Only answers participants chose to send are included: {len(g.people)} files.</li>"
            f"{skipped}</ul></div></section>")


def report_html(g: Gathered) -> str:
    """The whole report as one standalone page (no scripts, no external files)."""
    body = "\n".join([REPORT_CSS, '<div class="llc-report">', cover_html(g), outcomes_html(g.people),
                      areas_html(g.people), stakeholders_html(g.people), hours_html(g), themes_html(g.people),
                      "</div>"])
    return page_html(body, f"Cohort report — {g.cohort.name}", footer_name=f"{g.cohort.name} · cohort report")


@dataclass(frozen=True)
class Written:
    html: Path
    pdf: Path
    gathered: Gathered

    def summary(self) -> str:
        g = self.gathered
        skipped = f", {len(g.skipped)} skipped" if g.skipped else ""
        return (f"Cohort report for {g.cohort.name}: {len(g.people)} answers files read{skipped}; "
                f"{answered(g.people, BEFORE)} answered the before survey, "
                f"{answered(g.people, AFTER)} the after survey.")


def write_report(cohort_file: Path, answers_dir: Path, out_dir: Path, engine: str = "auto") -> Written:
    """Write ``cohort-report.html`` and ``cohort-report.pdf`` into ``out_dir``: both, or neither.

    Everything is read, checked, drawn and printed before the folder is touched."""
    from ..documents.pdf import open_printer

    g = gather(Path(cohort_file), Path(answers_dir))
    html_text = report_html(g)
    with open_printer(engine) as printer:
        pdf = printer.pdf(html_text)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out_dir / HTML_NAME, out_dir / PDF_NAME
    write_all({pdf_path: pdf, html_path: html_text.encode("utf-8")})
    return Written(html_path, pdf_path, g)
