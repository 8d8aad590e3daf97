"""Static renders of answers — HTML and Markdown, no widgets, no JavaScript.

These are what notebook exports and the PDF workbook show. All participant text is escaped here
and nowhere else needs to: HTML via ``html.escape`` inside a block MathJax is told to skip, Markdown
by backslash-escaping every punctuation mark Markdown, HTML or LaTeX could act on.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from ..core import cohort as cohorts
from ..core import definitions as defs
from ..core import derived, years
from ..core.values import fmt_date, is_blank, progress, scalar_text, zoned
from . import charts, pages

ISOLATE = "\u2068{}\u2069"  # first-strong isolate … pop directional isolate
BLANK_HTML = '<span class="llc-blank">not answered yet</span>'
BLANK_MD = "_(not answered yet)_"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|$~^%&<>\"'=:])")


def esc(text) -> str:
    return html.escape(str(text), quote=True)


_BOLD, _ITALIC = re.compile(r"\*\*(.+?)\*\*"), re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])")


def instructions_html(text: str) -> str:
    """A worksheet's instructions (kit prose from the YAML, not participant text): escaped, one
    paragraph, with the **bold** and *italic* of the Markdown it is written in."""
    out = esc(" ".join(text.split()))
    return _ITALIC.sub(r"<em>\1</em>", _BOLD.sub(r"<strong>\1</strong>", out))


def md_escape(text) -> str:
    """Plain text → Markdown that displays exactly that text (also safe through pandoc to LaTeX)."""
    lines = str(text).replace("\r\n", "\n").split("\n")
    return "  \n".join(_MD_SPECIAL.sub(r"\\\1", ln) for ln in lines)


# ---- HTML ---------------------------------------------------------------------------------------
def field_html(f: defs.Field, value) -> str:
    label = f'<div class="llc-q">{esc(f.label)}</div>'
    if f.type == "table":
        return label + table_html(f, value)
    if f.type in ("choice", "multi_choice"):
        # Options are listed even when blank, so a printed workbook can be completed by hand.
        chosen = set() if is_blank(value) else {value} if f.type == "choice" else set(value)
        mark = ("◉", "○") if f.type == "choice" else ("☑", "☐")
        items = "".join(f'<li class="{"llc-on" if o in chosen else "llc-off"}">'
                        f'{mark[0] if o in chosen else mark[1]} {esc(o)}</li>' for o in f.options)
        blank = f'<div class="llc-a">{BLANK_HTML}</div>' if not chosen else ""
        return label + blank + f'<ul class="llc-options">{items}</ul>'
    if is_blank(value):
        return label + f'<div class="llc-a">{BLANK_HTML}</div>'
    return label + f'<div class="llc-a">{esc(scalar_text(f, value))}</div>'


WIDE_TABLE = 4  # more columns than this print as one card per row: a page is too narrow


def table_html(f: defs.Field, rows) -> str:
    rows = rows or [dict(r) for r in f.seed_rows]
    if not rows:
        return f'<div class="llc-a">{BLANK_HTML}</div>'
    if len(f.columns) > WIDE_TABLE:
        return "".join(
            f'<div class="llc-card"><div class="llc-card-head">Row {i}</div><dl>'
            # one block per label/answer pair, so a label that wraps pushes its own answer's row
            # down, not the next answer up beside it
            + "".join(f'<div class="llc-pair"><dt>{esc(c.label)}</dt>'
                      f"<dd>{esc(scalar_text(c, r.get(c.id))) or BLANK_HTML}</dd></div>"
                      for c in f.columns)
            + "</dl></div>" for i, r in enumerate(rows, 1))
    head = "".join(f'<th scope="col">{esc(c.label)}</th>' for c in f.columns)
    body = "".join(
        "<tr>" + "".join(
            f'<td>{esc(scalar_text(c, r.get(c.id))) or "<span class=llc-blank-cell>&nbsp;</span>"}</td>'
            for c in f.columns) + "</tr>"
        for r in rows)
    return f'<table class="llc-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def chart_html(drawn: charts.Drawn, png_b64: str | None = None) -> str:
    """The chart as an image with its text alternative: the PNG when one is given (notebooks,
    whose LaTeX export needs it anyway), otherwise an SVG (pages and workbooks)."""
    src = (f"data:image/png;base64,{png_b64}" if png_b64 else
           "data:image/svg+xml;base64," + base64.b64encode(drawn.svg()).decode("ascii"))
    # The figure is named too: Chromium tags <figure> as a PDF Figure of its own, and a Figure
    # without /Alt is a picture a screen reader cannot describe (its /Alt stands for what is in it).
    return (f'<figure class="llc-chart" aria-label="{esc(drawn.alt)}"><img src="{src}" '
            f'alt="{esc(drawn.alt)}"/><figcaption>{esc(drawn.alt)}</figcaption></figure>')


class _Reads(Mapping):
    """The answers as a chart sees them, noting every key it reads."""

    def __init__(self, answers: Mapping):
        self.answers = answers
        self.read: dict | None = {}

    def __getitem__(self, key):
        try:
            value = self.answers[key]
        except KeyError:
            if self.read is not None:
                self.read[key] = None
            raise
        if self.read is not None:
            self.read[key] = value
        return value

    def __iter__(self):
        self.read = None  # read everything: this drawing cannot be matched to another's
        return iter(self.answers)

    def __len__(self):
        return len(self.answers)


class ChartCache:
    """Each distinct chart drawn once per process: a cohort build shares a kernel between
    participants, and half the sample cohort's charts repeat (worksheets not filled in yet show
    the same empty chart). A drawing is reused only when every answer it read is equal, so what
    comes out is exactly what drawing it again would give."""

    def __init__(self, size: int = 256):
        self.size, self.entries, self.hits = size, list[tuple[str, dict, str]](), 0

    def html(self, ws: defs.Worksheet, answers: Mapping) -> str:
        for entry in self.entries:
            key, read, html_text = entry
            if key == ws.key and all(_frozen(answers.get(k)) == v for k, v in read.items()):
                self.hits += 1
                return html_text
        reads = _Reads(answers)
        drawn = charts.draw(ws, reads)
        if drawn is None:
            return ""
        html_text = chart_html(drawn)
        drawn.figure.clear()
        if reads.read is not None:
            self.entries.insert(0, (ws.key, {k: _frozen(v) for k, v in reads.read.items()}, html_text))
            del self.entries[self.size:]
        return html_text


def _frozen(value) -> str:
    """An answer as canonical JSON, for comparing: 1 and 1.0 differ (a label could show either);
    a row's key order does not (charts look cells up by column id)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)


