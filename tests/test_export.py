"""``llc export``: a participant's plans as an XLSX workbook or one CSV per plan, read back with
openpyxl and the csv module. Text a spreadsheet would run as a formula stays text; markup, emoji and
right-to-left text come back exactly; a failed export leaves no new file behind."""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers import SAMPLE

from llc_exercises.cli import main
from llc_exercises.core import definitions as defs
from llc_exercises.core import files
from llc_exercises.core.roster import csv_safe
from llc_exercises.core.schema import AnswerValueError
from llc_exercises.core.store import AnswerFileError, AnswerStore
from llc_exercises.facilitator import export

TITLES = [title for title, _ in export.PLANS]
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "=1+1", "a\r\nb"]
ON = dt.date(2026, 6, 5)


def sample(pid: str) -> dict:
    return json.loads((SAMPLE / "answers" / f"{pid}.json").read_text(encoding="utf-8"))


def values(doc: dict) -> dict:
    return {k: e["value"] for k, e in doc["answers"].items()}


def rich_participant() -> str:
    """A sample participant with a strategic plan and a PD log (found, so a regenerated sample still works)."""
    for path in sorted((SAMPLE / "answers").glob("*.json")):
        a = values(json.loads(path.read_text(encoding="utf-8")))
        if a.get("visioning.strategic_plan.rows") and a.get("opportunity.pd_log.log"):
            return path.stem
    pytest.fail("no sample participant has both a strategic plan and a PD log")


def headers(ws) -> list:
    return [c.value for c in ws[1]]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_plan_list_names_real_tables():
    assert len({t for t, _ in export.PLANS}) == len(export.PLANS)
    for title, key in export.PLANS:
        assert defs.field_for_key(key).type == "table", key
        assert len(title) <= 31 and not re.search(r"[\[\]:*?/\\]", title)  # a valid sheet name


def test_xlsx_has_about_then_one_sheet_per_plan_with_the_participants_rows(tmp_path):
    pid = rich_participant()
    doc = sample(pid)
    a = values(doc)
    out = tmp_path / "plans.xlsx"
    assert export.export(SAMPLE / "answers" / f"{pid}.json", out, on=ON) == [out]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["About", *TITLES]
    for title, key in export.PLANS:
        assert headers(wb[title]) == [c.label for c in defs.field_for_key(key).columns], title
        assert wb[title].freeze_panes == "A2" and wb[title]["A1"].font.b

    plan = wb["Strategic plan"]
    first = a["visioning.strategic_plan.rows"][0]
    row = {c.id: cell for c, cell in zip(defs.field_for_key("visioning.strategic_plan.rows").columns, plan[2])}
    assert row["goal"].value == first.get("goal") and row["action"].value == first.get("action")
    if first.get("start"):
        assert row["start"].is_date and row["start"].value.date() == dt.date.fromisoformat(first["start"])
    if first.get("cost") is not None:
        assert row["cost"].data_type == "n" and row["cost"].value == first["cost"]

    log = a["opportunity.pd_log.log"]
    pd = wb["PD log"]
    assert pd.max_row == 1 + len(log)
    for r, entry in enumerate(log, 2):
        if entry.get("hours") is not None:
            assert pd.cell(r, 5).data_type == "n" and pd.cell(r, 5).value == entry["hours"]
        if entry.get("date"):
            assert pd.cell(r, 1).is_date and pd.cell(r, 1).value.date() == dt.date.fromisoformat(entry["date"])
            assert pd.cell(r, 1).number_format == "yyyy-mm-dd"

    about = {r[0].value: r[1].value for r in wb["About"].iter_rows(max_row=8)}
    p = doc["participant"]
    assert about["Participant"] == p["name"] and about["School"] == p["school"]
    assert about["District"] == p["district"] and about["Cohort"] == p["cohort"]
    assert about["Exported"].date() == ON
    assert "Leading Edge" in about["Exported by"] and "headings only" in about["Note"]
    widths = [d.width for d in plan.column_dimensions.values()]
    assert widths and all(10 <= w <= 60 for w in widths)


