"""The anonymous cohort report (``llc report``): did the programme work? Survey before and after, self-
assessment, stakeholder grids overlaid, PD hours and goal themes, with nothing that names anyone and
every figure from fewer than ``MIN_GROUP`` participants left out. ``report_data`` reads and counts,
``report_charts`` draws; this module writes the page."""
from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core import definitions as defs
from ..core.files import SHARED, write_all
from ..core.values import level
from ..documents.charts import Drawn
from ..documents.render import chart_html, esc, page_html
from .report_charts import (
    LIMIT,
    areas_chart,
    hours_histogram,
    reaction_chart,
    stakeholder_chart,
    survey_chart,
    themes_chart,
)
from .report_data import (
    AFTER,
    BEFORE,
    MANAGE_CLOSELY,
    MIN_GROUP,
    REACTION,
    THEMES,
    Gathered,
    Person,
    answered,
    answered_both,
    areas,
    certificate_hours,
    gather,
    goal_text,
    pct,
    pd_hours,
    stakeholders,
    survey,
    theme_pattern,
    themes,
)

HTML_NAME, PDF_NAME = "cohort-report.html", "cohort-report.pdf"


def suppressed_note(n: int, what: str = "") -> str:
    """What stands in place of a figure drawn from too few participants (none of its numbers)."""
    lead = f"<strong>{esc(what)}</strong> — " if what else ""
    return (f'<p class="llc-suppressed" role="note">{lead}Not shown: fewer than {MIN_GROUP} participants '
            f"answered (n = {n}). Small groups are suppressed to keep answers anonymous.</p>")


def section(anchor: str, title: str, parts: list[str], new_page: bool = False) -> str:
    """One numbered section of the report: its anchor, its heading, and what its function put in it."""
    heading = "llc-rh llc-newpage" if new_page else "llc-rh"
    return "\n".join([f'<section class="llc-report-section" id="{anchor}">',
                      f'<h2 class="{heading}">{esc(title)}</h2>', *parts, "</section>"])


def figure_html(drawn: Drawn) -> str:
    """A figure on the page; its matplotlib figure is cleared (a report draws several)."""
    html_text = chart_html(drawn)
    drawn.figure.clear()
    return html_text


