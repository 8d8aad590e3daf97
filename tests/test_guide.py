"""The facilitator guide: the built-in agendas load and use every worksheet; `llc guide` writes an
HTML and a PDF that read right (session titles, time ranges, prompts, a cohort's dates); bad agenda
data is named by file and block and leaves nothing written; a facilitator's text is escaped."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, PdfText

from llc_exercises import cli
from llc_exercises.core import definitions as defs
from llc_exercises.core.cohort import load_cohort, parse_cohort, starter_yaml
from llc_exercises.facilitator import agendas, guide

COHORT = ROOT / "datasets" / "sample_cohort" / "cohort.yaml"
SERIES = [s for s in defs.sessions() if s.number >= 1]


def run(argv, capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def guide_copy(tmp_path) -> Path:
    """An editable copy of the kit's guide folder, as a facilitator would make one."""
    folder = tmp_path / "my-guide"
    shutil.copytree(agendas.BUILTIN_DIR, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---- the built-in guide -------------------------------------------------------------------------
def test_builtin_guide_loads_one_full_day_per_session():
    guides = agendas.load_guides(agendas.BUILTIN_DIR)
    assert [g.session.id for g in guides] == [s.id for s in SERIES]
    for g in guides:
        assert g.source.stem == f"{g.session.number:02d}_{g.session.id}"
        assert g.purpose and g.before_the_day and g.materials
        assert (g.start, g.end) == (8 * 60 + 30, 15 * 60 + 30), g.session.id
        kinds = [b.kind for b in g.agenda]
        assert kinds.count("lunch") == 1 and kinds.count("break") == 2, g.session.id
        assert kinds[0] == "welcome" and kinds[-1] == "close", g.session.id
        for b in g.agenda:
            assert b.kind in agendas.RESTS or (b.what_happens and len(b.what_happens) > 40), (g.session.id, b.title)


@pytest.mark.parametrize("session", SERIES, ids=lambda s: s.id)
def test_every_worksheet_of_every_session_is_used_by_a_block(session):
    g = next(g for g in agendas.load_guides(agendas.BUILTIN_DIR) if g.session.id == session.id)
    assert {w.key for w in session.worksheets} <= g.worksheet_keys()


def test_surveys_are_placed_before_and_at_the_end_of_the_series():
    guides = {g.session.id: g for g in agendas.load_guides(agendas.BUILTIN_DIR)}
    assert any("orientation.before_survey" in item for item in guides["visioning"].before_the_day)
    assert "orientation" not in guides  # orientation is done before the series: no day of its own
    closing = guides["opportunity"].agenda[-1]
    assert closing.kind == "close" and "opportunity.series_survey" in closing.worksheets


def test_guide_files_are_commented_for_editors():
    for path in sorted(agendas.BUILTIN_DIR.glob("*.yaml")):
        head = path.read_text(encoding="utf-8").split("\nsession:")[0]
        for key in (*agendas.TOP_KEYS, *agendas.BLOCK_KEYS, "llc guide"):
            assert key in head, (path.name, key)
        assert '"09:30"' in head and ", ".join(agendas.KINDS) in head


# ---- the command ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("guide") / "out"
    assert cli.main(["guide", "--out", str(out)]) == 0
    return out


def test_cli_writes_html_and_pdf_that_read_right(built, capsys):
    html_path, pdf_path = built / guide.HTML_NAME, built / guide.PDF_NAME
    assert html_path.stat().st_size > 10_000 and pdf_path.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in built.iterdir()) == sorted([guide.HTML_NAME, guide.PDF_NAME])
    text = PdfText(pdf_path)
    for s in SERIES:
        assert s.title in text, s.title
    assert "09:30–10:10" in text and "Core-beliefs inventory" in text
    assert "Which belief is hardest to see today, and what gets in its way?" in text
    assert "visioning.core_beliefs" in text  # worksheets by title and key
    assert "Thursday 7 October 2021" in text  # no cohort: the original series dates
    page = html_path.read_text(encoding="utf-8")
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")


def test_cli_prints_the_two_paths_and_weasyprint_prints_too(tmp_path, capsys):
    code, out, err = run(["guide", "--out", str(tmp_path / "g"), "--pdf-engine", "weasyprint"], capsys)
    assert code == 0, err
    assert out.split() == [str(tmp_path / "g" / guide.HTML_NAME), str(tmp_path / "g" / guide.PDF_NAME)]
    text = PdfText(tmp_path / "g" / guide.PDF_NAME)
    assert SERIES[-1].title in text and "15:10–15:30" in text


