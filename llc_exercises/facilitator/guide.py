"""The facilitator guide, printed: ``guide_html`` renders the agendas (``agendas.load_guides``) as
one page — cover, contents, and per session its purpose, preparation, the day at a glance and the
agenda — and ``build_guide`` writes it as HTML and PDF, both or neither. Its stylesheet is
``documents/static/guide.css``.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from ..core import definitions as defs
from ..core.cohort import Cohort, Event
from ..core.files import SHARED, write_all
from ..documents import render
from ..documents.pdf import open_printer
from .agendas import BUILTIN_DIR, KINDS, RESTS, SessionGuide, clock, guide_dir, load_guides

HTML_NAME, PDF_NAME = "facilitator-guide.html", "facilitator-guide.pdf"


def _paragraphs(text: str) -> str:
    """Facilitator prose: escaped, a paragraph per blank-line-separated part, with **bold** and *italic*."""
    parts = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p>{render.instructions_html(p)}</p>" for p in parts)


def _items(items: Sequence[str], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    return f"<ul{attr}>" + "".join(f"<li>{render.instructions_html(i)}</li>" for i in items) + "</ul>"


def _long_date(on: dt.date, short: bool = False) -> str:
    """'Thursday 7 October 2021', or 'Thu 7 Oct 2021' where space is short."""
    return f"{on:%a} {on.day} {on:%b %Y}" if short else f"{on:%A} {on.day} {on:%B %Y}"


def _head(*labels: str) -> str:
    """A table's head row: column headers, scoped so a screen reader reads each cell with its column."""
    return "<thead><tr>" + "".join(f'<th scope="col">{render.esc(x)}</th>' for x in labels) + "</tr></thead>"


def swatch(kind: str) -> str:
    """A kind's colour as a small square (breaks hatched, as on the timeline), always beside its name."""
    if kind == "break":
        style = ("background-color: #ececec; background-image: repeating-linear-gradient(45deg, #9a9a9a 0, "
                 "#9a9a9a 1px, transparent 1px, transparent 4px)")
    else:
        style = f"background: {KINDS[kind][1]}"
    return f'<span class="llc-sw" style="{style}"></span>'


def _original_date(s: defs.Session) -> str:
    try:
        return _long_date(dt.date.fromisoformat(s.original_date))
    except ValueError:
        return s.original_date or "not dated"


