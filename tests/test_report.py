"""`llc report`: the anonymous cohort report. Its numbers are those of the answers files, groups
under five are left out (numbers and all), nobody is named, and nothing is half-written."""
from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import io
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import SAMPLE, pdf_text, squash

from llc_exercises import cli
from llc_exercises.core.cohort import load_cohort
from llc_exercises.facilitator import report, report_data

NOTE = "Not shown: fewer than 5 participants answered (n = {n}). Small groups are suppressed to keep answers anonymous."
STAMP = "2026-04-01T12:00:00.000+00:00"


def run_llc(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(list(args))
    return rc, out.getvalue(), err.getvalue()


def copy_sample(dest: Path) -> Path:
    shutil.copytree(SAMPLE, dest)
    return dest


def answer_values(path: Path) -> dict:
    return {k: v["value"] for k, v in json.loads(path.read_text(encoding="utf-8"))["answers"].items()}


def all_values(answers_dir: Path) -> list[dict]:
    """Every readable answers file's values (the tests' damaged and invalid files are named zz-…)."""
    return [answer_values(p) for p in sorted(answers_dir.glob("*.json")) if not p.name.startswith("zz-")]


def edit(path: Path, change) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc["answers"])
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def rating(v) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5 else None


def svgs(html: str) -> list[str]:
    """Every chart's drawing, decoded from its data: URI (the SVG's own text)."""
    return [base64.b64decode(b).decode("utf-8")
            for b in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)]


def visible(html: str) -> str:
    """The page without its embedded images (their base64 could hold any letters by chance)."""
    return re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", html)


def build(folder: Path) -> SimpleNamespace:
    out = folder / "out"
    rc, stdout, stderr = run_llc("report", "--cohort", str(folder / "cohort.yaml"), "--answers-dir",
                                 str(folder / "answers"), "--out", str(out))
    assert rc == 0, stderr
    html = (out / report.HTML_NAME).read_text(encoding="utf-8")
    raw = pdf_text(out / report.PDF_NAME)
    return SimpleNamespace(folder=folder, out=out, stdout=stdout, stderr=stderr, html=html, text=visible(html),
                           svg="\n".join(svgs(html)), pdf=raw, pdf_squashed=squash(raw))


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> SimpleNamespace:
    return build(copy_sample(tmp_path_factory.mktemp("report") / "cohort"))


# ---- the sample cohort as it is ------------------------------------------------------------------
def test_both_files_are_written_and_the_command_says_where(sample):
    out = sample.out
    assert sorted(p.name for p in out.iterdir()) == [report.HTML_NAME, report.PDF_NAME]  # no temporary left
    lines = sample.stdout.splitlines()
    assert lines[:2] == [str(out / report.HTML_NAME), str(out / report.PDF_NAME)]
    files = len(list((sample.folder / "answers").glob("*.json")))
    assert lines[2].startswith(f"Cohort report for LLC-2025 (sample): {files} answers files read;")
    assert (out / report.PDF_NAME).read_bytes().startswith(b"%PDF") and "ANONYMOUS COHORT REPORT" in sample.pdf
    assert sample.stderr == ""


def test_cover_gives_the_cohort_its_dates_and_how_many_answered(sample):
    cohort = load_cohort(sample.folder / "cohort.yaml")
    vals = all_values(sample.folder / "answers")
    before = sum(any(rating(v.get(f"{report_data.BEFORE}.{d}")) for d in report_data.DIMENSIONS) for v in vals)
    after = sum(any(rating(v.get(f"{report_data.AFTER}.{d}")) for d in report_data.DIMENSIONS) for v in vals)
    text = sample.pdf_squashed
    for expected in ("CohortLLC-2025(sample)", "SeriesOntheLeadingEdge", "Firstsession9September2025",
                     "Lastsession3March2026", f"Answersfilesread{len(vals)}",
                     f"Answeredthebeforesurvey{before}", f"Answeredtheaftersurvey{after}",
                     f"Smallgroupsaresuppressed:anychartortablethatwouldrestonfewerthan{report_data.MIN_GROUP}"):
        assert expected in text, expected
    assert (cohort.sessions[0].date, cohort.sessions[-1].date) == (dt.date(2025, 9, 9), dt.date(2026, 3, 3))


