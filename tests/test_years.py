"""``llc new-year``: last year archived byte for byte, what lasts carried, the rest blank, and the
workbook setting last year's self-assessment and PD hours beside this year's."""
from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import stat
import subprocess
import sys
import threading
import time

import pytest
from helpers import SAMPLE, PdfText

from llc_exercises import cli
from llc_exercises.core import definitions as defs
from llc_exercises.core import store, years
from llc_exercises.core.schema import AnswerValueError
from llc_exercises.core.store import AnswerStore, backup_path, migrate
from llc_exercises.documents import charts, render
from llc_exercises.documents.workbook import build_one

SA, PD_LOG, PD_TARGET = years.SELF_ASSESSMENT, years.PD_LOG, years.PD_TARGET
SAMPLE_YEAR = "2025-26"  # the sample cohort (LLC-2025) saved its answers between Aug 2025 and Jul 2026


def rated(doc) -> list[dict]:
    rows = (doc["answers"].get(SA) or {}).get("value") or []
    return [r for r in rows if isinstance(r.get("level"), int)]


def logged(doc) -> float:
    rows = (doc["answers"].get(PD_LOG) or {}).get("value") or []
    return sum(r["hours"] for r in rows if isinstance(r.get("hours"), (int, float)))


def sample_participant() -> str:
    """The sample participant with the fullest self-assessment, preferring one who logged PD hours."""
    docs = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (SAMPLE / "answers").glob("*.json")}
    pid = max(sorted(docs), key=lambda k: (bool(rated(docs[k])) and logged(docs[k]) > 0, len(rated(docs[k]))))
    assert rated(docs[pid]), "no sample participant has rated a self-assessment area"
    return pid


@pytest.fixture
def answers_file(tmp_path):
    """A copy of that participant's answers with last year's PD hours logged too: the sample cohort
    has nobody with both a self-assessment and a PD log, so the missing one is filled in here."""
    pid = sample_participant()
    path = tmp_path / "answers" / f"{pid}.json"
    path.parent.mkdir()
    shutil.copy(SAMPLE / "answers" / f"{pid}.json", path)
    if not logged(json.loads(path.read_text(encoding="utf-8"))):
        AnswerStore(path).set(PD_LOG, [{"date": "2026-02-03", "activity": "Regional library conference",
                                        "type": "Conference", "hours": 6},
                                       {"date": "2026-03-10", "activity": "Webinar on $5 ebooks", "hours": 1.5}])
    return path