def test_plans_with_no_rows_keep_their_shape_and_example_rows_are_not_exported(tmp_path):
    store = AnswerStore(tmp_path / "p.json", participant={"id": "p", "name": "Pat"})
    store.set("visioning.core_beliefs.why", "Because.")
    store.set("relationships.engagement_plan.actions", [{}, {"stakeholder": ""}])  # rows left blank
    export.export(store.path, tmp_path / "x.xlsx", on=ON)
    wb = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert wb.sheetnames == ["About", *TITLES]
    for title in TITLES:  # the marketing plan and impact plan start with example rows in the form
        assert wb[title].max_row == 1 and headers(wb[title])[0], title
    export.export(store.path, tmp_path / "x.csv")
    for title in TITLES:
        with export.csv_path(tmp_path / "x.csv", title).open(encoding="utf-8-sig", newline="") as fh:
            assert len(list(csv.reader(fh))) == 1, title


def formula_store(tmp_path: Path, name: str = "=cmd|' /C calc'!A0") -> AnswerStore:
    store = AnswerStore(tmp_path / "f.json", participant={"id": "f", "name": name})
    store.set("visioning.strategic_plan.rows",
              [{"goal": v, "measure": v, "cost": 12.5, "start": "2026-01-05"} for v in FORMULAS])
    return store


def test_xlsx_stores_formula_looking_text_as_text(tmp_path):
    store = formula_store(tmp_path)
    out = tmp_path / "f.xlsx"
    export.export(store.path, out, on=ON)
    with zipfile.ZipFile(out) as z:  # no cell anywhere holds a formula
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    wb = openpyxl.load_workbook(out)
    plan = wb["Strategic plan"]
    for r, v in enumerate(FORMULAS, 2):
        for cell in (plan.cell(r, 1), plan.cell(r, 7)):
            assert cell.data_type == "s" and cell.value == v, (r, v)
            assert cell.quotePrefix == (v[0] in "=+-@\t\r"), v
        assert plan.cell(r, 8).data_type == "n" and plan.cell(r, 8).value == 12.5  # numbers stay numbers
    name = wb["About"]["B1"]
    assert name.data_type == "s" and name.value == "=cmd|' /C calc'!A0" and name.quotePrefix


