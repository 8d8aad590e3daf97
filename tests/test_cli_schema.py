"""``llc schema`` and ``llc validate``: generated from the definitions; messages name key and problem."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from llc_exercises.cli import main
from llc_exercises.core import definitions as defs
from llc_exercises.core import schema as llc_schema

LLC = [sys.executable, "-m", "llc_exercises.cli"]


def run(*args):
    return subprocess.run([*LLC, *args], capture_output=True, text=True, timeout=120)


def example_value(f: defs.Field):
    """A valid value for any field, built only from what the schema says (as a tool would)."""
    return {"short_text": "text", "long_text": "more\ntext", "choice": (f.options or [None])[0],
            "multi_choice": list(f.options[:2]), "scale": len(f.levels), "number": f.min or 3,
            "date": "2026-01-31",
            "table": [{c.id: example_value(c) for c in f.columns}]}[f.type]


def test_schema_lists_every_answer_key_with_its_type():
    proc = run("schema")
    assert proc.returncode == 0
    schema = json.loads(proc.stdout)
    Draft202012Validator.check_schema(schema)
    props = schema["properties"]["answers"]["properties"]
    assert set(props) == set(defs.all_fields())
    for key, f in defs.all_fields().items():
        assert llc_schema.llc_type(props[key]["properties"]["value"]) == f.type
    listing = run("schema", "--keys").stdout.splitlines()
    assert len(listing) == len(defs.all_fields())
    assert "visioning.strategic_plan.rows\ttable\tPlan rows" in listing


def test_a_file_filled_from_the_schema_alone_validates(tmp_path):
    schema = json.loads(run("schema").stdout)
    answers = {}
    for key in schema["properties"]["answers"]["properties"]:
        answers[key] = {"value": example_value(defs.field_for_key(key)), "updated": "2026-01-01T00:00:00+00:00"}
    doc = {"schema_version": 2, "participant": {"id": "full", "name": "Full Filler"}, "answers": answers}
    path = tmp_path / "full.json"
    path.write_text(json.dumps(doc))
    proc = run("validate", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{path}: valid" in proc.stdout


def test_validate_names_each_key_and_problem(tmp_path):
    doc = {"schema_version": 2, "participant": {"id": "bad"}, "answers": {
        "visioning.core_beliefs.why": {"value": 42},
        "visioning.soar_swot.lens": {"value": "PEST"},
        "visioning.communication_plan.confidence": {"value": 9},
        "visioning.strategic_plan.rows": {"value": [{"goal": "ok", "start": "01/02/2026", "color": "red"}]},
        "visioning.made_up.field": {"value": "x"},
    }}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    proc = run("validate", str(path))
    assert proc.returncode == 1
    out = proc.stdout
    assert "answer 'visioning.core_beliefs.why': 42 is not of type 'string', 'null'" in out
    assert "answer 'visioning.soar_swot.lens': 'PEST' is not one of" in out
    assert "answer 'visioning.communication_plan.confidence': 9 is greater than the maximum of 5" in out
    assert "answer 'visioning.strategic_plan.rows' row 1 column 'start': '01/02/2026' is not a valid date" in out
    assert "answer 'visioning.strategic_plan.rows' row 1" in out and "'color' was unexpected" in out
    assert "answer 'visioning.made_up.field': unknown key" in out
    assert "5 problem(s)" not in out  # six problems, each reported once
    assert "6 problem(s)" in out


def test_validate_reports_missing_and_corrupt_files(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    proc = run("validate", str(tmp_path / "nope.json"), str(broken))
    assert proc.returncode == 1
    assert f"No answers file at {tmp_path / 'nope.json'}" in proc.stderr
    assert f"Answers file {broken} is damaged" in proc.stderr
    assert broken.read_text() == "{not json"  # untouched


def test_validate_accepts_and_migrates_old_files(tmp_path):
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"schema_version": 1, "participant": {"id": "o"},
                               "answers": {"visioning.core_beliefs.why": "v1 answer"}}))
    assert main(["validate", str(old)]) == 0


def test_restore_command(tmp_path, capsys):
    from llc_exercises import AnswerStore

    s = AnswerStore(tmp_path / "r.json", participant={"id": "r"})
    s.set("visioning.core_beliefs.why", "one")
    s.set("visioning.core_beliefs.why", "two")
    s.path.write_text("garbage")
    assert main(["restore", str(s.path)]) == 0
    assert AnswerStore(s.path).get("visioning.core_beliefs.why") == "one"
    assert "damaged copy is kept" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["../../etc/x", "a/b", "..", ".hidden", "", "x" * 65, "semi;colon"])
def test_unsafe_participant_ids_are_refused(bad):
    from llc_exercises.core.paths import ParticipantIdError, answers_path

    with pytest.raises(ParticipantIdError, match="not allowed"):
        answers_path(bad, Path("/tmp"))


def test_facilitator_can_edit_prompts_without_code(tmp_path, monkeypatch):
    import shutil

    edited = tmp_path / "sessions"
    shutil.copytree(defs.BUILTIN_DIR, edited)
    f = edited / "01_visioning.yaml"
    f.write_text(f.read_text().replace("Why do you do it?", "What is your why?"))
    monkeypatch.setenv("LLC_SESSIONS_DIR", str(edited))
    assert defs.field_for_key("visioning.core_beliefs.why").label.startswith("What is your why?")


def test_broken_definition_file_gets_a_message_naming_file_and_entry(tmp_path, monkeypatch):
    (tmp_path / "01_x.yaml").write_text(
        "id: x\nnumber: 1\ntitle: X\nworksheets:\n  - id: w\n    title: W\n    framework: F\n"
        "    fields:\n      - {id: a, type: slider, label: A}\n")
    monkeypatch.setenv("LLC_SESSIONS_DIR", str(tmp_path))
    with pytest.raises(defs.DefinitionError, match=r"01_x\.yaml worksheet 'w' field 'a': type 'slider'"):
        defs.sessions()
    (tmp_path / "01_x.yaml").write_text("id: x\n  bad: [indent")
    with pytest.raises(defs.DefinitionError, match="not valid YAML"):
        defs.sessions()


@pytest.mark.parametrize("args, env, words", [
    (["build", "--roster", "missing.csv", "--answers-dir", "x", "--out", "y"], {}, "Roster missing.csv not found"),
    (["schema"], {"LLC_SESSIONS_DIR": "/no/such/folder"}, "No session files (*.yaml) found in /no/such/folder"),
])
def test_the_command_line_prints_one_line_not_a_traceback(tmp_path, args, env, words):
    import os

    done = subprocess.run([*LLC, *args], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, **env})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [f"llc: {done.stderr.strip()[5:]}"] and words in done.stderr


def test_a_closed_pipe_is_quiet():
    # The full schema (over 100 kB) outgrows the pipe's buffer, so the writer meets the closed end.
    proc = subprocess.Popen([*LLC, "schema"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 0 and first.strip() == b"{" and err == ""


def test_chart_and_panel_kinds_declare_exactly_the_options_they_read():
    from llc_exercises.core import derived
    from llc_exercises.documents import charts

    assert set(defs.CHART_OPTIONS) == set(charts.KINDS)
    assert set(defs.PANEL_OPTIONS) == set(derived.KINDS)


@pytest.mark.parametrize("old, new, words", [
    ("options: {label: action, start: start, end: due, group: goal}",
     "options: {label: action, start: start, end: due_date, group: goal}",
     r"01_visioning\.yaml, worksheet 'strategic_plan', chart 'gantt', option 'end': 'due_date' is not a "
     r"column of the table; its columns: "),
    ("options: {label: action, start: start, end: due, group: goal}",
     "options: {label: action, start: start, end: due, grup: goal}",
     r"worksheet 'strategic_plan', chart 'gantt': unknown option\(s\) 'grup' for kind 'gantt'; it takes: "
     r"label, start, end, group"),
    ("options: {label: action, start: start, end: due, group: goal}",
     "options: {label: action, end: due}",
     r"chart 'gantt': kind 'gantt' needs option 'start' \(column\)"),
    ("kind: gantt", "kind: ganttt", r"unknown chart kind 'ganttt'; known: gantt, "),
])
def test_a_typo_in_chart_options_is_named_when_the_files_load(tmp_path, monkeypatch, old, new, words):
    import shutil

    edited = tmp_path / "sessions"
    shutil.copytree(defs.BUILTIN_DIR, edited)
    f = edited / "01_visioning.yaml"
    assert old in f.read_text()
    f.write_text(f.read_text().replace(old, new, 1))
    monkeypatch.setenv("LLC_SESSIONS_DIR", str(edited))
    with pytest.raises(defs.DefinitionError, match=words):
        defs.sessions()


def test_a_panel_pointing_at_a_missing_field_is_named(tmp_path, monkeypatch):
    import shutil

    edited = tmp_path / "sessions"
    shutil.copytree(defs.BUILTIN_DIR, edited)
    f = edited / "02_relationships.yaml"
    text = f.read_text()
    assert "table: relationships.stakeholders.rows" in text
    f.write_text(text.replace("table: relationships.stakeholders.rows", "table: relationships.stakeholders.row"))
    monkeypatch.setenv("LLC_SESSIONS_DIR", str(edited))
    with pytest.raises(defs.DefinitionError, match=r"panel 'quadrants', option 'table': "
                                                   r"'relationships.stakeholders.row' is not a field"):
        defs.sessions()


@pytest.mark.parametrize("title, words", [
    ("W" * 10_000, "'title' is 10,000 characters"),
    ("Line one\nline two", "'title' runs over several lines"),
])
def test_a_worksheet_heading_too_long_for_a_bookmark_is_named(tmp_path, monkeypatch, title, words):
    import shutil

    import yaml

    edited = tmp_path / "sessions"
    shutil.copytree(defs.BUILTIN_DIR, edited)
    f = edited / "01_visioning.yaml"
    raw = yaml.safe_load(f.read_text(encoding="utf-8"))
    raw["worksheets"][1]["title"] = title
    f.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("LLC_SESSIONS_DIR", str(edited))
    wid = raw["worksheets"][1]["id"]
    with pytest.raises(defs.DefinitionError, match=rf"01_visioning\.yaml worksheet '{wid}': {words}.*at most 200"):
        defs.sessions()