def state(folder) -> dict:
    """Every file under ``folder`` with its bytes: "nothing changed" means this is equal before and after."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def llc(*args):
    return subprocess.run([sys.executable, "-m", "llc_exercises.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def carried(doc) -> dict:
    keys = {k for ks in years.carried_keys().values() for k in ks}
    return {k: v for k, v in doc["answers"].items() if k in keys}


# ---- llc new-year -----------------------------------------------------------------------------------
def test_new_year_archives_byte_for_byte_and_carries_only_what_lasts(answers_file):
    original = answers_file.read_bytes()
    before = json.loads(original)
    proc = llc("new-year", answers_file)
    assert proc.returncode == 0, proc.stderr

    archive = answers_file.parent / "archive" / f"{answers_file.stem}-{SAMPLE_YEAR}.json"
    assert archive.read_bytes() == original
    assert stat.S_IMODE(archive.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(archive.stat().st_mode) & 0o077 == 0

    after = json.loads(answers_file.read_text(encoding="utf-8"))
    assert after["participant"] == before["participant"]
    assert after["answers"] == carried(before)  # the same keys, values and save times; nothing else
    assert carried(before), "the sample participant should have something to carry"
    assert after["program_year"] == "2026-27"
    last = after["last_year"]
    assert last["year"] == SAMPLE_YEAR and last["archived_as"] == f"archive/{archive.name}"
    assert last["answers"] == {k: before["answers"][k]["value"] for k in (SA, PD_LOG, PD_TARGET)
                               if k in before["answers"]}
    assert backup_path(answers_file).read_bytes() == original

    out = proc.stdout
    assert str(archive.name) in out and "2026-27" in out
    for ws in years.CARRY:
        n = sum(k.startswith(ws + ".") for k in after["answers"])
        assert f"{defs.worksheet(ws).title}: {n} answer" in out
    assert "self-assessment" in out and "PD hours" in out and "beside this year's in the workbook" in out

    valid = llc("validate", answers_file)
    assert valid.returncode == 0 and "valid" in valid.stdout, valid.stdout + valid.stderr


def test_running_it_twice_refuses_and_changes_nothing(answers_file, capsys):
    assert cli.main(["new-year", str(answers_file)]) == 0
    folder = answers_file.parent
    done = state(folder)
    for again in (["new-year", str(answers_file)], ["new-year", str(answers_file), "--year", "2026-27"]):
        assert cli.main(again) == 1
        assert "Nothing was changed" in capsys.readouterr().err
        assert state(folder) == done


def test_an_existing_archive_is_never_overwritten(answers_file, capsys):
    archive = answers_file.parent / "archive" / f"{answers_file.stem}-{SAMPLE_YEAR}.json"
    archive.parent.mkdir()
    archive.write_text('{"kept": "last time"}')
    done = state(answers_file.parent)
    assert cli.main(["new-year", str(answers_file)]) == 1
    err = capsys.readouterr().err
    assert "already exists" in err and "Nothing was changed" in err
    assert state(answers_file.parent) == done


@pytest.mark.parametrize("year", ["2026-28", "2026", "26-27", "2026/27", "2025-26", "2024-25", "next"])
def test_a_bad_year_is_refused(answers_file, capsys, year):
    done = state(answers_file.parent)
    assert cli.main(["new-year", str(answers_file), "--year", year]) == 1
    err = capsys.readouterr().err
    assert "--year" in err and "Nothing was changed" in err
    assert state(answers_file.parent) == done


def test_a_later_year_may_be_named(answers_file):
    done = years.new_year(answers_file, "2027-28")
    assert json.loads(answers_file.read_text())["program_year"] == "2027-28" and done.archived_year == SAMPLE_YEAR


def test_the_next_year_after_that_archives_this_one(answers_file):
    years.new_year(answers_file)
    first = answers_file.parent / "archive" / f"{answers_file.stem}-{SAMPLE_YEAR}.json"
    kept = first.read_bytes()
    AnswerStore(answers_file).set(SA, [{"area": "Inquire", "level": 4}])
    this_year = answers_file.read_bytes()
    done = years.new_year(answers_file)
    assert (done.archived_year, done.year) == ("2026-27", "2027-28")
    assert done.archive.read_bytes() == this_year and first.read_bytes() == kept
    assert json.loads(answers_file.read_text())["last_year"]["answers"][SA] == [{"area": "Inquire", "level": 4}]


def test_a_write_after_new_year_keeps_program_year_and_last_year(answers_file):
    years.new_year(answers_file)
    last = json.loads(answers_file.read_text())["last_year"]
    s = AnswerStore(answers_file)
    s.set(SA, [{"area": "Curate", "level": 2}])
    doc = json.loads(answers_file.read_text())
    assert doc["last_year"] == last and doc["program_year"] == "2026-27"
    assert s.document_extra("last_year") == last and s.document_extra("program_year") == "2026-27"
    assert s.document_extra("no_such_entry") is None


def test_a_failed_write_of_the_new_file_leaves_the_original_and_no_archive(answers_file, monkeypatch):
    """Fault injection at the file system: the new answers file cannot be written (disk full)."""
    original = answers_file.read_bytes()
    real = store.write_atomic

    def failing(path, data):
        if path == answers_file:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(store, "write_atomic", failing)
    with pytest.raises(OSError, match="No space left"):
        years.new_year(answers_file)
    assert answers_file.read_bytes() == original
    assert not (answers_file.parent / "archive").exists()


def test_an_answer_that_no_longer_fits_stops_everything(answers_file):
    """A carried answer the schema rejects: the new file is refused before anything is written."""
    doc = json.loads(answers_file.read_text())
    doc["answers"]["visioning.mission_vision.drafted_on"] = {"value": "last spring",
                                                             "updated": "2026-01-05T10:00:00+00:00"}
    answers_file.write_text(json.dumps(doc))
    done = state(answers_file.parent)
    with pytest.raises(AnswerValueError, match="drafted_on"):
        years.new_year(answers_file)
    assert state(answers_file.parent) == done


def test_a_notebook_saving_at_the_same_moment_is_not_clobbered(answers_file):
    """The rewrite holds the store's lock from reading the file to committing the new one; a save
    from another store (a notebook) waits for it and then lands in the new year."""
    s = AnswerStore(answers_file)
    inside = threading.Event()

    def slow(doc, raw):
        inside.set()
        time.sleep(0.5)
        return {**doc, "answers": {}}

    def save():
        inside.wait(5)
        AnswerStore(answers_file).set("visioning.core_beliefs.why", "typed during the rewrite")

    t = threading.Thread(target=save)
    t.start()
    s.rewrite(slow)
    t.join(10)
    doc = json.loads(answers_file.read_text())
    assert doc["answers"]["visioning.core_beliefs.why"]["value"] == "typed during the rewrite"


def test_rewrite_touches_nothing_when_the_function_fails(answers_file):
    before = state(answers_file.parent)

    def boom(doc, raw):
        raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        AnswerStore(answers_file).rewrite(boom)
    with pytest.raises(AnswerValueError, match="not.a_key"):
        AnswerStore(answers_file).rewrite(lambda doc, raw: {**doc, "answers": {"not.a_key.x": {"value": 1}}})
    assert state(answers_file.parent) == before


def test_old_files_migrated_keep_their_other_entries(tmp_path):
    path = tmp_path / "p.json"
    path.write_text("{}")
    doc = migrate({"schema_version": 1, "participant": {"id": "p"}, "answers": {}, "program_year": "2025-26"}, path)
    assert doc["program_year"] == "2025-26" and doc["schema_version"] == 2


# ---- programme years ----------------------------------------------------------------------------
def test_school_years_run_august_to_july():
    assert years.school_year(dt.date(2025, 8, 1)) == "2025-26"
    assert years.school_year(dt.date(2026, 7, 31)) == "2025-26"
    assert years.school_year(dt.date(1999, 9, 1)) == "1999-00"
    assert years.start_of("1999-00") == 1999


def test_the_year_of_a_file():
    stamp = {"value": "x"}
    assert years.year_of({"program_year": "2030-31", "answers": {}}) == "2030-31"
    doc = {"answers": {"a": {**stamp, "updated": "2025-07-30T10:00:00+00:00"},
                       "b": {**stamp, "updated": "2025-10-01T10:00:00+00:00"},
                       "c": {**stamp, "updated": "2026-03-01T10:00:00+00:00"}}}
    assert years.year_of(doc) == "2025-26"  # where most answers were saved
    assert years.year_of({"answers": {}}, today=dt.date(2027, 1, 2)) == "2026-27"
    with pytest.raises(years.YearError, match="program_year"):
        years.year_of({"program_year": "2030", "answers": {}})


# ---- this year beside last year ----------------------------------------------------------------
LAST = {"year": "2025-26", "archived_as": "archive/p-2025-26.json",
        "answers": {SA: [{"area": "Inquire", "level": 3}, {"area": "Curate", "level": 2},
                         {"area": "Digital  learning", "level": 2}, {"area": "Engage"}],
                    PD_LOG: [{"hours": 6}, {"hours": 1.5}], PD_TARGET: 8}}


def test_areas_are_matched_by_name_whatever_the_case_and_spacing():
    this = {SA: [{"area": " digital LEARNING", "level": 3}, {"area": "inquire", "level": 3},
                 {"area": "Leadership", "level": 1}, {"area": "Engage", "level": 4}],
            PD_LOG: [{"hours": 2}], PD_TARGET: 10}
    c = years.compare(this, LAST, "2026-27")
    got = {r.area: (c.level_text(r.last, r.in_last), c.level_text(r.this, r.in_this), r.change) for r in c.areas}
    assert got == {"digital LEARNING": ("2 · Developing", "3 · Proficient", "↑ up 1"),
                   "inquire": ("3 · Proficient", "3 · Proficient", "= same"),
                   "Leadership": ("—", "1 · Improvement Needed", "—"),
                   "Engage": ("not rated", "4 · Accomplished", "—"),
                   "Curate": ("2 · Developing", "—", "—")}
    assert [(h.year, h.logged, h.target, h.share) for h in c.hours] == [("2025-26", 7.5, 8.0, "94%"),
                                                                        ("2026-27", 2.0, 10.0, "20%")]
    assert years.compare(this, None) is None and years.compare(this, {"year": "2025-26"}) is None


def test_the_section_escapes_participant_text_and_says_the_change_in_words():
    this = {SA: [{"area": "<script>alert(1)</script> $5 to $10", "level": 2}]}
    last = {**LAST, "answers": {SA: [{"area": "<SCRIPT>alert(1)</script>  $5 to $10", "level": 4}]}}
    section = render.year_over_year(this, last, "2026-27")
    out = section.html
    assert "<script>" not in out.lower().replace("&lt;script&gt;", "")
    assert "This year beside last year" in out and "mathjax_ignore" in out
    assert "4 · Accomplished" in out and "2 · Developing" in out and "↓ down 2" in out
    assert "<img src=\"data:image/svg+xml;base64," in out and 'alt="Self-assessment levels' in out
    assert r"\<script\>" in section.markdown and r"\$5" in section.markdown and "↓ down 2" in section.markdown
    assert render.year_over_year(this, None) is None


def test_the_chart_draws_area_names_as_text_not_maths():
    c = years.compare({SA: [{"area": "Books at $5 to $10", "level": 3}]},
                      {**LAST, "answers": {SA: [{"area": "Books at $5 to $10", "level": 2}]}}, "2026-27")
    drawn = charts.levels_chart(c)
    svg = re.sub(r"<!--.*?-->", "", drawn.svg().decode("utf-8"), flags=re.S)
    drawn_text = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert "Books at $5 to $10" in drawn_text
    assert "Last year (2025-26)" in drawn_text and "This year (2026-27)" in drawn_text
    assert "up: Books at $5 to $10" in drawn.alt
    empty = charts.levels_chart(years.compare({}, {**LAST, "answers": {}}, "2026-27"))
    assert "no area rated" in empty.alt


# ---- the workbook ---------------------------------------------------------------------------------
def test_the_workbook_sets_last_year_beside_this_year(answers_file, tmp_path):
    before = json.loads(answers_file.read_text())
    last_areas = rated(before)
    last_hours, target = logged(before), before["answers"].get(PD_TARGET, {}).get("value")
    years.new_year(answers_file)
    # This year's self-assessment: the first area moves one level, and the PD log starts again.
    first = last_areas[0]
    now = first["level"] + 1 if first["level"] < 5 else first["level"] - 1
    s = AnswerStore(answers_file)
    s.set(SA, [{"area": first["area"].upper(), "level": now}])
    s.set(PD_LOG, [{"date": "2026-10-14", "activity": "Site visit", "hours": 2.5}])

    pdf = next(p for p in build_one(answers_file, tmp_path / "out", formats=("html", "pdf")) if p.suffix == ".pdf")
    text = PdfText(pdf)
    level = defs.field_for_key(SA).column("level")
    assert "This year beside last year" in text
    arrow = "↑ up 1" if now > first["level"] else "↓ down 1"
    assert f"{first['area'].upper()} {level.level_label(first['level'])} {level.level_label(now)} {arrow}" in text
    assert f"Last year ({SAMPLE_YEAR}) {last_hours:g} hours" in text
    assert "This year (2026-27) 2.5 hours" in text
    if target:
        assert f"{target:g} hours" in text
    assert f"archive/{answers_file.stem}-{SAMPLE_YEAR}.json" in text


def test_a_workbook_without_a_last_year_has_no_such_section(tmp_path):
    path = tmp_path / "p.json"
    shutil.copy(SAMPLE / "answers" / f"{sample_participant()}.json", path)
    html_file = build_one(path, tmp_path / "out", formats=("html",))[0]
    page = html_file.read_text(encoding="utf-8")
    assert "Session 6" in page and "This year beside last year" not in page and "year-over-year" not in page