def test_each_outcome_has_its_before_and_after_n_and_the_paired_change(sample):
    vals = all_values(sample.folder / "answers")
    for dim in report_data.DIMENSIONS:
        b = [rating(v.get(f"{report_data.BEFORE}.{dim}")) for v in vals]
        a = [rating(v.get(f"{report_data.AFTER}.{dim}")) for v in vals]
        bs, as_ = [x for x in b if x], [x for x in a if x]
        both = [(x, y) for x, y in zip(b, a) if x and y]
        assert len(bs) >= 5 and len(as_) >= 5 and len(both) >= 5  # the sample shows everything

        def share(xs):
            return f"{round(100 * sum(x >= 4 for x in xs) / len(xs))}%"
        up, same, down = (sum(y > x for x, y in both), sum(y == x for x, y in both), sum(y < x for x, y in both))
        row = squash(f"{dim.capitalize()} {share(bs)} agree (n = {len(bs)}) {share(as_)} agree (n = {len(as_)}) "
                     f"n = {len(both)}: {up} up, {same} same, {down} down")
        assert row in sample.pdf_squashed, row
        # and the chart draws both bars, labelled with their n
        assert f"Before · n = {len(bs)}" in sample.svg and f"After · n = {len(as_)}" in sample.svg
    assert "n = 29" in sample.pdf and "n = 16" in sample.pdf  # the sample's 29 before, 16 after


