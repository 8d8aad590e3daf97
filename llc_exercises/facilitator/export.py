"""A participant's plans for district systems (``llc export``): an XLSX with a sheet per plan, or a CSV
per plan, always the same shape (headers even for an empty plan), real dates and numbers, formula-
looking text kept as text, UTF-8 with BOM for Excel; all files are written or none."""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core import definitions as defs
from ..core.files import PRIVATE, write_all
from ..core.roster import csv_safe
from ..core.store import read_answers
from ..core.values import is_blank, level_text
from ..errors import LeadingEdgeError

KIT = "Leading Edge"
# (sheet title, answer key of the plan's table), in the order sheets and files are written. The
# impact plan is Influence's measurement indicators; value tracking (Opportunity) is its own sheet.
PLANS: tuple[tuple[str, str], ...] = (
    ("Strategic plan", "visioning.strategic_plan.rows"),
    ("Engagement plan", "relationships.engagement_plan.actions"),
    ("Marketing plan", "promotion.marketing_plan.rows"),
    ("Impact plan", "influence.measurement_plan.indicators"),
    ("Value tracking", "opportunity.value_tracking.rows"),
    ("PD log", "opportunity.pd_log.log"),
)
SUFFIXES = (".xlsx", ".csv")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what roster.csv_safe neutralises
XLSX_CELL_LIMIT = 32_767  # characters Excel keeps in one cell
NOTE = ("Exported from the participant's saved answers. Each plan is one sheet, headed with the "
        "column labels of the worksheet it comes from; a plan with no rows yet has its headings only, "
        "so every export has the same shape. Ratings are written as their level labels, several choices "
        "are separated by \"; \", dates are dates and numbers are numbers.")

Value = str | int | float | dt.date | None


class ExportError(LeadingEdgeError, ValueError):
    """The export cannot be made; the message says which file and what to do."""


@dataclass(frozen=True)
class Plan:
    title: str
    table: defs.Field
    rows: tuple[tuple[Value, ...], ...]

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.label for c in self.table.columns)

    @property
    def worksheet(self) -> defs.Worksheet:
        return defs.worksheet(self.table.key.rsplit(".", 1)[0])


def check_out(out: Path) -> str:
    """``"xlsx"`` or ``"csv"`` from the output's suffix; an ExportError for anything else."""
    kind = Path(out).suffix.lower()
    if kind not in SUFFIXES:
        raise ExportError(f"--out must end in .xlsx (one workbook, a sheet per plan) or .csv (one file "
                          f"per plan, named after it); got {str(out)!r}.")
    return kind[1:]


def cell_value(col: defs.Field, value) -> Value:
    """One table cell as a spreadsheet holds it; None when blank."""
    if is_blank(value):
        return None
    if col.type == "scale":
        return level_text(col, value)
    if col.type == "multi_choice":
        return "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    if col.type == "date":
        try:
            return dt.date.fromisoformat(value)
        except (TypeError, ValueError):  # read_answers refuses these first; never write one as text
            raise ExportError(f"{value!r} in column '{col.id}' is not a valid date (YYYY-MM-DD); "
                              "nothing was written.") from None
    if col.type == "number" and isinstance(value, (int, float)) and not isinstance(value, bool) \
            and math.isfinite(value):
        return value
    return str(value)


def plans(answers: Mapping) -> list[Plan]:
    """Every plan of ``PLANS`` with the participant's rows (none when the table was never saved)."""
    out = []
    for title, key in PLANS:
        table = defs.field_for_key(key)
        rows = []
        for row in answers.get(key) or ():
            cells = tuple(cell_value(c, row.get(c.id)) for c in table.columns)
            if any(v is not None for v in cells):
                rows.append(cells)
        out.append(Plan(title, table, tuple(rows)))
    return out