CHARTS = ChartCache()


def panel_html(p: derived.Panel) -> str:
    lines = "".join(f"<li>{esc(ln)}</li>" for ln in p.lines)
    body = f'<div class="llc-a llc-panel-body">{esc(p.body)}</div>' if p.body else ""
    return (f'<div class="llc-panel" role="note"><div class="llc-panel-title">{esc(p.title)}</div>'
            f'{f"<ul>{lines}</ul>" if lines else ""}{body}</div>')


def panels_html(ws: defs.Worksheet, answers: Mapping) -> str:
    return "".join(panel_html(p) for p in derived.panels(ws, answers))


def panel_markdown(p: derived.Panel) -> str:
    out = [f"**{md_escape(p.title)}**", *(f"- {md_escape(ln)}" for ln in p.lines)]
    if p.body:
        out.append("> " + md_escape(p.body).replace("  \n", "  \n> "))
    return "\n".join(out)


# ---- feedback (a workbook built from a hub export) -------------------------------------------------
def feedback_when(written: str, timezone: str | None) -> str:
    """'12 Jan 2027, 16:04 CST': a UTC time in the cohort's zone, labelled (UTC without one)."""
    return zoned(written, ZoneInfo(timezone) if timezone else None, year=True)


def feedback_by(item: Mapping) -> str:
    role = item.get("role")
    return f"{item['author_name']} ({role})" if role else str(item["author_name"])