def _date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def outcomes_html(people: Sequence[Person]) -> str:
    dims = survey(people)
    parts = ['<p class="llc-instructions">Participants rated five statements before the first session '
             "(Orientation) and again at the end of Opportunity, from “Strongly disagree” to “Strongly "
             "agree”. The first four are PLA Project Outcome’s outcomes — knowledge, confidence, "
             "application and awareness; the fifth asks about support from their school. "
             "“Agree” counts “Agree” and “Strongly agree”.</p>"]
    drawn = survey_chart(dims)
    if drawn is not None:
        parts.append(figure_html(drawn))
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
            cells.append(f"{pct(d.agree(counts), n)} agree (n = {n})" if n >= MIN_GROUP else
                         "not shown (fewer than 5)")
        if d.n_paired >= MIN_GROUP:
            up, same, down = d.paired
            change = f"n = {d.n_paired}: {up} up, {same} same, {down} down"
        else:
            change = "not shown (fewer than 5 answered both)"
        rows.append(f'<tr><th scope="row">{esc(d.name)}</th><td>{esc(cells[0])}</td><td>{esc(cells[1])}</td>'
                    f"<td>{esc(change)}</td></tr>")
    parts.append('<table class="llc-table llc-rt llc-wide"><thead><tr><th scope="col">Outcome</th>'
                 '<th scope="col">Before</th><th scope="col">After</th>'
                 '<th scope="col">Change among those who answered both</th></tr></thead><tbody>' + "".join(rows)
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
        parts.append(figure_html(reaction_chart(reactions, f.levels)))
    else:
        parts.append(suppressed_note(sum(reactions)))
    return section("outcomes", "1. Before and after: the series survey", parts, new_page=True)


def areas_html(people: Sequence[Person]) -> str:
    a = areas(people)
    parts = ['<p class="llc-instructions">Each participant rated areas of their school library program '
             "(the AASL Shared Foundations and Texas standards strands, plus any of their own) from "
             f"“{esc(a.levels[0])}” to “{esc(a.levels[-1])}”. Areas are matched by name, ignoring case "
             f"and spacing; only areas rated by at least {MIN_GROUP} participants are shown.</p>"]
    if a.raters < MIN_GROUP:
        parts.append(suppressed_note(a.raters))
    else:
        if a.shown:
            parts.append(figure_html(areas_chart(a)))
        parts.append(f'<p class="llc-small">{a.raters} participants rated at least one area.</p>')
        if a.others:
            parts.append(f'<p class="llc-small">{a.others} other area{"s" if a.others != 1 else ""} rated by '
                         f"fewer than {MIN_GROUP} participants (not shown).</p>")
    return section("self-assessment", "2. Program self-assessment", parts)


def stakeholders_html(people: Sequence[Person]) -> str:
    s = stakeholders(people)
    parts = ['<p class="llc-instructions">Each participant rated their stakeholders’ power over the library '
             "and interest in it (Mendelow’s grid). Every rated stakeholder is one faint dot, spread a little "
             "within its square so that equal ratings do not hide each other; darker clouds are where many "
             "agree. Names are never shown.</p>"]
    if s.participants < MIN_GROUP:
        parts.append(suppressed_note(s.participants))
        return section("stakeholders", "3. Stakeholders: every grid overlaid", parts, new_page=True)
    parts.append(figure_html(stakeholder_chart(s)))
    parts.append(f"<h3>Who is most often “{esc(MANAGE_CLOSELY.lower())}”</h3>")
    if s.roles:
        rrows = "".join(f'<tr><th scope="row">{esc(role)}</th><td>{close} of {n} ({pct(close, n)})</td></tr>'
                        for role, n, close in s.roles)
        parts.append('<table class="llc-table llc-rt"><thead><tr><th scope="col">Stakeholder role</th>'
                     f'<th scope="col">Placed in “{esc(MANAGE_CLOSELY)}” by</th></tr></thead>'
                     f"<tbody>{rrows}</tbody></table>")
        parts.append(f'<p class="llc-small">Only roles from {esc(s.role_source)} that at least {MIN_GROUP} '
                     "participants rated are listed; a role in a participant’s own words is counted in the "
                     f"grid but never named ({s.own_words} such stakeholders).</p>")
    else:
        parts.append(f'<p class="llc-small">No stakeholder role from {esc(s.role_source)} was rated by '
                     f"{MIN_GROUP} or more participants, so none is listed; roles in participants’ own "
                     "words are never named.</p>")
    return section("stakeholders", "3. Stakeholders: every grid overlaid", parts, new_page=True)


def hours_html(g: Gathered) -> str:
    credit = g.cohort.credit
    cap = credit.pd_log_max_hours
    parts = ['<p class="llc-instructions">Hours each participant logged in their PD log (Opportunity), '
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
        lines = [(cap, f"{cap:g} h: most that count toward the certificate", LIMIT)] if cap else []
        drawn = hours_histogram(logged, lines, "Hours logged", f"PD hours logged (n = {len(logged)})")
        parts.append('<div class="llc-keep">' + figure_html(drawn))
        facts = [f"Median logged: {statistics.median(logged):g} hours."]
        if with_target >= MIN_GROUP:
            facts.append(f"<strong>{met} of {with_target}</strong> participants who set a target "
                         f"({pct(met, with_target)}) logged at least their own target.")
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
            parts.append(figure_html(hours_histogram(totals, [(req, f"{req:g} h required", LIMIT)],
                                                     "Hours toward the certificate",
                                                     f"Attendance and PD hours (n = {len(totals)})")))
            reached = sum(h.qualified for h in counted)
            parts.append(f'<ul class="llc-facts"><li><strong>{reached} of {len(totals)}</strong> '
                         f"({pct(reached, len(totals))}) have at least the {req:g} hours required; "
                         f"{g.cohort.hours_available():g} hours of sessions and meetings were offered.</li></ul>")
    parts.append("</div>")
    return section("hours", "4. Professional development hours", parts, new_page=True)


def themes_html(people: Sequence[Person]) -> str:
    writers, counts = themes(people)
    parts = ['<p class="llc-instructions">Participants’ goals (the SMART goal, the growth-plan goal, the '
             "strategic plan’s goals and objectives, next year’s areas of transformation) were searched "
             "for the key words of each theme below; a participant counts once per theme however often "
             f"they mention it. Goals are never quoted. Themes mentioned by fewer than {MIN_GROUP} "
             "participants are folded into “other themes”.</p>"]
    if writers < MIN_GROUP:
        parts.append(suppressed_note(writers))
        return section("themes", "5. Common goal themes", parts, new_page=True)
    big = sorted(((t, n) for t, n in counts.items() if n >= MIN_GROUP), key=lambda tn: (-tn[1], tn[0]))
    small = [t for t, n in counts.items() if 0 < n < MIN_GROUP]
    pats = {t: theme_pattern(THEMES[t]) for t in small}
    folded = sum(any(pats[t].search(goal_text(p.answers)) for t in small) for p in people) if small else 0
    bars = list(big)
    other_label = f"Other themes ({len(small)} theme{'s' if len(small) != 1 else ''}, each under {MIN_GROUP})"
    if folded >= MIN_GROUP:
        bars.append((other_label, folded))
    if bars:
        parts.append(figure_html(themes_chart(bars, writers)))
    rows = "".join(f'<tr><th scope="row">{esc(t)}</th><td>{n} of {writers} ({pct(n, writers)})</td></tr>'
                   for t, n in bars)
    if small and folded < MIN_GROUP:
        rows += (f'<tr><th scope="row">{esc(other_label)}</th><td>fewer than {MIN_GROUP} participants '
                 "(not shown)</td></tr>")
    parts.append('<table class="llc-table llc-rt"><thead><tr><th scope="col">Theme</th>'
                 '<th scope="col">Participants mentioning it</th>'
                 f"</tr></thead><tbody>{rows}</tbody></table>")
    parts.append(f'<p class="llc-small">{writers} participants wrote at least one goal. Themes looked for: '
                 f"{esc(', '.join(THEMES))}.</p>")
    return section("themes", "5. Common goal themes", parts, new_page=True)


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
    table = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(v)}</td></tr>' for k, v in rows)
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
    body = "\n".join(['<div class="llc-report">', cover_html(g), outcomes_html(g.people),
                      areas_html(g.people), stakeholders_html(g.people), hours_html(g), themes_html(g.people),
                      "</div>"])
    return page_html(body, f"Cohort report — {g.cohort.name}", footer_name=f"{g.cohort.name} · cohort report",
                     styles=("report",))


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
    write_all({pdf_path: pdf, html_path: html_text.encode("utf-8")}, access=SHARED)  # anonymous
    return Written(html_path, pdf_path, g)
