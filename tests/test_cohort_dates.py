"""The cohort's dates where participants see them: the orientation notebook, the series overview and
the workbook cover (``llc build --cohort``)."""
from __future__ import annotations

import datetime as dt
import json
import pickle
import subprocess
from pathlib import Path

import pytest
from helpers import ROOT, SAMPLE, squash

from llc_exercises import cli, notebook
from llc_exercises.core import definitions as defs
from llc_exercises.core.cohort import load_cohort
from llc_exercises.documents import render, workbook

COHORT = SAMPLE / "cohort.yaml"
ANSWERS = SAMPLE / "answers" / "mquillfeather.json"


def page_text(pdf, first: int, last: int) -> str:
    out = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", "-f", str(first), "-l", str(last), str(pdf), "-"],
                         check=True, capture_output=True, text=True).stdout
    return squash(out)


# ---- the workbook cover ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """One kept kernel, as in a cohort build: the workbook with the cohort's dates, then one without
    (which must not inherit them from the kernel)."""
    out = tmp_path_factory.mktemp("dated")
    template = workbook.read_template()
    dated = workbook.prepare(ANSWERS, template, formats=("html", "pdf"), generated_on="2026-03-24",
                             cohort=workbook.cohort_parameters(load_cohort(COHORT)))
    plain = workbook.prepare(ANSWERS, template, formats=("html",), generated_on="2026-03-24")
    builder = workbook.Builder()
    try:
        files = {f"dated{Path(n).suffix}": data for n, data in builder.build(dated).items()}
        files["plain.html"] = builder.build(plain)["workbook-mquillfeather.html"]
    finally:
        builder.close()
    for name, data in files.items():
        (out / name).write_bytes(data)
    return {name: out / name for name in files}


@pytest.fixture(scope="module")
def dated_build(builds):
    return {".pdf": builds["dated.pdf"], ".html": builds["dated.html"]}


def test_cover_page_shows_the_cohort_and_all_its_dates(dated_build):
    cover = page_text(dated_build[".pdf"], 1, 1)
    assert squash("LLC-2025 (sample)") in cover
    assert squash("Cohort dates") in cover
    assert squash("Tuesday 9 September 2025 08:30–15:30 On the Leading Edge of Visioning") in cover
    # every session and meeting, and the cover's last line: the table fits on the cover page
    for e in load_cohort(COHORT).events():
        assert squash(f"{e.date:%A} {e.date.day} {e.date:%B %Y}") in cover, e.id
    assert squash("Built from this participant's saved answers") in cover
    assert squash("Cohort dates") not in page_text(dated_build[".pdf"], 2, 2)


def test_without_a_cohort_the_cover_has_no_dates(builds):
    html = builds["plain.html"].read_text(encoding="utf-8")
    assert 'class="llc-cover-dates"' not in html and "Cohort dates" not in html
    assert 'class="llc-cover tex2jax_ignore' in html  # the cover as it always was
    assert "Session 1: On the Leading Edge of Visioning" in html  # the cover itself is there


def test_cohort_travels_in_the_job_as_plain_data(dated_build):
    cohort = load_cohort(COHORT)
    data = workbook.cohort_parameters(cohort)
    assert data["name"] == "LLC-2025 (sample)" and len(data["schedule"]) == 12
    assert data["schedule"][1] == {"title": "On the Leading Edge of Visioning", "kind": "session",
                                   "date": "2025-09-09", "start": "08:30", "end": "15:30",
                                   "where": "Online (fictional meeting link)", "hours": 6.0}
    job = workbook.prepare(ANSWERS, workbook.read_template(), cohort=data)
    assert pickle.loads(pickle.dumps(job)).cohort == data
    assert workbook.prepare(ANSWERS, workbook.read_template()).cohort == {}  # existing callers: no dates
    html = dated_build[".html"].read_text(encoding="utf-8")
    assert "Tuesday 9 September 2025" in html


def test_template_has_the_cohort_parameters_beside_the_old_ones():
    doc = json.loads((ROOT / "workbook" / "workbook.ipynb").read_text(encoding="utf-8"))
    src = "".join(next(c for c in doc["cells"] if "parameters" in c["metadata"].get("tags", []))["source"])
    names = [line.split(" = ")[0] for line in src.splitlines()]
    assert names[:4] == ["participant_id", "answers_path", "generated_on", "participant_details"]
    assert 'cohort_name = ""' in src and "cohort_schedule = []" in src


def test_cover_escapes_the_cohort_name_and_schedule():
    rows = [{"title": "<b>Kickoff</b>", "kind": "meeting", "date": "2025-08-26", "start": "09:00",
             "end": "12:00", "where": "Room <img src=x onerror=alert(1)>", "hours": 3.0}]
    page = render.cover_html({"id": "p1"}, dt.date(2026, 3, 24), [],
                             cohort_name="<script>alert('x')</script>", schedule=rows)
    assert "<script>" not in page and "<img" not in page and "<b>Kickoff" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;b&gt;Kickoff&lt;/b&gt;" in page and "Tuesday 26 August 2025" in page


def test_build_with_a_bad_cohort_file_stops_before_building(tmp_path, capsys):
    bad = tmp_path / "cohort.yaml"
    bad.write_text(COHORT.read_text(encoding="utf-8").replace("timezone: America/Chicago",
                                                                "timezone: Mars/Olympus"), encoding="utf-8")
    out = tmp_path / "out"
    code = cli.main(["build", "--answers", str(ANSWERS), "--out", str(out), "--cohort", str(bad)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("llc: ") and str(bad) in err and "Mars/Olympus" in err
    assert not out.exists()


# ---- the orientation notebook --------------------------------------------------------------------
def test_schedule_shows_the_cohort_dates_when_one_is_set(monkeypatch):
    monkeypatch.setenv("LLC_COHORT", str(COHORT))
    shown = notebook.schedule_static()
    assert "Tuesday 9 September 2025" in shown.html and "Tuesday 19 May 2026" in shown.html
    assert "LLC-2025 (sample)" in shown.html and "America/Chicago" in shown.html
    assert "original series dates" not in shown.html
    assert "Tuesday 9 September 2025" in shown.markdown
    assert shown.html.count("<tr>") == 13  # header and 12 events


def test_schedule_falls_back_to_the_original_dates_and_says_so(monkeypatch):
    monkeypatch.delenv("LLC_COHORT", raising=False)
    shown = notebook.schedule_static()
    assert "Thursday 7 October 2021" in shown.html  # Visioning's original date
    assert "original series dates" in shown.html and "LLC_COHORT" in shown.html
    assert "role=\"alert\"" not in shown.html
    assert "original series dates" in shown.markdown


def test_a_bad_cohort_file_shows_its_error_not_a_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "cohort.yaml"
    bad.write_text(COHORT.read_text(encoding="utf-8").replace("date: 2025-10-14", "date: 2025-09-02"),
                   encoding="utf-8")
    monkeypatch.setenv("LLC_COHORT", str(bad))
    shown = notebook.schedule_static()
    assert "role=\"alert\"" in shown.html and render.esc(str(bad)) in shown.html
    assert "relationships" in shown.html
    assert "Thursday 7 October 2021" in shown.html and "original series dates" in shown.html


def test_schedule_escapes_cohort_text(tmp_path, monkeypatch):
    text = COHORT.read_text(encoding="utf-8").replace('name: "LLC-2025 (sample)"', 'name: "<i>Pwn</i> | *x*"')
    (tmp_path / "cohort.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("LLC_COHORT", str(tmp_path / "cohort.yaml"))
    shown = notebook.schedule_static()
    assert "<i>Pwn" not in shown.html and "&lt;i&gt;Pwn&lt;/i&gt;" in shown.html
    assert r"\<i\>Pwn\</i\> \| \*x\*" in shown.markdown


def test_overview_shows_the_cohort_date_when_set(monkeypatch):
    cohort = load_cohort(COHORT)
    with_cohort = render.overview(defs.sessions(), {}, cohort)
    assert "09 Sep 2025" in with_cohort.html and "07 Oct 2021" not in with_cohort.html
    plain = render.overview(defs.sessions(), {})
    assert "07 Oct 2021" in plain.html and "09 Sep 2025" not in plain.html


def test_orientation_notebook_shows_the_dates_after_about_you():
    doc = json.loads((ROOT / "notebooks" / "00_orientation.ipynb").read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) for c in doc["cells"]]
    ids = [c["id"] for c in doc["cells"]]
    assert len(ids) == len(set(ids))
    at = sources.index("llc.whoami()")
    assert sources[at + 1].startswith("## Your cohort's dates") and "llc calendar" in sources[at + 1]
    assert sources[at + 2] == "llc.schedule()"