def test_certificate_hours_come_from_the_attendance_sheet_and_pd_logs(sample):
    cohort = load_cohort(sample.folder / "cohort.yaml")
    hours = {e.id: e.hours for e in cohort.events()}
    logged = {}
    for p in (sample.folder / "answers").glob("*.json"):
        rows = answer_values(p).get(report_data.PD_LOG) or []
        logged[p.stem] = sum(r["hours"] for r in rows if isinstance(r.get("hours"), (int, float)))
    reached = total = 0
    with open(sample.folder / "attendance.csv", encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            got = 0.0
            for eid, h in hours.items():
                cell = (row.get(eid) or "").strip().lower()
                got += h if cell in ("yes", "y", "x", "present") else 0 if cell in ("", "no", "n", "absent") \
                    else float(cell)
            got += min(logged.get(row["id"], 0), cohort.credit.pd_log_max_hours)
            total += 1
            reached += got >= cohort.credit.required_hours
    claim = squash(f"{reached} of {total} ({round(100 * reached / total)}%) have at least the 32 hours required")
    assert claim in sample.pdf_squashed


def test_nobody_is_named_and_no_answer_is_quoted(sample):
    with open(SAMPLE / "roster.csv", encoding="utf-8", newline="") as fh:
        roster = list(csv.DictReader(fh))
    pdf = sample.pdf_squashed.casefold()
    for person in roster:
        for col in ("id", "name", "school", "district"):
            value = person[col]
            assert value.casefold() not in sample.text.casefold(), (col, value)
            assert value.casefold() not in sample.svg.casefold(), (col, value)
            assert squash(value).casefold() not in pdf, (col, value)
    # Free text is matched, never printed: goals, stakeholder wording, the markup tester's answer.
    vals = all_values(sample.folder / "answers")
    goals = {r["goal"] for v in vals for r in v.get("visioning.strategic_plan.rows") or [] if r.get("goal")}
    statements = {v["influence.smart_goal.statement"] for v in vals if v.get("influence.smart_goal.statement")}
    assert goals and statements
    for text in goals | {s[:60] for s in statements}:
        assert text not in sample.html and squash(text) not in sample.pdf_squashed
    assert "<script>" not in sample.html


def test_stakeholders_are_counted_per_quadrant_and_roles_come_from_the_kit(sample):
    vals = all_values(sample.folder / "answers")
    rated = [[r for r in v.get(report_data.STAKEHOLDERS) or [] if rating(r.get("power")) and rating(r.get("interest"))]
             for v in vals]
    close = [r for rows in rated for r in rows if r["power"] >= 3 and r["interest"] >= 3]
    participants = sum(bool(rows) for rows in rated)
    n = sum(len(rows) for rows in rated)
    assert f"Manage closely: {len(close)} ({round(100 * len(close) / n)}%)" in sample.svg
    assert squash(f"Manage closely: {len(close)} ({round(100 * len(close) / n)}%)") in sample.pdf_squashed
    assert f"{n} stakeholders rated by {participants} participants" in sample.svg
    # a quadrant only fewer than five participants used is named but not counted
    monitor = [rows for rows in rated if any(r["power"] < 3 and r["interest"] < 3 for r in rows)]
    monitor_rows = sum(r["power"] < 3 and r["interest"] < 3 for rows in rated for r in rows)
    assert 0 < len(monitor) < 5, "the sample no longer has a small quadrant; pick another"
    assert "from fewer than 5 participants" in sample.svg
    assert f"Monitor: {monitor_rows} (" not in sample.svg and f"Monitor: {monitor_rows}" not in sample.pdf_squashed
    admins = [rows for rows in rated if any(r.get("stakeholder") == "Administrators" for r in rows)]
    admins_close = sum(any(r.get("stakeholder") == "Administrators" and r["power"] >= 3 and r["interest"] >= 3
                           for r in rows) for rows in admins)
    assert len(admins) >= 5
    assert squash(f"Administrators {admins_close} of {len(admins)}") in sample.pdf_squashed


# ---- small groups, damaged files ------------------------------------------------------------------
AFTER_KEPT = 3
ODD_AREA = "Makerspace programming"


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> SimpleNamespace:
    """The sample with only three after-survey answers, an area rated by four people, one spelled
    five ways by five people, a theme four people mention, and a damaged and an invalid file."""
    folder = copy_sample(tmp_path_factory.mktemp("report") / "cohort")
    files = sorted((folder / "answers").glob("*.json"))
    kept = 0
    for p in files:
        vals = answer_values(p)
        if any(k.startswith(report_data.AFTER + ".") for k in vals):
            kept += 1
            if kept > AFTER_KEPT:
                edit(p, lambda a: [a.pop(k) for k in list(a) if k.startswith(report_data.AFTER + ".")])
    spellings = ["Reading and literacy", "  reading AND literacy ", "READING and Literacy", "Reading  and literacy",
                 "reading and literacy"]
    for i, p in enumerate(files[:5]):
        def add(a, i=i):
            rows = list(a.get(report_data.AREAS, {}).get("value") or [])
            rows.append({"area": spellings[i], "level": 3})
            if i < 4:
                rows.append({"area": ODD_AREA, "level": 2})
                a["influence.smart_goal.statement"] = {"value": "Start a robotics club in the makerspace by May.",
                                                       "updated": STAMP}
            a[report_data.AREAS] = {"value": rows, "updated": STAMP}
        edit(p, add)
    for i, p in enumerate(files[5:13]):  # eight PD logs, six with a target
        def log(a, i=i):
            a[report_data.PD_LOG] = {"value": [{"activity": "Webinar", "hours": 2 + i}, {"hours": 1.5}],
                                     "updated": STAMP}
            if i < 6:
                a[report_data.PD_TARGET] = {"value": 8, "updated": STAMP}
            else:
                a.pop(report_data.PD_TARGET, None)
        edit(p, log)
    (folder / "answers" / "zz-damaged.json").write_text('{"schema_version": 2, "answers": {', encoding="utf-8")
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    doc["answers"][f"{report_data.BEFORE}.knowledge"] = {"value": 9, "updated": STAMP}
    (folder / "answers" / "zz-invalid.json").write_text(json.dumps(doc), encoding="utf-8")
    return build(folder)


def test_an_after_survey_of_three_is_not_drawn_and_its_numbers_appear_nowhere(small):
    note = NOTE.format(n=AFTER_KEPT)
    assert note in small.html and squash(note) in small.pdf_squashed
    assert "After survey, all five statements" in small.html
    # the before bars are still there; no after bar, share or reaction count is anywhere
    assert "Before · n = 29" in small.svg
    for where in (small.text, small.svg, small.pdf):
        assert "After · n" not in where
        assert not re.search(r"after \d+% agree", where, re.I)
        assert not re.search(r"\d+% agree \(n = \d+\) \d+% agree", where)
    assert "How worthwhile" not in small.svg  # Guskey level 1 comes from the after survey: suppressed too
    guskey = small.html.split("Guskey level 1: reactions")[1].split("</section>")[0]
    assert NOTE.format(n=AFTER_KEPT) in guskey


def test_an_area_rated_by_four_is_not_shown_but_counted_and_names_match_loosely(small):
    assert ODD_AREA.casefold() not in small.html.casefold() and ODD_AREA not in small.svg
    assert squash(ODD_AREA) not in small.pdf_squashed
    assert "Reading and literacy (n = 5)" in small.svg  # five spellings, one area, shown under the kit's name
    raters: dict[str, set] = {}
    for i, v in enumerate(all_values(small.folder / "answers")):
        for r in v.get(report_data.AREAS) or []:
            if r.get("area") and rating(r.get("level")):
                raters.setdefault(" ".join(r["area"].split()).casefold(), set()).add(i)
    assert len(raters[ODD_AREA.casefold()]) == 4
    others = sum(len(who) < 5 for who in raters.values())
    assert f"{others} other areas rated by fewer than 5 participants (not shown)" in small.html


def test_a_theme_four_people_mention_is_folded_into_other_themes(small):
    g = report_data.gather(small.folder / "cohort.yaml", small.folder / "answers")
    _writers, counts = report_data.themes(g.people)
    assert counts["Makerspace and STEM"] == 4  # the setup gives the theme exactly four participants
    assert ">Makerspace and STEM</th>" not in small.html
    assert "Makerspace and STEM" not in small.svg
    assert re.search(r'<th scope="row">Other themes \(\d+ themes?, each under 5\)</th>', small.html)
    shown = [t for t, n in counts.items() if n >= 5]
    assert shown and all(f'<th scope="row">{t}</th>' in small.html for t in shown)


def test_pd_hours_are_set_against_each_participants_own_target(small):
    logged, met, targets = [], 0, 0
    for v in all_values(small.folder / "answers"):
        hours = [r["hours"] for r in v.get(report_data.PD_LOG) or [] if isinstance(r.get("hours"), (int, float))]
        target = v.get(report_data.PD_TARGET)
        if hours or target:
            logged.append(sum(hours))
            if target:
                targets += 1
                met += sum(hours) >= target
    assert len(logged) >= 5 and targets >= 5
    assert f"PD hours logged (n = {len(logged)})" in small.svg
    assert squash(f"{met} of {targets} participants who set a target ({round(100 * met / targets)}%) logged at "
                  "least their own target") in small.pdf_squashed


def test_damaged_and_invalid_files_are_skipped_named_on_stderr_and_counted_in_the_report(small):
    err = small.stderr.splitlines()
    damaged = [ln for ln in err if "zz-damaged.json" in ln]
    invalid = [ln for ln in err if "zz-invalid.json" in ln]
    assert damaged and damaged[0].startswith("llc: skipped ") and "damaged" in damaged[0]
    assert invalid and "knowledge" in invalid[0]
    assert "zz-damaged" not in small.html and "zz-invalid" not in small.html
    assert squash("Answers files read 30 (2 more skipped: damaged or invalid)") in small.pdf_squashed
    assert ", 2 skipped;" in small.stdout


# ---- nothing half-written ------------------------------------------------------------------------
def test_a_bad_cohort_file_writes_nothing(tmp_path):
    folder = copy_sample(tmp_path / "cohort")
    (folder / "cohort.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    rc, stdout, stderr = run_llc("report", "--cohort", str(folder / "cohort.yaml"), "--answers-dir",
                                 str(folder / "answers"), "--out", str(tmp_path / "new"))
    assert rc == 1 and stdout == ""
    assert stderr.startswith("llc: ") and str(folder / "cohort.yaml") in stderr and "Traceback" not in stderr
    assert not (tmp_path / "new").exists()


def test_a_bad_attendance_sheet_leaves_the_previous_report_as_it_was(tmp_path):
    folder = copy_sample(tmp_path / "cohort")
    sheet = folder / "attendance.csv"
    lines = sheet.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",yes,", ",maybe,", 1)
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / report.HTML_NAME).write_text("last week's report", encoding="utf-8")
    rc, _stdout, stderr = run_llc("report", "--cohort", str(folder / "cohort.yaml"), "--answers-dir",
                                  str(folder / "answers"), "--out", str(out))
    assert rc == 1 and str(sheet) in stderr and "line 3" in stderr and "maybe" in stderr
    assert sorted(p.name for p in out.iterdir()) == [report.HTML_NAME]
    assert (out / report.HTML_NAME).read_text(encoding="utf-8") == "last week's report"


def test_an_empty_answers_folder_is_an_error_not_an_empty_report(tmp_path):
    folder = copy_sample(tmp_path / "cohort")
    (tmp_path / "none").mkdir()
    rc, _stdout, stderr = run_llc("report", "--cohort", str(folder / "cohort.yaml"), "--answers-dir",
                                  str(tmp_path / "none"), "--out", str(tmp_path / "out"))
    assert rc == 1 and "No answers files" in stderr and not (tmp_path / "out").exists()


def test_a_failed_print_writes_neither_file(tmp_path, monkeypatch):
    folder = copy_sample(tmp_path / "cohort")
    monkeypatch.setenv("LLC_CHROMIUM", str(tmp_path / "no-such-browser"))
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine without Chromium
    rc, _stdout, stderr = run_llc("report", "--cohort", str(folder / "cohort.yaml"), "--answers-dir",
                                  str(folder / "answers"), "--out", str(tmp_path / "new"), "--pdf-engine", "chromium")
    assert rc == 1 and "Chromium" in stderr
    assert not (tmp_path / "new").exists()
