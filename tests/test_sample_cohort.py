"""Tests for the FICTIONAL sample cohort in datasets/sample_cohort/ and its generator."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

from llc_exercises.core import definitions as defs
from llc_exercises.core.paths import check_participant_id
from llc_exercises.core.schema import problems

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "datasets" / "make_sample_cohort.py"
COHORT = ROOT / "datasets" / "sample_cohort"
ANSWERS = COHORT / "answers"
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]+$")

TRICKY_WHY = ("I believe <script>alert('x')</script> & <b>bold</b> claims need evidence; costs like $5 "
              "and 100% of {students} matter_most #1 \\section ~tilde^")
TRICKY_VISION = "Every reader 📚✨ finds a home — مكتبة للجميع — ספרייה לכולם"


@pytest.fixture(autouse=True)
def _builtin_sessions(monkeypatch):
    # A developer's own LLC_SESSIONS_DIR must not change which keys are valid here.
    monkeypatch.delenv("LLC_SESSIONS_DIR", raising=False)


def roster() -> list[dict]:
    with (COHORT / "roster.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def docs() -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(ANSWERS.glob("*.json"))}


def is_blank(value) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def answered(doc: dict) -> int:
    return sum(not is_blank(entry.get("value")) for entry in doc["answers"].values())


def run_generator(out: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("LLC_SESSIONS_DIR", "PYTHONPATH")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # Run from another directory: the script must find the package and its seeds on its own.
    done = subprocess.run([sys.executable, str(GENERATOR), "--out", str(out)], cwd=out.parent,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_answers_file_is_valid():
    found = docs()
    assert len(found) == 30
    for pid, doc in found.items():
        assert problems(doc) == [], pid
        assert doc["participant"]["id"] == pid


def test_roster_has_thirty_unique_safe_ids_each_with_a_file():
    rows = roster()
    assert list(rows[0]) == ["id", "name", "school", "district", "cohort"]
    assert len(rows) == 30
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == 30
    for r in rows:
        assert SAFE_ID.match(r["id"]), r["id"]
        assert check_participant_id(r["id"]) == r["id"]
        assert (ANSWERS / f"{r['id']}.json").is_file()
    assert {p.stem for p in ANSWERS.glob("*.json")} == set(ids)


def test_roster_matches_answers_and_is_marked_fictional():
    found = docs()
    for r in roster():
        assert found[r["id"]]["participant"] == r
        assert r["school"].endswith("(fictional)") and r["district"].endswith("(fictional)")
        assert r["cohort"] == "LLC-2025 (sample)"
    readme = (COHORT / "README.md").read_text(encoding="utf-8")
    assert "fictional" in readme.lower() and "make_sample_cohort.py" in readme


def test_generator_is_deterministic_and_matches_committed_files(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    run_generator(first)
    run_generator(second)
    assert tree(first) == tree(second)
    committed = {k: v for k, v in tree(COHORT).items() if k != "README.md"}
    generated = tree(first)
    assert sorted(generated) == sorted(committed)
    stale = [name for name in generated if generated[name] != committed[name]]
    assert not stale, ("committed sample cohort is out of date; run `python "
                       f"datasets/make_sample_cohort.py` ({len(stale)} files differ, e.g. {stale[:3]})")


def test_files_are_written_like_the_answer_store():
    for path in sorted(ANSWERS.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n", path.name


def test_fill_is_uneven_like_real_people():
    total = len(defs.all_fields())
    counts = [answered(doc) for doc in docs().values()]
    assert len(set(counts)) >= 5
    assert max(counts) > 0.8 * total
    assert min(counts) < 0.3 * total
    assert min(counts) >= 1  # everyone who is on the roster answered something
    lo, mid, hi = 0.3 * total, statistics.median(counts), 0.8 * total
    assert lo < mid < hi  # most people fill part


def test_later_sessions_are_filled_less():
    sessions = defs.sessions()
    if len(sessions) < 2:
        pytest.skip("only one session defined so far")
    rates = []
    for s in sessions:
        keys = [f.key for w in s.worksheets for f in w.fields]
        rates.append(sum(k in doc["answers"] for doc in docs().values() for k in keys) / len(keys))
    assert rates[0] > rates[-1]


def test_timestamps_and_dates_fall_in_the_school_year():
    for pid, doc in docs().items():
        for key, entry in doc["answers"].items():
            stamp = dt.datetime.fromisoformat(entry["updated"])
            assert stamp.utcoffset() == dt.timedelta(0), (pid, key)
            assert dt.datetime(2025, 8, 1, tzinfo=dt.timezone.utc) <= stamp \
                < dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc), (pid, key)
        for row in doc["answers"].get("visioning.strategic_plan.rows", {}).get("value", []):
            dates = [dt.date.fromisoformat(row[c]) for c in ("start", "due") if c in row]
            assert all(dt.date(2025, 8, 1) <= d <= dt.date(2026, 6, 30) for d in dates), (pid, row)
            if len(dates) == 2:
                assert dates[0] <= dates[1], (pid, row)
            assert 0 <= row.get("cost", 0) <= 1500, (pid, row)


def test_tables_have_zero_to_six_rows():
    tables = [f.key for f in defs.all_fields().values() if f.type == "table"]
    sizes = [len(doc["answers"][k]["value"]) for doc in docs().values() for k in tables
             if k in doc["answers"]]
    assert sizes and max(sizes) <= 6 and min(sizes) >= 0


def test_markup_participant_carries_the_tricky_strings():
    doc = docs()["tmarkup"]
    assert doc["participant"]["name"] == "Tess Markup-Tester (fictional)"
    assert doc["answers"]["visioning.core_beliefs.why"]["value"] == TRICKY_WHY
    assert doc["answers"]["visioning.mission_vision.vision"]["value"] == TRICKY_VISION
    why = doc["answers"]["visioning.core_beliefs.why"]["value"]
    for s in ("<script>alert('x')</script>", "&", "<b>bold</b>", "$5", "100%", "{students}",
              "matter_most", "#1", "\\section", "~tilde^"):
        assert s in why
    # Nobody else carries markup, so escaping tests know exactly where to look.
    for pid, other in docs().items():
        if pid != "tmarkup":
            assert "<script>" not in json.dumps(other), pid


def test_long_participant_has_a_long_multi_paragraph_answer():
    text = docs()["llong"]["answers"]["visioning.core_beliefs.what_i_do"]["value"]
    assert 2500 <= len(text) <= 3500
    paragraphs = text.split("\n\n")
    assert len(paragraphs) >= 4 and all(p.strip() for p in paragraphs)