# ---- CSV ----------------------------------------------------------------------------------------
def csv_path(out: Path, title: str) -> Path:
    """``x.csv`` + "Strategic plan" → ``x-strategic-plan.csv`` beside it."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return out.with_name(f"{out.stem}-{slug}.csv")


def csv_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return str(value)
    return csv_safe(value)


def csv_bytes(plan: Plan) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow([csv_safe(h) for h in plan.headers])
    writer.writerows([csv_text(v) for v in row] for row in plan.rows)
    return buf.getvalue().encode("utf-8-sig")


# ---- XLSX ---------------------------------------------------------------------------------------
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_OOXML_ESCAPE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")


def xlsx_text(text: str) -> str:
    """Text as it must be stored for Excel to read back exactly ``text``. Control characters that
    XML cannot carry are written the way Excel itself writes them (``_x000B_``), so a literal
    ``_x…_`` in the text has its underscore written the same way; a cell longer than Excel keeps
    ends in "…"."""
    text = _OOXML_ESCAPE.sub("_x005F_", text)
    text = _XML_ILLEGAL.sub(lambda m: f"_x{ord(m[0]):04X}_", text)
    return text if len(text) <= XLSX_CELL_LIMIT else text[: XLSX_CELL_LIMIT - 1] + "…"


def _put(ws, row: int, col: int, value: Value):
    """Write one cell: text always a string cell (never a formula), dates as dates."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell.value = xlsx_text(value)
        cell.data_type = "s"  # openpyxl would make "=…" a formula
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True  # Excel shows it as text, and keeps it text when edited
    else:
        cell.value = value
        if isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
    return cell


def _width(value: Value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _table_sheet(ws, headers, rows, header_fill) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wrap = Alignment(wrap_text=True, vertical="top")
    for c, h in enumerate(headers, 1):
        cell = _put(ws, 1, c, h)
        cell.font, cell.alignment, cell.fill = Font(bold=True), wrap, header_fill
    for r, row in enumerate(rows, 2):
        for c, value in enumerate(row, 1):
            _put(ws, r, c, value).alignment = wrap
    for c, h in enumerate(headers, 1):
        longest = max([_width(h), *(_width(row[c - 1]) for row in rows)])
        ws.column_dimensions[get_column_letter(c)].width = min(60, max(10, longest + 2))
    ws.freeze_panes = "A2"
    if headers:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"


def xlsx_bytes(all_plans: list[Plan], participant: Mapping, on: dt.date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    fill = PatternFill("solid", fgColor="E9EEF4")
    wb = Workbook()
    about = wb.active
    about.title = "About"
    details: list[tuple[str, Value]] = [
        ("Participant", participant.get("name") or None), ("Participant id", participant.get("id") or None),
        ("School", participant.get("school") or None), ("District", participant.get("district") or None),
        ("Cohort", participant.get("cohort") or None), ("Exported", on),
        ("Exported by", f"{KIT}, the training kit for the On the Leading Edge library-leadership series"),
        ("Note", NOTE)]
    for r, (label, value) in enumerate(details, 1):
        _put(about, r, 1, label).font = Font(bold=True)
        _put(about, r, 2, value).alignment = Alignment(wrap_text=True, vertical="top")
    first = len(details) + 2
    for c, h in enumerate(("Sheet", "Worksheet", "Answer key", "Rows"), 1):
        cell = _put(about, first, c, h)
        cell.font, cell.fill = Font(bold=True), fill
    for r, plan in enumerate(all_plans, first + 1):
        cells: tuple[Value, ...] = (plan.title, plan.worksheet.title, plan.table.key, len(plan.rows))
        for c, v in enumerate(cells, 1):
            _put(about, r, c, v)
    for col, width in zip("ABCD", (16, 70, 40, 8)):
        about.column_dimensions[col].width = width
    for plan in all_plans:
        _table_sheet(wb.create_sheet(plan.title), plan.headers, plan.rows, fill)
    buf = io.BytesIO()
    wb.save(buf)
    return _keep_carriage_returns(buf.getvalue())


def _keep_carriage_returns(xlsx: bytes) -> bytes:
    """openpyxl writes a carriage return in a cell as itself, which every XML reader turns into a
    line feed; as the character reference ``&#13;`` it reads back as typed. (In the package's XML a
    raw CR can only come from cell text.)"""
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".xml"):
                data = data.replace(b"\r", b"&#13;")
            dst.writestr(info, data)
    return out.getvalue()





def export(answers_file: Path, out: Path, on: dt.date | None = None) -> list[Path]:
    """Write one participant's plans to ``out`` (.xlsx, or .csv for one file per plan beside it);
    returns the paths written. Raises AnswerFileError for a missing or damaged answers file and
    ExportError for anything else, leaving no new file behind."""
    out = Path(out)
    kind = check_out(out)
    participant, answers = read_answers(Path(answers_file), [key for _, key in PLANS])
    all_plans = plans(answers)
    if kind == "xlsx":
        files = {out: xlsx_bytes(all_plans, participant, on or dt.date.today())}
    else:
        files = {csv_path(out, p.title): csv_bytes(p) for p in all_plans}
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_all(files, access=PRIVATE)
    except OSError as exc:
        raise ExportError(f"Could not write {out}: {exc.strerror or exc}. Nothing was written.") from None
    return list(files)
