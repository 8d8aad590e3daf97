"""Strict answers files: ``date`` and ``date-time`` are checked everywhere a file comes in (``llc
validate``, the store, an upload, a send to the hub service, an export), a missing or unknown
``schema_version`` is one line, and the schema compiles in an independent validator in strict mode.
A file already on disk with an impossible date is reported and kept byte for byte."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from llc_exercises.cli import main
from llc_exercises.core import definitions as defs
from llc_exercises.core import schema
from llc_exercises.core.store import AnswerFileError, AnswerStore, backup_path, read_answers
from llc_exercises.facilitator import export
from llc_exercises.hub.submissions import SubmissionRejected, check_submission
from llc_exercises.participant import carry

ROOT = Path(__file__).resolve().parents[1]
AJV = ROOT / "node_modules" / ".bin" / "ajv"
DRAFTED = "visioning.mission_vision.drafted_on"  # a date field
ROWS = "visioning.strategic_plan.rows"  # a table with date columns start and due
WHY = "visioning.core_beliefs.why"
STAMP = "2026-03-01T10:00:00.000+00:00"
IMPOSSIBLE = ["2025-02-30", "2026-02-29", "2026-13-01", "yesterday", "20260131", "2026-W05-6"]
GOOD = ["2026-02-28", "2028-02-29", "2026-12-31"]


def document(answers: dict, **top) -> dict:
    return {"schema_version": 2, "participant": {"id": "p"}, **top,
            "answers": {k: {"value": v, "updated": STAMP} for k, v in answers.items()}}


def write(path: Path, doc: dict) -> bytes:
    raw = json.dumps(doc, indent=2).encode("utf-8")
    path.write_bytes(raw)
    return raw


def write_to(path: Path, doc: dict) -> str:
    write(path, doc)
    return str(path)


def test_the_field_type_is_a_declared_annotation_not_an_unknown_keyword():
    out = json.dumps(schema.answers_schema())
    assert "x-llc-type" not in out
    assert schema.llc_type(schema.value_schema(defs.field_for_key(DRAFTED))) == "date"
    table = schema.value_schema(defs.field_for_key(ROWS))
    assert schema.llc_type(table) == "table"
    assert schema.llc_type(table["items"]["properties"]["start"]) == "date"


def ajv(*args: str) -> subprocess.CompletedProcess:
    # `make test` installs node_modules (ajv-cli, ajv-formats); a missing one is a failure, not a skip
    assert AJV.exists(), f"{AJV} is missing: run `make test` (it runs npm ci) or `npm ci`"
    assert shutil.which("node"), "node is missing: `make test` installs it (nodejs from Debian)"
    return subprocess.run([str(AJV), *args, "--spec=draft2020", "--strict=true", "-c", "ajv-formats"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_ajv_in_strict_mode_compiles_the_schema_llc_schema_writes(tmp_path):
    printed = subprocess.run([sys.executable, "-m", "llc_exercises.cli", "schema"], capture_output=True,
                             text=True, check=True, timeout=120).stdout
    (tmp_path / "schema.json").write_text(printed, encoding="utf-8")
    done = ajv("compile", "-s", str(tmp_path / "schema.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is valid" in done.stdout + done.stderr


def test_ajv_and_the_kit_agree_on_every_date(tmp_path):
    """An independent validator (ajv with ajv-formats, formats on) gives the kit's verdict."""
    (tmp_path / "schema.json").write_text(schema.schema_json(), encoding="utf-8")
    ours = {}
    for i, when in enumerate(IMPOSSIBLE + GOOD):
        doc = document({DRAFTED: when, ROWS: [{"goal": "g", "start": "2026-01-05", "due": when}]})
        ours[write_to(tmp_path / f"d{i}.json", doc)] = (when, schema.problems(doc))
        assert (when in GOOD) == (not schema.problems(doc)), (when, schema.problems(doc))
    zoneless = document({WHY: "x"})
    zoneless["answers"][WHY]["updated"] = "2026-03-01T10:00:00"
    ours[write_to(tmp_path / "zoneless.json", zoneless)] = ("2026-03-01T10:00:00", schema.problems(zoneless))
    assert ours[str(tmp_path / "zoneless.json")][1] == [
        f"answer '{WHY}' 'updated' time: '2026-03-01T10:00:00' is not a valid date-time (a date and time with "
        "its time zone, e.g. 2026-01-31T09:00:00+00:00)"]
    data = [arg for path in ours for arg in ("-d", path)]
    theirs = ajv("validate", "-s", str(tmp_path / "schema.json"), *data)  # one node start for them all
    for path, (when, problems) in ours.items():
        verdict = "invalid" if f"{path} invalid" in theirs.stderr else "valid" if f"{path} valid" in theirs.stdout \
            else "missing"
        assert verdict == ("invalid" if problems else "valid"), (when, problems, theirs.stdout, theirs.stderr)