def test_csv_files_beside_the_name_with_bom_and_neutralised_formulas(tmp_path, capsys):
    store = formula_store(tmp_path)
    out = tmp_path / "out" / "plans.csv"
    assert main(["export", "--answers", str(store.path), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    expected = [out.with_name(f"plans-{slug}.csv") for slug in
                ("strategic-plan", "engagement-plan", "marketing-plan", "impact-plan", "value-tracking", "pd-log")]
    assert printed == [str(p) for p in expected]
    assert listing(out.parent) == sorted(p.name for p in expected)  # no temporary file left
    raw = expected[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with expected[0].open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [c.label for c in defs.field_for_key("visioning.strategic_plan.rows").columns]
    for row, v in zip(rows[1:], FORMULAS):
        assert row[0] == row[6] == csv_safe(v) == ("'" + v if v[0] in "=+-@\t\r" else v)
        assert row[4] == "2026-01-05" and row[7] == "12.5" and row[5] == ""


def test_tmarkup_text_round_trips_exactly(tmp_path):
    """tmarkup's markup, emoji and right-to-left answers, put into plan cells and the About sheet."""
    doc = sample("tmarkup")
    why, vision = doc["answers"]["visioning.core_beliefs.why"]["value"], \
        doc["answers"]["visioning.mission_vision.vision"]["value"]
    assert "<script>" in why and "📚" in vision and "مكتبة" in vision
    store = AnswerStore(tmp_path / "tmarkup.json", participant=doc["participant"])
    store.update({"visioning.strategic_plan.rows": [{"goal": why, "measure": vision}],
                  "opportunity.pd_log.log": [{"activity": vision, "reflection": why, "hours": 1.5}]},
                 participant={**doc["participant"], "school": vision})
    export.export(store.path, tmp_path / "t.xlsx", on=ON)
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    assert [wb["Strategic plan"]["A2"].value, wb["Strategic plan"]["G2"].value] == [why, vision]
    assert [wb["PD log"]["B2"].value, wb["PD log"]["G2"].value, wb["PD log"]["E2"].value] == [vision, why, 1.5]
    assert wb["About"]["B1"].value == doc["participant"]["name"] and wb["About"]["B3"].value == vision
    export.export(store.path, tmp_path / "t.csv")
    with (tmp_path / "t-strategic-plan.csv").open(encoding="utf-8-sig", newline="") as fh:
        row = list(csv.reader(fh))[1]
    assert (row[0], row[6]) == (why, vision)


def test_cells_read_as_a_spreadsheet_would_hold_them():
    scale = defs.Field(id="s", type="scale", label="S", levels=("Low", "Middle", "High"))
    many = defs.Field(id="m", type="multi_choice", label="M", options=("a", "b", "c"))
    day = defs.Field(id="d", type="date", label="D")
    num = defs.Field(id="n", type="number", label="N")
    assert export.cell_value(scale, 2) == "2 · Middle"
    assert export.cell_value(many, ["a", "c"]) == "a; c"
    assert export.cell_value(day, "2026-02-03") == dt.date(2026, 2, 3)
    assert export.cell_value(num, 2.5) == 2.5 and export.cell_value(num, float("nan")) == "nan"
    assert [export.cell_value(f, v) for f, v in ((scale, None), (many, []), (day, ""), (num, None))] == [None] * 4


def test_xml_forbidden_control_characters_are_written_the_way_excel_reads_them():
    assert export.xlsx_text("a\x0bb\x00") == "a_x000B_b_x0000_"
    assert export.xlsx_text("keep _x0041_ literal") == "keep _x005F_x0041_ literal"
    assert export.xlsx_text("tab\tnew\nline\r") == "tab\tnew\nline\r"
    assert len(export.xlsx_text("x" * 40_000)) == export.XLSX_CELL_LIMIT


def test_a_bad_suffix_is_a_usage_error_and_writes_nothing(tmp_path, capsys):
    pid = rich_participant()
    assert main(["export", "--answers", str(SAMPLE / "answers" / f"{pid}.json"),
                 "--out", str(tmp_path / "plans.ods")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("llc: --out must end in .xlsx") and ".csv" in err
    assert listing(tmp_path) == []
    with pytest.raises(export.ExportError):
        export.export(SAMPLE / "answers" / f"{pid}.json", tmp_path / "plans")


def test_a_missing_or_damaged_answers_file_gives_the_stores_message(tmp_path, capsys):
    assert main(["export", "--answers", str(tmp_path / "nobody.json"), "--out", str(tmp_path / "x.xlsx")]) == 1
    assert "llc: No answers file at" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(AnswerFileError, match="is damaged"):
        export.export(tmp_path / "bad.json", tmp_path / "x.csv")
    assert listing(tmp_path) == ["bad.json"]


def test_an_answer_that_does_not_fit_its_field_is_named(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"schema_version": 2, "participant": {"id": "p"}, "answers": {
        "opportunity.pd_log.log": {"value": [{"hours": "three"}]}}}), encoding="utf-8")
    with pytest.raises(AnswerValueError, match=r"opportunity.pd_log.log.*row 1 column 'hours'.*llc validate"):
        export.export(path, tmp_path / "x.xlsx")
    assert listing(tmp_path) == ["p.json"]


@pytest.mark.parametrize("out", ["x.csv", "x.xlsx"])
def test_a_failure_while_placing_files_leaves_no_new_file(tmp_path, monkeypatch, out):
    store = formula_store(tmp_path / "answers")
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "x-strategic-plan.csv").write_text("an older export\n", encoding="utf-8")
    real, calls = files.os.replace, []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 3 or out.endswith("xlsx"):
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", flaky)
    with pytest.raises(export.ExportError, match="No space left on device. Nothing was written"):
        export.export(store.path, folder / out)
    # Only the file that was there before; nothing new, no temporary file.
    assert listing(folder) == ["x-strategic-plan.csv"]


def test_a_failure_while_writing_leaves_no_temporary_file(tmp_path, monkeypatch):
    store = formula_store(tmp_path)
    folder = tmp_path / "exports"
    real, calls = files.os.fsync, []

    def flaky(fd):
        calls.append(fd)
        if len(calls) == 4:
            raise OSError(5, "Input/output error")
        real(fd)

    monkeypatch.setattr(files.os, "fsync", flaky)
    with pytest.raises(export.ExportError, match="Input/output error"):
        export.export(store.path, folder / "x.csv")
    assert listing(folder) == []