def feedback_html(items, timezone: str | None) -> str:
    """One worksheet's feedback items, oldest first, in a box that says whose each is. A note, not
    a heading: the PDF's bookmarks stay the sessions and their worksheets."""
    if not items:
        return ""
    parts = "".join(
        f'<div class="llc-feedback-item"><p class="llc-feedback-head">Feedback from '
        f'<bdi>{esc(feedback_by(it))}</bdi> · {esc(feedback_when(it["written"], timezone))}</p>'
        f'<div class="llc-feedback-text">{esc(it["text"])}</div></div>' for it in items)
    return f'<div class="llc-feedback" role="note" aria-label="Feedback">{parts}</div>'


def feedback_markdown(items, timezone: str | None) -> list[str]:
    return [f"**Feedback from {md_escape(feedback_by(it))} · {md_escape(feedback_when(it['written'], timezone))}**"
            + "\n\n> " + md_escape(it["text"]).replace("  \n", "  \n> ") for it in items]


def _feedback_on(feedback: Mapping | None, ws: defs.Worksheet) -> list:
    return [it for it in (feedback or {}).get("items", ()) if it.get("worksheet") == ws.key]


def worksheet_html(ws: defs.Worksheet, answers: Mapping, with_chart: bool = True,
                   feedback: Mapping | None = None) -> str:
    parts = [f'<section class="llc-static tex2jax_ignore mathjax_ignore" id="{esc(ws.key)}">',
             f"<h3>{esc(ws.title)}</h3>",
             f'<div class="llc-framework">Framework: {esc(ws.framework)}</div>']
    if ws.instructions.strip():
        parts.append(f'<p class="llc-instructions">{instructions_html(ws.instructions)}</p>')
    parts += [field_html(f, answers.get(f.key)) for f in ws.fields]
    parts.append(panels_html(ws, answers))
    if with_chart:
        parts.append(CHARTS.html(ws, answers))
    given = _feedback_on(feedback, ws)
    if given:  # nothing at all without: a workbook without feedback is as it always was
        parts.append(feedback_html(given, (feedback or {}).get("timezone")))
    parts.append("</section>")
    return "\n".join(parts)


def session_html(s: defs.Session, answers: Mapping, with_charts: bool = True,
                 feedback: Mapping | None = None) -> str:
    """``feedback``: ``{"timezone", "items"}`` as ``documents.feedback.read_feedback`` gives it."""
    done, total = progress(s, answers)
    head = (f'<h2 class="llc-session">{esc(s.heading)}</h2>'
            f'<p class="llc-progress">{done} of {total} questions answered</p>')
    return head + "\n".join(worksheet_html(ws, answers, with_charts, feedback) for ws in s.worksheets)


# ---- Markdown -----------------------------------------------------------------------------------
def field_markdown(f: defs.Field, value) -> str:
    q = f"**{md_escape(f.label)}**"
    if f.type == "table":
        rows = value or [dict(r) for r in f.seed_rows]
        if not rows:
            return f"{q}\n\n{BLANK_MD}"
        head = "| " + " | ".join(md_escape(c.label) for c in f.columns) + " |"
        rule = "|" + "---|" * len(f.columns)
        body = ["| " + " | ".join(md_escape(scalar_text(c, r.get(c.id))).replace("  \n", "<br>") or " "
                                  for c in f.columns) + " |" for r in rows]
        return "\n".join([q, "", head, rule, *body])
    text = scalar_text(f, value)
    return f"{q}\n\n{md_escape(text) if text else BLANK_MD}"