@pytest.mark.parametrize("when", ["2025-02-30", "yesterday"])
def test_llc_validate_names_the_key_and_the_value(tmp_path, capsys, when):
    path = tmp_path / "p.json"
    raw = write(path, document({DRAFTED: when, ROWS: [{"goal": "g", "start": "2026-01-05", "due": when}]}))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    hint = "is not a valid date (a date the calendar has, written YYYY-MM-DD)"
    assert f"answer '{DRAFTED}': '{when}' {hint}" in out
    assert f"answer '{ROWS}' row 1 column 'due': '{when}' {hint}" in out
    assert f"{path}: 2 problem(s)" in out  # each bad date once (not again as a pattern mismatch)
    assert path.read_bytes() == raw


def test_a_file_without_schema_version_is_one_line_naming_the_file(tmp_path, capsys):
    doc = document({k: None for k in defs.all_fields()})  # every answer, as version 2 writes them
    del doc["schema_version"]
    path = tmp_path / "p.json"
    raw = write(path, doc)
    assert main(["validate", str(path)]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and captured.out == "", captured
    assert lines[0].startswith(f"llc: Answers file {path} has no \"schema_version\"")
    assert "knows versions 1 and 2" in lines[0] and 'add "schema_version": 2' in lines[0]
    assert path.read_bytes() == raw
    with pytest.raises(AnswerFileError, match="has no \"schema_version\""):
        AnswerStore(path).set(WHY, "x")
    assert path.read_bytes() == raw


@pytest.mark.parametrize("version, words", [(3, "newer version of the kit (schema_version 3; this kit reads up to 2)"),
                                            (0, "schema_version 0, which no version of the kit writes"),
                                            ("2", "schema_version '2', which no version of the kit writes"),
                                            (True, "schema_version True, which no version of the kit writes")])
def test_an_unknown_schema_version_is_one_line(tmp_path, capsys, version, words):
    path = tmp_path / "p.json"
    raw = write(path, document({k: None for k in defs.all_fields()}, schema_version=version))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{path} " in err[0] and words in err[0], err
    assert path.read_bytes() == raw


def test_a_file_of_bare_values_without_a_version_is_still_read_as_version_1(tmp_path):
    path = tmp_path / "old.json"
    write(path, {"participant": {"id": "p"}, "answers": {WHY: "from the first kit"}})
    assert main(["validate", str(path)]) == 0
    assert AnswerStore(path).get(WHY) == "from the first kit"


def test_an_impossible_date_on_disk_is_reported_and_kept(tmp_path):
    path = tmp_path / "answers" / "p.json"
    path.parent.mkdir()
    raw = write(path, document({DRAFTED: "2025-02-30", WHY: "mine"}))
    store = AnswerStore(path)
    assert store.get(DRAFTED) == "2025-02-30" and store.get(WHY) == "mine"  # loading reads, never repairs
    with pytest.raises(schema.AnswerValueError, match=rf"{path}: answer '{DRAFTED}': '2025-02-30' is not a "
                                                      r"valid date.*llc validate"):
        read_answers(path, [DRAFTED])
    with pytest.raises(schema.AnswerValueError, match=rf"answer '{DRAFTED}': '2026-02-31' is not a valid date"):
        store.set(DRAFTED, "2026-02-31")
    assert path.read_bytes() == raw  # a refused save touches nothing
    assert main(["validate", str(path)]) == 1
    assert path.read_bytes() == raw
    store.set(WHY, "mine, edited")  # another answer saves; the bad date stays for its owner to fix
    after = json.loads(path.read_text())
    assert after["answers"][DRAFTED] == {"value": "2025-02-30", "updated": STAMP}
    assert backup_path(path).read_bytes() == raw
    store.set(DRAFTED, dt.date(2025, 2, 28))  # picking a real day replaces it
    assert AnswerStore(path).get(DRAFTED) == "2025-02-28"


def test_a_form_shows_a_saved_impossible_date_and_leaves_the_file_alone(tmp_path):
    from llc_exercises.participant.widgets import WorksheetView

    path = tmp_path / "answers" / "p.json"
    path.parent.mkdir()
    raw = write(path, document({DRAFTED: "2025-02-30"}))
    view = WorksheetView(defs.worksheet(DRAFTED.rsplit(".", 1)[0]), AnswerStore(path))
    control = view.controls["drafted_on"]
    assert control.input.value is None
    assert "“2025-02-30” is not a day the calendar has" in control.error.value
    assert path.read_bytes() == raw


def test_an_upload_with_an_impossible_date_is_refused_naming_key_and_value():
    doc = document({DRAFTED: "2025-02-30", WHY: "ok"})
    with pytest.raises(carry.UploadRefused) as exc:
        carry.read_upload(json.dumps(doc).encode(), "p.json")
    assert f"answer '{DRAFTED}': '2025-02-30' is not a valid date" in str(exc.value)
    assert "Nothing was changed." in str(exc.value)
    no_version = document({WHY: "ok"})
    del no_version["schema_version"]
    with pytest.raises(carry.UploadRefused, match='p.json has no "schema_version"'):
        carry.read_upload(json.dumps(no_version).encode(), "p.json")


def test_the_hub_refuses_an_impossible_date_or_a_zoneless_time():
    doc = document({ROWS: [{"goal": "g", "start": "yesterday"}]})
    with pytest.raises(SubmissionRejected) as exc:
        check_submission("p", json.dumps(doc).encode())
    assert exc.value.status == 400
    assert exc.value.problems == [f"answer '{ROWS}' row 1 column 'start': 'yesterday' is not a valid date "
                                  "(a date the calendar has, written YYYY-MM-DD)"]
    zoneless = document({WHY: "x"})
    zoneless["answers"][WHY]["updated"] = "2026-03-01 10:00:00"
    with pytest.raises(SubmissionRejected) as exc:
        check_submission("p", json.dumps(zoneless).encode())
    assert "'2026-03-01 10:00:00' is not a valid date-time" in exc.value.problems[0]
    missing = document({WHY: "x"})
    del missing["schema_version"]
    with pytest.raises(SubmissionRejected) as exc:
        check_submission("p", json.dumps(missing).encode())
    assert len(exc.value.problems) == 1 and 'has no "schema_version"' in exc.value.problems[0]


@pytest.mark.parametrize("out", ["plans.xlsx", "plans.csv"])
def test_export_never_writes_an_impossible_date_as_text(tmp_path, capsys, out):
    path = tmp_path / "p.json"
    write(path, document({ROWS: [{"goal": "Read more", "start": "2026-01-05", "due": "2025-02-30"}]}))
    assert main(["export", "--answers", str(path), "--out", str(tmp_path / out)]) == 1
    err = capsys.readouterr().err
    assert f"answer '{ROWS}' row 1 column 'due': '2025-02-30' is not a valid date" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]  # nothing written
    with pytest.raises(export.ExportError, match="'2025-02-30' in column 'due' is not a valid date"):
        export.cell_value(next(c for c in defs.field_for_key(ROWS).columns if c.id == "due"), "2025-02-30")


