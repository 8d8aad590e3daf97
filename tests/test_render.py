"""Static renders: every piece of participant text escaped; blanks visibly blank; charts always draw."""
from __future__ import annotations

import html as htmlmod
import re

import pytest

from llc_exercises.core import definitions as defs
from llc_exercises.documents import charts, pages, render

SCRIPT = "<script>alert('x')</script>"
LATEX = r"costs $5 & 100% of {students} #1 \section ~tilde^ under_score"
EMOJI_RTL = "Every reader 📚✨ — مكتبة للجميع — ספרייה לכולם"


@pytest.fixture
def session():
    return defs.session("visioning")


def test_html_escapes_markup_and_skips_mathjax(session):
    answers = {"visioning.core_beliefs.why": SCRIPT + " " + LATEX,
               "visioning.strategic_plan.rows": [{"goal": "<img src=x onerror=alert(1)>", "cost": 5}]}
    out = render.session_html(session, answers)
    assert "<script>" not in out and "<img src=x" not in out
    assert htmlmod.escape(SCRIPT) in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out
    # MathJax must not turn "$5 … $" into maths in Lab or exported HTML
    assert all("mathjax_ignore" in s for s in re.findall(r'<section class="[^"]*"', out))


def test_markdown_shows_text_literally(session):
    answers = {"visioning.core_beliefs.why": SCRIPT + "\n" + LATEX + "\n# not a heading\n1. not a list"}
    md = render.session_markdown(session, answers)
    line = next(ln for ln in md.splitlines() if "alert" in ln)
    assert "<script>" not in md
    assert r"\<script\>" in line
    assert r"\$5" in md and r"100\%" in md and r"\{students\}" in md and r"\\section" in md
    assert r"\# not a heading" in md and r"1\. not a list" in md


def test_markdown_escape_round_trips_through_a_markdown_parser():
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    text = SCRIPT + " *not bold* _nor this_ [link](http://x) `code` " + LATEX
    html_out = markdown2html_mistune(render.md_escape(text))
    plain = htmlmod.unescape(re.sub(r"<[^>]+>", "", html_out)).strip()
    assert plain == text


def test_emoji_rtl_and_a_megabyte_answer(session):
    big = ("Paragraph with <b>tags</b> & symbols. " * 30 + "\n\n") * 900
    assert len(big.encode()) > 1_000_000
    answers = {"visioning.mission_vision.vision": EMOJI_RTL, "visioning.core_beliefs.what_i_do": big}
    out = render.session_html(session, answers)
    assert EMOJI_RTL in out
    assert "&lt;b&gt;tags&lt;/b&gt;" in out and "<b>tags</b>" not in out
    assert render.md_escape(EMOJI_RTL).count("📚") == 1


def test_unfilled_fields_are_visibly_blank(session):
    out = render.worksheet_html(session.worksheet("mission_vision"), {})
    assert out.count("not answered yet") == 4  # vision, mission, values table, date
    md = render.worksheet_markdown(session.worksheet("mission_vision"), {})
    assert md.count("not answered yet") == 4


def test_seeded_table_shows_seed_rows_with_blank_cells(session):
    out = render.worksheet_html(session.worksheet("communication_plan"), {})
    for audience in ("Principal", "Teachers", "Families"):
        assert f"<td>{audience}</td>" in out
    assert "llc-blank-cell" in out


def test_choices_and_scales_render_readably(session):
    f = session.worksheet("soar_swot").field("lens")
    assert "◉ SOAR" in render.field_html(f, "SOAR") and "○ SWOT" in render.field_html(f, "SOAR")
    scale = session.worksheet("communication_plan").field("confidence")
    assert render.scalar_text(scale, 4) == "4 · Ready"
    budget = session.worksheet("strategic_plan").field("budget")
    assert render.scalar_text(budget, 12500) == "$12,500"