def worksheet_markdown(ws: defs.Worksheet, answers: Mapping, feedback: Mapping | None = None) -> str:
    parts = [f"### {md_escape(ws.title)}", f"_Framework: {md_escape(ws.framework)}_"]
    if ws.instructions.strip():
        parts.append(" ".join(ws.instructions.split()))  # kit prose, already Markdown
    parts += [field_markdown(f, answers.get(f.key)) for f in ws.fields]
    parts += [panel_markdown(p) for p in derived.panels(ws, answers)]
    parts += feedback_markdown(_feedback_on(feedback, ws), (feedback or {}).get("timezone"))
    return "\n\n".join(parts)


def session_markdown(s: defs.Session, answers: Mapping, feedback: Mapping | None = None) -> str:
    done, total = progress(s, answers)
    return "\n\n".join([f"## {md_escape(s.heading)}",
                        f"{done} of {total} questions answered",
                        *(worksheet_markdown(ws, answers, feedback) for ws in s.worksheets)])


class Static:
    """A display object carrying HTML (for Lab and HTML/PDF export), Markdown and plain text
    (for LaTeX PDF export, which would otherwise print ``<IPython.core.display.HTML object>``)."""

    def __init__(self, html_text: str, markdown_text: str, png: str | None = None):
        self.html, self.markdown, self.png = html_text, markdown_text, png

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/html": STYLE + self.html, "text/markdown": self.markdown,
                  "text/plain": self.markdown}
        if self.png:
            bundle["image/png"] = self.png
        return bundle


# ---- Page and print styling ----------------------------------------------------------------------
# What every notebook output carries (and a page needs once): the answers' stylesheet and its palette.
STYLE = "<style>\n" + pages.stylesheet("answers") + "</style>"


def chart_static(drawn: charts.Drawn) -> Static:
    """A chart for notebooks: HTML with alt text for Lab and HTML export, PNG for LaTeX export."""
    png = drawn.png_base64()
    html_text = chart_html(drawn, png)
    drawn.figure.clear()
    return Static(html_text, md_escape(drawn.alt), png=png)


# ---- the cohort's dates --------------------------------------------------------------------------
SCHEDULE_HEAD = ("Date", "Time", "Session or meeting", "Where", "Hours")


def schedule_rows(c: cohorts.Cohort) -> list[dict]:
    """The cohort's sessions and meetings by date, as plain data: what the orientation notebook
    shows, and what travels to the workbook template as a papermill parameter."""
    return [{"title": e.title, "kind": e.kind, "date": e.date.isoformat(), "start": f"{e.start:%H:%M}",
             "end": f"{e.end:%H:%M}", "where": e.where, "hours": e.hours} for e in c.events()]


def long_date(iso) -> str:
    """'Tuesday 9 September 2025' (the day without a leading zero, on every platform)."""
    try:
        d = dt.date.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    return f"{d:%A} {d.day} {d:%B %Y}"


def _schedule_cells(r: Mapping) -> list[str]:
    """One row's cells as plain text, in SCHEDULE_HEAD order (unescaped)."""
    hours = r.get("hours")
    return [long_date(r.get("date", "")), f"{r.get('start', '')}–{r.get('end', '')}", str(r.get("title", "")),
            str(r.get("where", "")), f"{hours:g}" if isinstance(hours, (int, float)) else str(hours or "")]