def test_cohort_dates_times_and_places_appear(tmp_path, capsys):
    if not COHORT.exists():
        pytest.skip(f"{COHORT.relative_to(ROOT)} is not in this checkout yet (the sample cohort file)")
    cohort = load_cohort(COHORT)
    code, _, err = run(["guide", "--out", str(tmp_path), "--cohort", str(COHORT)], capsys)
    assert code == 0, err
    text = PdfText(tmp_path / guide.PDF_NAME)
    assert cohort.name in text
    for s in SERIES:
        e = cohort.event(s.id)
        assert f"{e.date:%A} {e.date.day} {e.date:%B %Y}, {e.start:%H:%M}–{e.end:%H:%M}" in text, s.id
        assert e.where in text
    assert "Thursday 7 October 2021" not in text  # the original dates give way to the cohort's


def test_a_cohort_meeting_at_other_hours_is_pointed_out():
    g = agendas.load_guides(agendas.BUILTIN_DIR)[0]
    raw = yaml.safe_load(starter_yaml("Late starters").replace('start: "08:30"', 'start: "09:00"')
                         .replace('end: "15:30"', 'end: "16:00"'))
    late = parse_cohort(raw, Path("late.yaml"))
    page = guide.session_html(g, late)
    assert "This cohort meets 09:00–16:00; the agenda below runs 08:30–15:30" in page