def test_gantt_draws_rows_and_survives_bad_rows(session):
    ws = session.worksheet("strategic_plan")
    rows = [{"goal": "Reading", "action": "Book club", "start": "2026-01-10", "due": "2026-03-01"},
            {"goal": "Reading", "action": "Only a due date", "due": "2026-04-01"},
            {"goal": "Collab", "action": "Reversed dates", "start": "2026-05-01", "due": "2026-02-01"},
            {"goal": "No dates at all"},
            {"goal": "Bad date", "start": "next week"}]
    drawn = charts.draw(ws, {ws.field("rows").key: rows})
    assert "3 actions under 2 goal(s)" in drawn.alt
    assert drawn.png()[:4] == b"\x89PNG"
    ax = drawn.figure.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Book club", "Only a due date", "Reversed dates"]


def test_gantt_with_no_rows_still_renders_a_helpful_picture(session):
    drawn = charts.draw(session.worksheet("strategic_plan"), {})
    assert "no dated plan rows" in drawn.alt
    assert drawn.png()[:4] == b"\x89PNG"


def test_static_display_offers_html_markdown_and_text():
    bundle = render.Static("<p>x</p>", "x")._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/markdown", "text/plain"}


def test_each_distinct_chart_is_drawn_once_and_only_identical_answers_share_it():
    """A cohort build's kernel serves many participants: a chart is reused only when every answer
    it reads is equal, so nobody's workbook can show a drawing made from someone else's answers."""
    ws = defs.worksheet("opportunity.pd_log")
    cache = render.ChartCache()
    log = [{"date": "2026-01-10", "activity": "State conference", "type": "Conference", "hours": 6}]
    first = cache.html(ws, {"opportunity.pd_log.log": log, "opportunity.pd_log.target_hours": 20,
                            "opportunity.pd_log.focus": "Coaching"})
    # same chart inputs, different text elsewhere in the worksheet: the drawing is reused
    again = cache.html(ws, {"opportunity.pd_log.log": [dict(r) for r in log],
                            "opportunity.pd_log.target_hours": 20, "opportunity.pd_log.focus": "Other"})
    assert again == first and cache.hits == 1
    # a different target (read through the chart's options) or 20.0 instead of 20: drawn anew
    other_target = cache.html(ws, {"opportunity.pd_log.log": log, "opportunity.pd_log.target_hours": 30})
    as_float = cache.html(ws, {"opportunity.pd_log.log": log, "opportunity.pd_log.target_hours": 20.0,
                               "opportunity.pd_log.focus": "Coaching"})
    other_row = cache.html(ws, {"opportunity.pd_log.log": [{**log[0], "hours": 7}],
                                "opportunity.pd_log.target_hours": 20})
    assert cache.hits == 1 and as_float.startswith("<figure")
    assert len({first, other_target, other_row}) == 3
    assert "30" in htmlmod.unescape(re.search(r'alt="([^"]*)"', other_target)[1])
    # and what the cache returns is what drawing it afresh gives
    assert render.ChartCache().html(ws, {"opportunity.pd_log.log": log,
                                         "opportunity.pd_log.target_hours": 20}) == first


def test_palette_css_and_python_colours_agree():
    """The brand and accent colours live once in Python (charts.BRAND, ACCENT: matplotlib and SVG
    drawings) and once in palette.css (--llc-brand, --llc-accent: pages); they must be the same."""
    css = pages.stylesheet("palette")
    found = dict(re.findall(r"(--llc-[a-z-]+):\s*(#[0-9a-fA-F]{3,6})\b", css))
    assert found["--llc-brand"].lower() == charts.BRAND.lower()
    assert found["--llc-accent"].lower() == charts.ACCENT.lower() == charts.PALETTE[0].lower()


def test_answers_style_is_the_stylesheet_files():
    """Notebook outputs carry the answers' stylesheet (with its palette) as one <style>."""
    assert render.STYLE.removeprefix("<style>\n").removesuffix("</style>") == pages.stylesheet("answers")
    assert "--llc-brand:" in render.STYLE  # the palette travels with it


def test_stylesheets_name_colours_only_through_the_palette():
    """Outside palette.css a colour is a custom property (the workbook's @page footer excepted:
    WeasyPrint reads no var() in margin boxes, and it lives in the template)."""
    for css in sorted(pages.STATIC.glob("*.css")):
        if css.name != "palette.css":
            assert not re.findall(r"#[0-9a-fA-F]{3,6}\b", css.read_text(encoding="utf-8")), css.name