def _ink(hex_colour: str) -> str:
    """Black or white, whichever reads better on the colour."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#111111" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def timeline_svg(g: SessionGuide) -> str:
    """The day at a glance: one bar, a segment per block in proportion to its minutes, numbered as in
    the agenda, coloured by kind (breaks also hatched), with the hours marked beneath. The legend
    beside it names every colour, and the agenda table says the same in words."""
    width, top, bar = 1000.0, 2.0, 30.0
    day = max(g.end - g.start, 1)

    def x(minute: int) -> float:
        return round((minute - g.start) / day * width, 2)

    pid = f"llc-hatch-{g.session.id}"
    parts = [f'<defs><pattern id="{render.esc(pid)}" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ececec"/>'
             '<line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" stroke-width="2"/></pattern></defs>']
    for b in g.agenda:
        x0, x1 = x(b.start), x(b.end)
        label, colour = KINDS[b.kind]
        fill = f"url(#{pid})" if b.kind == "break" else colour
        parts.append(f'<rect x="{x0}" y="{top}" width="{round(x1 - x0, 2)}" height="{bar}" fill="{fill}" '
                     f'stroke="#ffffff" stroke-width="1.5"><title>'
                     f'{render.esc(f"{b.number}. {b.span()} {b.title} ({label})")}</title></rect>')
        if x1 - x0 >= 16:
            ink = "#111111" if b.kind == "break" else _ink(colour)
            parts.append(f'<text x="{round((x0 + x1) / 2, 2)}" y="{top + bar / 2 + 5}" font-size="14" '
                         f'font-weight="bold" text-anchor="middle" fill="{ink}" '
                         f'font-family="DejaVu Sans, sans-serif">{b.number}</text>')
    first_hour = -(-g.start // 60) * 60
    for minute in range(first_hour, g.end + 1, 60):
        xm = x(minute)
        anchor = "start" if xm < 20 else "end" if xm > width - 20 else "middle"
        parts.append(f'<line x1="{xm}" y1="{top + bar}" x2="{xm}" y2="{top + bar + 6}" stroke="#555"/>'
                     f'<text x="{xm}" y="{top + bar + 20}" font-size="12" text-anchor="{anchor}" fill="#333" '
                     f'font-family="DejaVu Sans, sans-serif">{clock(minute)}</text>')
    summary = (f"The day from {clock(g.start)} to {clock(g.end)} in {len(g.agenda)} blocks: "
               + "; ".join(f"{b.number} {b.title}, {b.minutes} minutes" for b in g.agenda))
    kinds = [k for k in KINDS if any(b.kind == k for b in g.agenda)]
    legend = "".join(
        f"<li>{swatch(k)}{render.esc(KINDS[k][0])}</li>" for k in kinds)
    return (f'<div class="llc-timeline"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} '
            f'{top + bar + 24:g}" role="img" aria-label="{render.esc(summary)}">{"".join(parts)}</svg>'
            f'<ul class="llc-legend" aria-hidden="true">{legend}</ul></div>')


def _worksheet_item(key: str, home: defs.Session) -> str:
    sid, _, wid = key.partition(".")
    s = defs.session(sid)
    ws = s.worksheet(wid)
    where = "" if s.id == home.id else f" (Session {s.number}: {s.title})" if s.number else f" ({s.title})"
    return f"<li>{render.esc(ws.title)}{render.esc(where)}<code>{render.esc(key)}</code></li>"


def agenda_html(g: SessionGuide) -> str:
    rows = []
    for b in g.agenda:
        label, colour = KINDS[b.kind]
        time = f'<span class="llc-range">{b.span()}</span><span class="llc-len">{b.minutes} min</span>'
        block = (f'<span class="llc-btitle"><span class="llc-n">{b.number}</span>{render.esc(b.title)}</span>'
                 f'<span class="llc-kind">{swatch(b.kind)}'
                 f"{render.esc(label)}</span>")
        if b.worksheets:
            block += ('<div class="llc-label">Worksheets</div><ul class="llc-ws">'
                      + "".join(_worksheet_item(k, g.session) for k in b.worksheets) + "</ul>")
        what = _paragraphs(b.what_happens)
        if b.prompts:
            what += '<div class="llc-label">Prompts for discussion</div>' + _items(b.prompts, "llc-prompts")
        if b.materials:
            what += (f'<div class="llc-mat"><span class="llc-label">Materials:</span> '
                     f'{render.esc("; ".join(b.materials))}</div>')
        cls = ' class="llc-rest"' if b.kind in RESTS else ""
        rows.append(f"<tr{cls}><td>{time}</td><td>{block}</td><td>{what}</td></tr>")
    return ('<table class="llc-agenda"><colgroup><col class="llc-c-time"><col class="llc-c-block"><col>'
            '</colgroup><thead><tr><th scope="col">Time</th><th scope="col">Block</th>'
            f'<th scope="col">What happens</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _event_line(e: Event) -> str:
    return f"{_long_date(e.date)}, {e.start:%H:%M}–{e.end:%H:%M}" + (f" · {e.where}" if e.where else "")


def session_html(g: SessionGuide, cohort: Cohort | None = None) -> str:
    s = g.session
    if cohort is not None:
        e = cohort.event(s.id)
        when = render.esc(_event_line(e))
        start, end = e.start.hour * 60 + e.start.minute, e.end.hour * 60 + e.end.minute
        if (start, end) != (g.start, g.end):
            when += (f'</p><p class="llc-warn">This cohort meets {clock(start)}–{clock(end)}; the agenda below '
                     f"runs {g.span()}. Shift the start times in {render.esc(g.source.name)} to match.")
    else:
        when = render.esc(f"Original series date: {_original_date(s)} · {g.span()}")
    prep = f"<h3>Before the day</h3>{_items(g.before_the_day)}" if g.before_the_day else ""
    prep += f"<h3>Materials</h3>{_items(g.materials, 'llc-materials')}" if g.materials else ""
    return (f'<section class="llc-guide-session" id="guide-{render.esc(s.id)}">'
            f'<h2 class="llc-session">Session {s.number}: {render.esc(s.title)}</h2>'
            f'<p class="llc-when">{when}</p>'
            f"<h3>Purpose of the day</h3>{_paragraphs(g.purpose)}"
            f"{prep}"
            f'<div class="llc-keep"><h3>The day at a glance</h3>{timeline_svg(g)}</div>'
            f"<h3>Agenda</h3>{agenda_html(g)}</section>")


def cover_html(guides: Sequence[SessionGuide], cohort: Cohort | None = None, source: Path | None = None) -> str:
    series = cohort.series if cohort is not None else "On the Leading Edge"
    head = (f'<p class="llc-kicker">Library Leadership Cooperative</p><h1>{render.esc(series)}</h1>'
            '<p class="llc-subtitle">Facilitator guide: six full-day sessions</p>')
    if cohort is not None:
        head += f'<p class="llc-cohort">{render.esc(cohort.name)}</p>'
        by = [cohort.organiser] if cohort.organiser else []
        by += [f"{f.name}{f' ({f.role})' if f.role else ''}" for f in cohort.facilitators]
        head += f'<p class="llc-by">{render.esc(" · ".join(by))}</p>' if by else ""
        rows = "".join(
            f"<tr><td>{g.session.number}</td><td>{render.esc(g.session.title)}</td>"
            f'<td class="llc-nowrap">{render.esc(_long_date(e.date, short=True))}</td>'
            f'<td class="llc-nowrap">{e.start:%H:%M}–{e.end:%H:%M}</td>'
            f"<td>{render.esc(e.where)}</td></tr>"
            for g in guides for e in [cohort.event(g.session.id)])
        table = (f'<h2>Dates</h2><table class="llc-sched">{_head("#", "Session", "Date", "Time", "Where")}'
                 f"<tbody>{rows}</tbody></table>" + meetings_html(cohort))
    else:
        rows = "".join(f"<tr><td>{g.session.number}</td><td>{render.esc(g.session.title)}</td>"
                       f"<td>{render.esc(_original_date(g.session))}</td><td>{g.span()}</td></tr>"
                       for g in guides)
        table = (f'<h2>The series</h2><table class="llc-sched">{_head("#", "Session", "Original date", "Agenda")}'
                 f"<tbody>{rows}</tbody></table>"
                 '<p class="llc-note" style="margin-top:2mm">These are the dates of the original 2021–22 series. '
                 "For your own cohort's dates, times and places, build the guide with "
                 "<code>llc guide --cohort FILE</code>.</p>")
    src = ""
    if source is not None and source.resolve() != BUILTIN_DIR.resolve():
        src = f'<p class="llc-src">Agendas read from {render.esc(source)}.</p>'
    return f'<section class="llc-cover llc-guide-cover">{head}{table}{src}</section>'


def meetings_html(cohort: Cohort) -> str:
    """The cohort meetings between sessions (peer coaching; set up in Coaching)."""
    if not cohort.meetings:
        return ""
    rows = "".join(f"<tr><td>{render.esc(m.title)}</td>"
                   f'<td class="llc-nowrap">{render.esc(_long_date(m.date, short=True))}</td>'
                   f'<td class="llc-nowrap">{m.start:%H:%M}–{m.end:%H:%M}</td><td>{render.esc(m.where)}</td></tr>'
                   for m in cohort.meetings)
    return (f'<h2>Cohort meetings</h2><table class="llc-sched">{_head("Meeting", "Date", "Time", "Where")}'
            f"<tbody>{rows}</tbody></table>")


def contents_html(guides: Sequence[SessionGuide], cohort: Cohort | None = None) -> str:
    items = []
    for g in guides:
        s = g.session
        when = _event_line(cohort.event(s.id)) if cohort is not None else f"{_original_date(s)}, {g.span()}"
        sheets = len(s.worksheets)
        items.append(f'<li><a href="#guide-{render.esc(s.id)}">Session {s.number}: {render.esc(s.title)}</a><br>'
                     f'<span class="llc-sub">{render.esc(when)} · {len(g.agenda)} blocks · '
                     f'{sheets} worksheet{"s" if sheets != 1 else ""}</span></li>')
    kinds = "".join(f"<li>{swatch(k)}<strong>{render.esc(label)}</strong>: {render.esc(KIND_NOTES[k])}</li>"
                    for k, (label, _colour) in KINDS.items())
    return (f'<section class="llc-contents llc-guide"><h2>Contents</h2><ol class="llc-toc">{"".join(items)}</ol>'
            +
            "<h2>How to read an agenda</h2>"
            "<p>Each session opens with the purpose of the day, what to prepare beforehand and what to have in "
            "the room, then a bar showing the day at a glance and the agenda itself. Every block is numbered "
            "the same way in both. Worksheets are named by their title with their key "
            "(<code>session.worksheet</code>), as in the participants' notebooks and printed workbooks. Prompts "
            "are questions to put to the room or to pairs; use them freely and add your own.</p>"
            f'<p>Each block has a kind:</p><ul class="llc-legend llc-kinds">{kinds}</ul>'
            "<p>The agendas are plain text files that you can edit (see <code>docs/facilitator-guide.md</code>); "
            "rebuild with <code>llc guide --out DIR</code> after changing them.</p></section>")


KIND_NOTES = {
    "welcome": "opening the day, introductions, check-ins",
    "input": "a short talk or demonstration by the facilitator",
    "worksheet": "participants work on a worksheet, mostly alone",
    "pairs": "work or practice in pairs",
    "breakout": "small groups of three or four",
    "break": "a short break",
    "lunch": "the lunch break",
    "reflection": "looking back and committing to next steps",
    "close": "closing the day",
}


def guide_html(guides: Sequence[SessionGuide], cohort: Cohort | None = None, source: Path | None = None) -> str:
    """The whole guide as one standalone HTML page (no scripts, nothing fetched)."""
    body = (cover_html(guides, cohort, source) + contents_html(guides, cohort)
            + "".join(f'<div class="llc-guide">{session_html(g, cohort)}</div>' for g in guides))
    title = "On the Leading Edge — facilitator guide" + (f" — {cohort.name}" if cohort is not None else "")
    return render.page_html(body, title, footer_name="Facilitator guide", styles=("guide",))


def build_guide(out_dir: Path, cohort: Cohort | None = None, directory: Path | str | None = None,
                engine: str = "auto") -> list[Path]:
    """Write ``facilitator-guide.html`` and ``.pdf`` into ``out_dir``: both, or neither if anything
    fails (the data is checked and the PDF printed before either file takes its name)."""
    folder = Path(directory) if directory is not None else guide_dir()
    guides = load_guides(folder)
    page = guide_html(guides, cohort, folder)
    with open_printer(engine) as printer:
        pdf = printer.pdf(page)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, pdf_path = out_dir / HTML_NAME, out_dir / PDF_NAME
    write_all({pdf_path: pdf, html_path: page.encode("utf-8")}, access=SHARED)
    return [html_path, pdf_path]
