"""The FICTIONAL sample library data (Maple Hollow Middle School) the practice exercises use: the CSVs
of ``datasets/library/`` (inside the package when installed), or another folder named by
``LLC_LIBRARY_DATA_DIR``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import settings
from ..core.paths import kit_folder

ENV_VAR = settings.LIBRARY_DATA_DIR.name

# Allowed values, in a sensible display order. Fixed categories keep counts and charts
# stable (a category with no rows still shows as 0) and match datasets/library/README.md.
ROLES = ["student", "teacher", "parent", "administrator"]
AUDIENCES = ["students", "teachers", "parents", "administrators", "community"]
CHANNELS = ["newsletter", "social media", "email", "event", "display", "website", "meeting"]
ACTIVITIES = ["planning", "co-teaching", "library lesson", "resource curation", "PD for teachers"]
SURVEY_ITEMS = ["library_helps_learning", "staff_approachable", "knows_services", "space_welcoming", "would_recommend"]


def data_dir() -> Path:
    """Folder holding the CSVs: ``$LLC_LIBRARY_DATA_DIR`` if set, else ``datasets/library``."""
    override = settings.LIBRARY_DATA_DIR.raw()
    folder = Path(override).expanduser() if override else kit_folder("datasets/library", "participant/library")
    if not folder.is_dir():
        hint = (f"unset {ENV_VAR} or point it at a folder of library CSVs" if override else
                f"run `python datasets/library/make_library_data.py` from the repository root, "
                f"or set {ENV_VAR} to a folder of library CSVs")
        raise FileNotFoundError(f"Library data folder not found: {folder} ({hint}).")
    return folder


def available() -> list[str]:
    """Names accepted by :func:`load` (the CSV file names without ``.csv``), sorted."""
    return sorted(p.stem for p in data_dir().glob("*.csv"))


def _cat(values: list[str]) -> pd.CategoricalDtype:
    return pd.CategoricalDtype(values)


# Per-dataset read options. Anything not listed is left to pandas' defaults.
_DTYPES = {
    "monthly_circulation": {"month": "str"},
    "teachers": {"teacher_id": "str", "subject": "category", "grade": "int64"},
    "collaboration_log": {"teacher_id": "str", "subject": "category", "grade": "int64",
                          "activity": _cat(ACTIVITIES), "co_taught": "str", "minutes": "int64", "skills": "str"},
    "outreach_log": {"activity": "str", "audience": _cat(AUDIENCES), "channel": _cat(CHANNELS),
                     "reach": "int64", "responses": "int64", "evidence": "str"},
    # Int64 (capital I) keeps 1-5 answers as whole numbers while allowing blanks (<NA>).
    "stakeholder_survey": {"respondent_id": "str", "role": _cat(ROLES), "comment": "str",
                           **{item: "Int64" for item in SURVEY_ITEMS}},
}


def load(name: str) -> pd.DataFrame:
    """Read one dataset by name (see :func:`available`) with dates parsed and categories set.

    ``monthly_circulation.month`` becomes the first day of the month; ``collaboration_log.co_taught``
    becomes True/False so ``.mean()`` gives the co-taught share directly.
    """
    names = available()
    if name not in names:
        raise ValueError(f"Unknown dataset {name!r}. Available: {', '.join(names) or '(none)'}.")
    df = pd.read_csv(data_dir() / f"{name}.csv", dtype=_DTYPES.get(name))
    if "date" in df.columns:
        df["date"] = pd.to_datetime(df["date"], format="%Y-%m-%d")
    if name == "monthly_circulation":
        df["month"] = pd.to_datetime(df["month"], format="%Y-%m")
    if name == "collaboration_log":
        flags = df["co_taught"].str.strip().str.lower().map({"yes": True, "no": False})
        if flags.isna().any():  # don't let a typo silently count as co-taught
            bad = sorted(set(df.loc[flags.isna(), "co_taught"].astype(str)))
            raise ValueError(f"collaboration_log.co_taught must be yes or no; found {bad}.")
        df["co_taught"] = flags.astype(bool)
    return df


def _row(indicator: str, value: float, unit: str, how: str) -> dict:
    return {"indicator": indicator, "value": float(value), "unit": unit, "how computed": how}


def indicators() -> pd.DataFrame:
    """Headline Influence indicators for the school year, one row each.

    Columns: indicator, value (unrounded), unit, how computed. Per-student figures divide by the
    average monthly enrollment, because enrollment changes a little during the year.
    """
    teachers = load("teachers")
    collab = load("collaboration_log")
    circ = load("monthly_circulation")
    outreach = load("outreach_log")
    n_teachers = teachers["teacher_id"].nunique()
    students = circ["enrollment"].mean()
    rows = [
        _row("Collaborations per teacher", len(collab) / n_teachers, "collaborations per teacher",
             "rows in collaboration_log / teachers in teachers.csv"),
        _row("Share of teachers reached", 100 * collab["teacher_id"].nunique() / n_teachers, "% of teachers",
             "distinct teacher_id in collaboration_log / teachers in teachers.csv x 100"),
        _row("Co-taught share", 100 * collab["co_taught"].mean(), "% of collaborations",
             "collaborations with co_taught = yes / all collaborations x 100"),
        _row("Collaboration time", collab["minutes"].sum() / 60, "hours",
             "sum of minutes in collaboration_log / 60"),
        _row("Checkouts per student (year)", circ["checkouts"].sum() / students, "checkouts per student",
             "sum of checkouts (print) / average enrollment"),
        _row("E-book checkouts per student (year)", circ["ebook_checkouts"].sum() / students,
             "e-book checkouts per student", "sum of ebook_checkouts / average enrollment"),
        _row("Visits per student (year)", circ["visits"].sum() / students, "visits per student",
             "sum of visits / average enrollment"),
        _row("Outreach reach total", outreach["reach"].sum(), "people reached (not unique)",
             "sum of reach in outreach_log; a parent reached twice counts twice"),
    ]
    return pd.DataFrame(rows)


def monthly_per_student() -> pd.DataFrame:
    """Checkouts and visits per enrolled student, month by month (that month's enrollment)."""
    circ = load("monthly_circulation")
    return pd.DataFrame({
        "month": circ["month"],
        "enrollment": circ["enrollment"],
        "checkouts_per_student": circ["checkouts"] / circ["enrollment"],
        "visits_per_student": circ["visits"] / circ["enrollment"],
    })