# ---- bad data: named by file and block, nothing written --------------------------------------------
BAD = {
    "unknown worksheet": (
        "01_visioning.yaml", "worksheets: [visioning.core_beliefs]\n", "worksheets: [visioning.core_belief]\n",
        ["01_visioning.yaml", "agenda block 2 ('Why beliefs come before plans')",
         "unknown worksheet 'visioning.core_belief'", "visioning.core_beliefs, visioning.mission_vision, "
         "visioning.soar_swot, visioning.strategic_plan, visioning.communication_plan"]),
    "time written 9.30": (
        "01_visioning.yaml", 'start: "09:30"', "start: 9.30",
        ["01_visioning.yaml", "agenda block 3 ('Core-beliefs inventory')", 'write "09:30"']),
    "blocks overlap": (
        "01_visioning.yaml", 'start: "10:10"', 'start: "10:05"',
        ["01_visioning.yaml", "agenda block 4 ('Morning break') starts at 10:05",
         "block 3 ('Core-beliefs inventory', 09:30–10:10)"]),
    "typo in a block's entry": (
        "02_relationships.yaml", "    prompts:\n", "    promts:\n",
        ["02_relationships.yaml", "agenda block 1 ('Welcome back and plan check-in')", "unknown entry 'promts'",
         "did you mean 'prompts'", ", ".join(agendas.BLOCK_KEYS)]),
    "unknown kind": (
        "03_coaching.yaml", "kind: pairs", "kind: pair",
        ["03_coaching.yaml", "agenda block", "kind 'pair' is not one of: " + ", ".join(agendas.KINDS)]),
    "YAML syntax": (
        "04_influence.yaml", "  - start: \"08:30\"\n", "  - start: \"08:30\"\n   minutes: [30\n",
        ["04_influence.yaml", "not valid YAML at line"]),
    "colon in a prompt": (
        "05_promotion.yaml", "      - Who was your last flyer or post really for?",
        "      - Be honest: who was your last flyer or post really for?",
        ["05_promotion.yaml", "agenda block 1", "item 1 of 'prompts' reads as 'Be honest: …'", "double quotes"]),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_data_is_named_and_nothing_is_written(case, guide_copy, tmp_path, capsys):
    name, old, new, expected = BAD[case]
    edit(guide_copy / name, old, new)
    out = tmp_path / "out"
    code, stdout, err = run(["guide", "--out", str(out), "--guide-dir", str(guide_copy)], capsys)
    assert code == 1 and err.startswith("llc: ") and stdout == ""
    assert "Traceback" not in err
    for piece in expected:
        assert piece in err, (piece, err)
    assert not out.exists()


def test_missing_session_file_is_named(guide_copy, tmp_path, capsys):
    (guide_copy / "03_coaching.yaml").unlink()
    code, _, err = run(["guide", "--out", str(tmp_path / "out"), "--guide-dir", str(guide_copy)], capsys)
    assert code == 1
    assert str(guide_copy) in err and "no guide file for session 'coaching'" in err and "03_coaching.yaml" in err
    assert not (tmp_path / "out").exists()


def test_a_worksheet_no_block_uses_is_named(guide_copy):
    path = guide_copy / "01_visioning.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("worksheets: [visioning.communication_plan]\n", ""), encoding="utf-8")
    with pytest.raises(agendas.GuideError, match=r"01_visioning\.yaml: no block uses worksheet\(s\) "
                                               r"visioning\.communication_plan"):
        agendas.load_guides(guide_copy)


def test_a_time_unquoted_reads_as_the_time_it_looks_like(guide_copy):
    # YAML 1.1 reads an unquoted 10:25 as the number 625; the guide takes it back as 10:25.
    edit(guide_copy / "01_visioning.yaml", 'start: "10:25"', "start: 10:25")
    vis = agendas.load_guides(guide_copy)[0]
    assert vis.agenda[4].span() == "10:25–11:15"


@pytest.mark.parametrize("written, suggested", [(9.3, "09:30"), ("9.30", "09:30"), ("2pm", "14:00"),
                                                ("9:30 am", "09:30"), ("3.15 pm", "15:15"),
                                                ("13h15", "13:15")])
def test_unparsable_times_suggest_the_right_form(written, suggested):
    with pytest.raises(agendas.GuideError, match=f'write "{suggested}"'):
        agendas.parse_guide({"session": "visioning", "purpose": "p",
                           "agenda": [{"start": written, "minutes": 30, "title": "T", "kind": "close"}]},
                          Path("x.yaml"))


def test_failed_print_leaves_nothing(guide_copy, tmp_path, monkeypatch):
    class Broken:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

        def pdf(self, html):
            raise agendas.GuideError("printer on fire")

    monkeypatch.setattr(guide, "open_printer", lambda engine="auto": Broken())
    out = tmp_path / "out"
    with pytest.raises(agendas.GuideError, match="printer on fire"):
        guide.build_guide(out, directory=guide_copy)
    assert not out.exists()
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(agendas.GuideError):
        guide.build_guide(out, directory=guide_copy)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


# ---- where the agendas are read from --------------------------------------------------------------
def test_llc_guide_dir_is_read_and_guide_dir_overrides_it(guide_copy, tmp_path, monkeypatch, capsys):
    edit(guide_copy / "02_relationships.yaml", "title: Reach, engage, reinforce", "title: Reach out, lean in")
    monkeypatch.setenv("LLC_GUIDE_DIR", str(guide_copy))
    assert agendas.guide_dir() == guide_copy
    assert "Reach out, lean in" in [b.title for g in agendas.load_guides() for b in g.agenda]
    monkeypatch.setenv("LLC_GUIDE_DIR", str(tmp_path / "nowhere"))
    code, _, err = run(["guide", "--out", str(tmp_path / "a")], capsys)
    assert code == 1 and "nowhere" in err and "not found" in err
    code, _, err = run(["guide", "--out", str(tmp_path / "b"), "--guide-dir", str(guide_copy)], capsys)
    assert code == 0, err
    assert "Reach out, lean in" in (tmp_path / "b" / guide.HTML_NAME).read_text(encoding="utf-8")


# ---- what a facilitator types is text -------------------------------------------------------------
def test_facilitator_text_is_escaped(guide_copy):
    edit(guide_copy / "01_visioning.yaml", "      - In one word, how do you leave today?",
         "      - \"<script>alert('x')</script> & <b>bold</b>?\"")
    edit(guide_copy / "01_visioning.yaml", "    title: Lunch", '    title: "Lunch </td></tr></table><img src=x>"')
    page = guide.guide_html(agendas.load_guides(guide_copy))
    assert "<script>" not in page and "<img src=x>" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;?" in page
    assert "Lunch &lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;img src=x&gt;" in page


def test_timeline_numbers_blocks_and_names_every_colour():
    g = agendas.load_guides(agendas.BUILTIN_DIR)[0]
    svg = guide.timeline_svg(g)
    assert svg.count("<rect ") == len(g.agenda) + 1  # one per block, one in the hatch pattern
    for b in g.agenda:
        assert f">{b.number}</text>" in svg or b.minutes < 15
    legend = re.search(r'<ul class="llc-legend"[^>]*>(.*?)</ul>', svg).group(1)
    for kind in {b.kind for b in g.agenda}:
        assert agendas.KINDS[kind][0] in legend
    assert "aria-label=\"The day from 08:30 to 15:30" in svg


def test_the_series_dates_are_the_originals_without_a_cohort():
    first = SERIES[0]
    assert first.original_date and dt.date.fromisoformat(first.original_date)
    cover = guide.cover_html(agendas.load_guides(agendas.BUILTIN_DIR))
    assert "Thursday 7 October 2021" in cover and "llc guide --cohort FILE" in cover