def test_export_writes_a_real_date_as_a_date_cell(tmp_path):
    path = tmp_path / "p.json"
    write(path, document({ROWS: [{"goal": "Read more", "start": "2026-01-05", "due": "2028-02-29"}]}))
    assert main(["export", "--answers", str(path), "--out", str(tmp_path / "plans.xlsx")]) == 0
    book = load_workbook(tmp_path / "plans.xlsx")
    cells = [c.value for row in book.worksheets[1].iter_rows() for c in row]
    assert dt.datetime(2028, 2, 29) in cells and "2028-02-29" not in cells


def test_a_cohort_build_refuses_an_impossible_date_and_keeps_the_value_out_of_shared_files(tmp_path, capsys):
    """The facilitator's terminal quotes the value at fault; the build's index, build-report.csv and
    status file (shared by the permissions rule) say only which file and how to see the problem."""
    answers = tmp_path / "answers"
    answers.mkdir()
    write(answers / "p.json", document({DRAFTED: "2025-02-30"}, participant={"id": "p", "name": "Pat Q"}))
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\np,Pat Q\n", encoding="utf-8")
    out, status = tmp_path / "out", tmp_path / "status.json"
    code = main(["build", "--roster", str(roster), "--answers-dir", str(answers), "--out", str(out),
                 "--format", "html", "--quiet", "--status-file", str(status)])
    told = capsys.readouterr().out
    assert code != 0 and "'2025-02-30'" in told and DRAFTED in told
    shared = {p.name: p.read_text(encoding="utf-8") for p in (out / "index.html", out / "build-report.csv", status)}
    for name, text in shared.items():
        assert "2025-02-30" not in text, name
        assert "llc validate" in text and "p.json" in text, name
    assert not list(out.glob("workbook-*"))
