"""Tests for llc_exercises.participant.data and the FICTIONAL sample data in datasets/library/."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets" / "library"
GENERATOR = DATA / "make_library_data.py"
CSV_NAMES = ["collaboration_log", "monthly_circulation", "outreach_log", "stakeholder_survey", "teachers"]


def _import_data_module():
    try:
        from llc_exercises.participant import data
        return data
    except ImportError:  # package not importable yet (no __init__.py / not on sys.path)
        spec = importlib.util.spec_from_file_location("llc_exercises_data", ROOT / "llc_exercises" / "data.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


data = _import_data_module()


@pytest.fixture(autouse=True)
def _default_dir(monkeypatch):
    # A developer's own LLC_LIBRARY_DATA_DIR must not leak into these tests.
    monkeypatch.delenv(data.ENV_VAR, raising=False)


def read_raw(name: str) -> list[dict]:
    with (DATA / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


# ----------------------------------------------------------------------------- loading

def test_available_lists_csv_stems():
    assert data.available() == CSV_NAMES


EXPECTED = {  # name: (columns, min rows, max rows)
    "monthly_circulation": (["month", "checkouts", "ebook_checkouts", "visits", "class_visits", "enrollment"], 10, 10),
    "teachers": (["teacher_id", "subject", "grade"], 40, 45),
    "collaboration_log": (["date", "teacher_id", "subject", "grade", "activity", "co_taught", "minutes", "skills"],
                          130, 170),
    "outreach_log": (["date", "activity", "audience", "channel", "reach", "responses", "evidence"], 50, 70),
    "stakeholder_survey": (["respondent_id", "role", "library_helps_learning", "staff_approachable",
                            "knows_services", "space_welcoming", "would_recommend", "comment"], 70, 90),
}


@pytest.mark.parametrize("name", CSV_NAMES)
def test_columns_and_row_counts(name):
    columns, lo, hi = EXPECTED[name]
    df = data.load(name)
    assert list(df.columns) == columns
    assert lo <= len(df) <= hi


@pytest.mark.parametrize("name", CSV_NAMES)
def test_files_are_small_and_labelled_fictional_in_readme(name):
    assert (DATA / f"{name}.csv").stat().st_size < 100_000
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    bold = next(line for line in readme.splitlines() if line.startswith("**"))
    assert "FICTIONAL" in bold and "make_library_data.py" in bold
    assert f"`{name}.csv`" in readme


def test_monthly_circulation_dtypes_and_values():
    df = data.load("monthly_circulation")
    assert pd.api.types.is_datetime64_any_dtype(df["month"])
    assert df["month"].iloc[0] == pd.Timestamp("2025-08-01")
    assert df["month"].iloc[-1] == pd.Timestamp("2026-05-01")
    assert df["month"].is_monotonic_increasing
    for col in ["checkouts", "ebook_checkouts", "visits", "class_visits", "enrollment"]:
        assert pd.api.types.is_integer_dtype(df[col]), col
        assert (df[col] > 0).all(), col
    assert df["enrollment"].between(600, 680).all()
    # Seasonality: the full autumn months are busier than the partial first and last months.
    by_month = df.set_index(df["month"].dt.strftime("%Y-%m"))["checkouts"]
    assert by_month["2025-10"] > by_month["2025-08"]
    assert by_month["2025-10"] > by_month["2026-05"]


def test_collaboration_log_dtypes_and_consistency():
    df = data.load("collaboration_log")
    teachers = data.load("teachers")
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    assert df["date"].between("2025-08-01", "2026-05-31").all()
    assert (df["date"].dt.day_of_week < 5).all()
    assert df["co_taught"].dtype == bool
    assert isinstance(df["activity"].dtype, pd.CategoricalDtype)
    assert set(df["activity"].cat.categories) >= {"planning", "co-teaching", "resource curation", "PD for teachers"}
    assert df["activity"].notna().all()
    assert pd.api.types.is_integer_dtype(df["minutes"]) and (df["minutes"] > 0).all()
    assert set(df["grade"]) <= {6, 7, 8}
    # Every logged teacher exists, subject/grade agree with teachers.csv, and some are never reached.
    merged = df.merge(teachers, on="teacher_id", suffixes=("", "_t"), how="left", validate="many_to_one")
    assert merged["subject_t"].notna().all()
    assert (merged["subject"].astype(str) == merged["subject_t"].astype(str)).all()
    assert (merged["grade"] == merged["grade_t"]).all()
    assert df["teacher_id"].nunique() < len(teachers)
    # Uneven: the busiest teacher has several times the median count.
    counts = df["teacher_id"].value_counts()
    assert counts.max() >= 3 * counts.median()
    # Co-teaching rows are always co-taught.
    assert df.loc[df["activity"] == "co-teaching", "co_taught"].all()


def test_teachers_ids_and_grades():
    df = data.load("teachers")
    assert df["teacher_id"].tolist() == [f"T{i:02d}" for i in range(1, len(df) + 1)]
    assert set(df["grade"]) == {6, 7, 8}


def test_outreach_log_dtypes_and_values():
    df = data.load("outreach_log")
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    assert df["date"].dt.to_period("M").nunique() == 10
    assert list(df["audience"].cat.categories) == ["students", "teachers", "parents", "administrators", "community"]
    assert list(df["channel"].cat.categories) == [
        "newsletter", "social media", "email", "event", "display", "website", "meeting"]
    assert df["audience"].notna().all() and df["channel"].notna().all()
    assert pd.api.types.is_integer_dtype(df["reach"]) and pd.api.types.is_integer_dtype(df["responses"])
    assert (df["responses"] >= 0).all() and (df["reach"] > 0).all()
    assert df["evidence"].str.len().gt(0).all()


def test_stakeholder_survey_dtypes_and_blanks():
    df = data.load("stakeholder_survey")
    assert list(df["role"].cat.categories) == ["student", "teacher", "parent", "administrator"]
    assert df["role"].notna().all()
    assert df["respondent_id"].is_unique
    items = data.SURVEY_ITEMS
    for item in items:
        assert str(df[item].dtype) == "Int64", item
        assert df[item].dropna().between(1, 5).all(), item
    blanks = int(df[items].isna().sum().sum())
    assert 1 <= blanks <= 0.1 * df[items].size
    assert df["comment"].isna().any() and df["comment"].notna().any()


# -------------------------------------------------------------------------- indicators

def test_indicators_match_independent_computation():
    teachers = read_raw("teachers")
    collab = read_raw("collaboration_log")
    circ = read_raw("monthly_circulation")
    outreach = read_raw("outreach_log")
    n_teachers = len({r["teacher_id"] for r in teachers})
    students = sum(int(r["enrollment"]) for r in circ) / len(circ)
    expected = {
        "Collaborations per teacher": len(collab) / n_teachers,
        "Share of teachers reached": 100 * len({r["teacher_id"] for r in collab}) / n_teachers,
        "Co-taught share": 100 * sum(r["co_taught"] == "yes" for r in collab) / len(collab),
        "Collaboration time": sum(int(r["minutes"]) for r in collab) / 60,
        "Checkouts per student (year)": sum(int(r["checkouts"]) for r in circ) / students,
        "E-book checkouts per student (year)": sum(int(r["ebook_checkouts"]) for r in circ) / students,
        "Visits per student (year)": sum(int(r["visits"]) for r in circ) / students,
        "Outreach reach total": sum(int(r["reach"]) for r in outreach),
    }
    table = data.indicators()
    assert list(table.columns) == ["indicator", "value", "unit", "how computed"]
    assert table["indicator"].is_unique
    got = dict(zip(table["indicator"], table["value"]))
    assert set(got) == set(expected)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value), name
    assert table["unit"].str.len().gt(0).all() and table["how computed"].str.len().gt(0).all()


def test_indicator_values_are_the_documented_ones():
    # Pins the committed data: if the generator changes, update these and datasets/library/README.md.
    got = dict(zip(data.indicators()["indicator"], data.indicators()["value"]))
    assert got["Collaborations per teacher"] == pytest.approx(150 / 42)
    assert got["Share of teachers reached"] == pytest.approx(100 * 31 / 42)
    assert got["Co-taught share"] == pytest.approx(100 * 38 / 150)
    assert got["Outreach reach total"] == 18415


def test_monthly_per_student_matches_raw():
    table = data.monthly_per_student()
    raw = read_raw("monthly_circulation")
    assert list(table.columns) == ["month", "enrollment", "checkouts_per_student", "visits_per_student"]
    assert len(table) == len(raw)
    assert pd.api.types.is_datetime64_any_dtype(table["month"])
    for (_, row), r in zip(table.iterrows(), raw):
        assert row["month"].strftime("%Y-%m") == r["month"]
        assert row["checkouts_per_student"] == pytest.approx(int(r["checkouts"]) / int(r["enrollment"]))
        assert row["visits_per_student"] == pytest.approx(int(r["visits"]) / int(r["enrollment"]))


# ------------------------------------------------------------------------------ errors

def test_unknown_name_error_names_it_and_lists_available():
    with pytest.raises(ValueError) as info:
        data.load("circulation")
    message = str(info.value)
    assert "'circulation'" in message
    for name in CSV_NAMES:
        assert name in message


def test_missing_dir_error(monkeypatch, tmp_path):
    missing = tmp_path / "nope"
    monkeypatch.setenv(data.ENV_VAR, str(missing))
    with pytest.raises(FileNotFoundError) as info:
        data.load("teachers")
    assert str(missing) in str(info.value)
    assert data.ENV_VAR in str(info.value)


def test_env_var_points_at_other_folder(monkeypatch, tmp_path):
    (tmp_path / "teachers.csv").write_bytes((DATA / "teachers.csv").read_bytes())
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    assert data.available() == ["teachers"]
    assert len(data.load("teachers")) == len(read_raw("teachers"))


def test_bad_co_taught_value_is_rejected(monkeypatch, tmp_path):
    text = (DATA / "collaboration_log.csv").read_text(encoding="utf-8")
    (tmp_path / "collaboration_log.csv").write_text(text.replace(",yes,", ",Yse,", 1), encoding="utf-8")
    monkeypatch.setenv(data.ENV_VAR, str(tmp_path))
    with pytest.raises(ValueError, match="Yse"):
        data.load("collaboration_log")


# --------------------------------------------------------------------------- generator

def test_generator_is_deterministic_and_matches_committed_files(tmp_path):
    for run in ("a", "b"):
        subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path / run)], check=True,
                       capture_output=True)
    for name in CSV_NAMES:
        first = (tmp_path / "a" / f"{name}.csv").read_bytes()
        assert first == (tmp_path / "b" / f"{name}.csv").read_bytes(), name
        assert first == (DATA / f"{name}.csv").read_bytes(), f"{name}.csv differs from the committed file"
    assert sorted(p.stem for p in (tmp_path / "a").glob("*.csv")) == CSV_NAMES