def schedule_table_html(rows, compact: bool = False) -> str:
    """Sessions (in bold: the full days) and meetings as a table; ``compact`` leaves out the hours
    and uses the cover's small type."""
    cols = 4 if compact else 5
    head = "".join(f'<th scope="col">{h}</th>' for h in SCHEDULE_HEAD[:cols])
    body = []
    for r in rows:
        cells = [esc(c) for c in _schedule_cells(r)[:cols]]
        if r.get("kind") == "session":
            cells[2] = f"<strong>{cells[2]}</strong>"
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    css = "llc-cover-dates" if compact else "llc-table llc-schedule"
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def schedule_markdown(rows) -> str:
    lines = ["| " + " | ".join(SCHEDULE_HEAD) + " |", "|" + "---|" * len(SCHEDULE_HEAD)]
    for r in rows:
        cells = [md_escape(c).replace("  \n", "<br>") for c in _schedule_cells(r)]  # a line break ends a row
        if r.get("kind") == "session":
            cells[2] = f"**{cells[2]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def schedule(c: cohorts.Cohort, original: bool = False, problem: str = "") -> Static:
    """The orientation notebook's "Your cohort's dates": the cohort's sessions and meetings, or —
    ``original`` — the 2021–22 series dates with a line saying so; ``problem`` is why the cohort
    file set up for this kit could not be read (shown, not raised: the notebook must still open)."""
    rows = schedule_rows(c)
    notes_html, notes_md = [], []
    if problem:
        notes_html.append(f'<p role="alert" style="color: var(--llc-error)"><strong>The cohort file could not be '
                          f"used:</strong> {esc(problem)} Please tell your facilitator.</p>")
        notes_md.append(f"**The cohort file could not be used:** {md_escape(problem)} Please tell your facilitator.")
    if original:
        line = ("These are the original series dates (2021–22), for reference. Your facilitator's cohort "
                "file (the LLC_COHORT setting) gives this cohort's dates; once it is set up they show "
                "here instead.")
        notes_html.append(f"<p><em>{esc(line)}</em></p>")
        notes_md.append(f"_{md_escape(line)}_")
    else:
        line = (f"{c.name}: {len(c.sessions)} sessions and {len(c.meetings)} meetings, "
                f"{c.hours_available():g} hours in all; {c.credit.required_hours:g} hours earn "
                f"{c.credit.offered}. Times are {c.timezone} time.")
        notes_html.append(f"<p>{esc(line)}</p>")
        notes_md.append(md_escape(line))
    html_text = (f'<div class="llc-static tex2jax_ignore mathjax_ignore">{"".join(notes_html)}'
                 f"{schedule_table_html(rows)}</div>")
    return Static(html_text, "\n\n".join([*notes_md, schedule_markdown(rows)]))


def cover_html(participant: Mapping, on: dt.date, sessions_progress, cohort_name: str = "",
               schedule=()) -> str:
    """Cover page: who, where, when, and how far through each session they are; with a cohort
    (``llc build --cohort``) also its name and the dates of its sessions and meetings."""
    rows = [("Participant", participant.get("name") or participant.get("id")),
            ("School", participant.get("school")), ("District", participant.get("district")),
            ("Cohort", participant.get("cohort") or cohort_name), ("Workbook date", f"{on:%d %B %Y}")]
    # Each value is a bidi isolate (FSI…PDI): a right-to-left override typed into a name cannot
    # reorder the text around it.
    details = "".join(f'<tr><th scope="row">{esc(k)}</th><td>{esc(ISOLATE.format(v)) if v else BLANK_HTML}</td></tr>'
                      for k, v in rows)
    toc = "".join(f"<li>{esc(s.heading)} — {d} of {t} answered</li>"
                  for s, (d, t) in sessions_progress)
    dates = ""
    if schedule:
        # <bdi>, not FSI…PDI characters: the heading becomes a PDF bookmark, and a bookmark
        # keeps invisible characters that some readers draw as boxes.
        named = f" — <bdi>{esc(cohort_name)}</bdi>" if cohort_name else ""
        dates = f"<h2>Cohort dates{named}</h2>{schedule_table_html(schedule, compact=True)}"
    # With dates the cover holds a table more: less space above the title so it stays one page.
    dated = " llc-cover-dated" if dates else ""
    return (f'<section class="llc-cover{dated} tex2jax_ignore mathjax_ignore">'
            f'<p class="llc-kicker">Library Leadership Cooperative</p>'
            f'<h1>On the Leading Edge</h1><p class="llc-subtitle">My leadership workbook</p>'
            f'<table class="llc-cover-table">{details}</table>'
            f'<h2>Contents</h2><ul class="llc-toc">{toc}</ul>{dates}'
            f'<p class="llc-note">Built from this participant\'s saved answers. Sample data in the kit '
            f'is fictional.</p></section>')


