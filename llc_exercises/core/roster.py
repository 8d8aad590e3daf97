"""A cohort roster: CSV with at least an ``id`` column (name, school, district, cohort optional)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..errors import LeadingEdgeError
from .paths import ParticipantIdError, check_participant_id

COLUMNS = ("id", "name", "school", "district", "cohort")


def csv_safe(text: str) -> str:
    """Spreadsheet apps run cells that start with = + - @ as formulas; neutralise them."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class RosterError(LeadingEdgeError, ValueError):
    pass


@dataclass(frozen=True)
class Member:
    row: int  # line number in the CSV, for messages
    id: str
    details: dict


def read_roster(path: Path) -> tuple[list[Member], list[str]]:
    """Members that can be built, and one message per row that cannot (naming file and line)."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # spreadsheets often add a BOM
    except FileNotFoundError:
        raise RosterError(f"Roster {path} not found. Pass the CSV exported from your sign-up sheet "
                          "with --roster.") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "id" not in header:
        raise RosterError(f"Roster {path} has no 'id' column (columns: {', '.join(header) or 'none'}). "
                          f"Expected columns: {', '.join(COLUMNS)}.")
    reader.fieldnames = header
    members, problems = [], []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        raw_id = (row.get("id") or "").strip()
        try:
            pid = check_participant_id(raw_id, f"{path}, line {line}: participant id")
        except ParticipantIdError as exc:
            problems.append(str(exc) + " Fix the id in the roster.")
            continue
        # Case-insensitive: 'Ann' and 'ann' would share one output file on macOS/Windows.
        if pid.lower() in seen:
            problems.append(f"{path}, line {line}: id {pid!r} repeats line {seen[pid.lower()]}; "
                            "skipped. Give each participant a distinct id.")
            continue
        seen[pid.lower()] = line
        details = {k: (row.get(k) or "").strip() for k in COLUMNS if k != "id" and row.get(k)}
        members.append(Member(line, pid, details))
    return members, problems