def css_string(text: str) -> str:
    """``text`` as a CSS string literal: everything but ASCII letters and digits hex-escaped, so no
    quote, backslash or ``</style>`` in a participant's name can leave the string. (Spaces too: CSS
    swallows one space after an escape.)"""
    return '"' + "".join(ch if ch.isascii() and ch.isalnum() else f"\\{ord(ch):06x}" for ch in text) + '"'


def page_html(body: str, title: str, footer_name: str = "", styles: tuple[str, ...] = ()) -> str:
    """A complete standalone HTML document: no scripts, no external resources.

    Every printed page's footer reads "On the Leading Edge · <footer_name> · page N of M". The name
    is written into the CSS itself (both PDF engines support margin boxes; Chromium lacks
    string-set) as a bidi isolate, so a right-to-left override cannot flip the page numbers.
    ``styles``: more stylesheets from ``static/`` (``"report"``…), after the workbook's and the answers'."""
    body = body.replace(STYLE, "")  # each notebook output carries the stylesheet; the page needs it once
    return pages.render("workbook.html.j2", **page_context(title, footer_name, styles),
                        body=pages.safe(f"\n{body}\n"))  # main: a landmark for screen readers


FOOTER_NAME = 70  # characters of a name the running footer shows: with the rest, one 8 pt line


def shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: a pasted 10,000-character name must not
    fill a page's footer (or, through ``<title>``, a PDF's title bar) while the cover shows it whole."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def page_context(title: str, footer_name: str = "", styles: tuple[str, ...] = ()) -> dict:
    """What ``workbook.html.j2`` (and a template extending it) needs besides its body."""
    who = f"{css_string(ISOLATE.format(shortened(footer_name, FOOTER_NAME)))} \" · \" " if footer_name else ""
    footer = f'"On the Leading Edge · " {who}"page " counter(page) " of " counter(pages)'
    return {"title": title, "footer": pages.safe(footer), "styles": tuple(styles)}


def overview(sessions, answers: Mapping, cohort: cohorts.Cohort | None = None) -> Static:
    """The series at a glance: each session, its date (the cohort's when one is set up, else the
    original series date), and how much is answered."""
    dated = {e.id: e.date.isoformat() for e in cohort.sessions} if cohort else {}
    rows_html, rows_md = [], []
    for s in sessions:
        done, total = progress(s, answers)
        when = fmt_date(dated.get(s.id, s.original_date))
        pct = round(100 * done / total) if total else 0
        rows_html.append(
            f"<tr><td>{s.number}</td><td>{esc(s.title)}</td><td>{esc(when)}</td>"
            f'<td><div style="background: var(--llc-head-bg);width:10em;display:inline-block" role="img" '
            f'aria-label="{pct} percent answered"><div style="background: var(--llc-accent);height:0.8em;'
            f'width:{pct}%"></div></div> {done} of {total}</td></tr>')
        rows_md.append(f"| {s.number} | {md_escape(s.title)} | {md_escape(when)} "
                       f"| {done} of {total} |")
    html_text = ('<table class="llc-table"><thead><tr><th scope="col">#</th><th scope="col">Session</th>'
                 '<th scope="col">Live date</th><th scope="col">Your progress</th></tr></thead>'
                 f'<tbody>{"".join(rows_html)}</tbody></table>')
    md = "| # | Session | Live date | Your progress |\n|---|---|---|---|\n" + "\n".join(rows_md)
    return Static(html_text, md)


# ---- this year beside last year ------------------------------------------------------------------
def year_over_year_html(c: years.Comparison, chart: charts.Drawn | None = None) -> str:
    """Last year's self-assessment levels and PD hours beside this year's: a table with the change
    in words and arrows (never colour alone), the grouped bar chart, and the hours against target."""
    area_rows = "".join(
        f"<tr><td>{esc(r.area)}</td><td>{esc(c.level_text(r.last, r.in_last))}</td>"
        f"<td>{esc(c.level_text(r.this, r.in_this))}</td><td>{esc(r.change)}</td></tr>" for r in c.areas)
    areas = (f'<table class="llc-table llc-years-table"><thead><tr><th scope="col">Area</th>'
             f'<th scope="col">Last year ({esc(c.last_year)})</th>'
             f'<th scope="col">This year ({esc(c.this_year)})</th>'
             f'<th scope="col">Change</th></tr></thead><tbody>{area_rows}</tbody></table>' if c.areas else
             f'<div class="llc-a">{BLANK_HTML}</div>')
    hour_rows = "".join(
        f"<tr><td>{esc(label)} ({esc(h.year)})</td><td>{h.logged:g} hours</td>"
        f"<td>{esc(f'{h.target:g} hours' if h.target else years.NONE)}</td><td>{esc(h.share)}</td></tr>"
        for label, h in zip(("Last year", "This year"), c.hours))
    archived = (f' Last year\'s full answers are kept in <code>{esc(c.archived_as)}</code>, beside the '
                f"answers file." if c.archived_as else "")
    return (f'<section class="llc-static llc-years tex2jax_ignore mathjax_ignore" id="year-over-year">'
            f'<h2 class="llc-session">This year beside last year</h2>'
            f'<p class="llc-instructions">Your program self-assessment and professional development hours in '
            f"{esc(c.this_year)}, beside what you recorded in {esc(c.last_year)}.{archived}</p>"
            f"<div {_KEEP}><h3>Program self-assessment, area by area</h3>{areas}</div>"
            f"{chart_html(chart) if chart is not None else ''}"
            f'<div {_KEEP}><h3>Professional development hours</h3><table class="llc-table llc-years-table">'
            '<thead><tr><th scope="col">Year</th><th scope="col">Hours logged</th><th scope="col">Target</th>'
            '<th scope="col">Of target</th></tr></thead>'
            f"<tbody>{hour_rows}</tbody></table></div></section>")


_KEEP = 'style="break-inside: avoid; page-break-inside: avoid"'  # a heading stays with its table


def year_over_year_markdown(c: years.Comparison) -> str:
    out = ["## This year beside last year", "",
           f"Program self-assessment and PD hours in {md_escape(c.this_year)}, beside {md_escape(c.last_year)}.",
           "", "| Area | Last year | This year | Change |", "|---|---|---|---|"]
    out += [f"| {md_escape(r.area)} | {md_escape(c.level_text(r.last, r.in_last))} | "
            f"{md_escape(c.level_text(r.this, r.in_this))} | {md_escape(r.change)} |" for r in c.areas]
    out += ["", f"_{md_escape(years.levels_chart_alt(c))}_"] if c.areas else []
    out += ["", "| Year | Hours logged | Target | Of target |", "|---|---|---|---|"]
    out += [f"| {md_escape(h.year)} | {h.logged:g} | {md_escape(f'{h.target:g}' if h.target else years.NONE)} "
            f"| {md_escape(h.share)} |" for h in c.hours]
    return "\n".join(out)


def year_over_year(answers: Mapping, last_year, program_year=None) -> Static | None:
    """The workbook's "This year beside last year" section, or None when there is no last year."""
    c = years.compare(answers, last_year, program_year)
    if c is None:
        return None
    drawn = charts.levels_chart(c)
    html_text = year_over_year_html(c, drawn)
    drawn.figure.clear()
    return Static(html_text, year_over_year_markdown(c))
