"""The kernel-side value check agrees with jsonschema, and a notebook's first cell stays light.

``schema.value_errors`` checks every saved keystroke without importing jsonschema (over a second in
a kernel, for its format grammars). It must give the same verdict as jsonschema on every field of the
kit, or the store would accept what ``llc validate`` and the hub service later refuse.
"""
from __future__ import annotations

import subprocess
import sys

import pytest
from jsonschema import Draft202012Validator

from llc_exercises.core import definitions as defs
from llc_exercises.core import schema

SCALARS = [None, "", "text", "2026-01-31", "2026-1-31", 0, 1, 3, 3.0, 3.5, -1, 10**6, True, False,
           [], {}, ["x"],
           # dates the pattern lets through but the calendar lacks, and forms fromisoformat takes
           "2025-02-30", "2026-02-29", "2028-02-29", "2026-13-01", "yesterday", "20260131", "2026-W05-6",
           "\uff12\uff10\uff12\uff16-01-31", "2026-01-31T09:00:00+00:00"]


def candidates(f: defs.Field) -> list:
    out = list(SCALARS)
    out += [list(f.options[:1]), list(f.options[:2]), [f.options[0]] * 2] if f.options else []
    out += list(f.options) + list(range(len(f.levels) + 2))
    if f.type == "table":
        row = {c.id: v for c, v in zip(f.columns, ["a", 1, None, "2026-02-03", 2.5])}
        out += [[row], [row, row], [{"nope": 1}], [{f.columns[0].id: 5}], [dict(r) for r in f.seed_rows],
                [{c.id: c.options[0] for c in f.columns if c.options}], [1], [None]]
        for c in f.columns:
            out += [[{c.id: v}] for v in candidates(c)]
    return out


@pytest.mark.parametrize("key", list(defs.all_fields()))
def test_value_check_gives_jsonschemas_verdict(key):
    f = defs.field_for_key(key)
    vs = schema.value_schema(f)
    reference = Draft202012Validator(vs, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for value in candidates(f):
        theirs = list(reference.iter_errors(value))
        # the kit reports a bad date once, as a date (``problems`` drops the pattern's repeat)
        bad_format = {tuple(e.path) for e in theirs if e.validator == "format"}
        theirs = [e for e in theirs if not (e.validator == "pattern" and tuple(e.path) in bad_format)]
        ours = list(schema.value_errors(vs, value))
        assert bool(ours) == bool(theirs), (key, value, ours, [e.message for e in theirs])
        if theirs and len(theirs) == 1 and len(ours) == 1:
            assert ours[0][1] == schema.message(theirs[0]) and list(ours[0][0]) == list(theirs[0].path)


def test_store_messages_name_the_key_as_before(store):
    with pytest.raises(schema.AnswerValueError, match=r"answer 'visioning.communication_plan.confidence': "
                                                      r"9 is greater than the maximum of 5"):
        store.set("visioning.communication_plan.confidence", 9)


def test_first_cell_imports_neither_jsonschema_nor_matplotlib():
    code = ("import sys; from llc_exercises import notebook; "
            "print(sorted(m for m in ('jsonschema', 'matplotlib', 'pandas', 'ipywidgets', 'papermill') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_quick_verdict_on_a_whole_document_is_jsonschemas():
    """``problems`` asks jsonschema-rs first (twenty times quicker, for the hub's sends) and
    jsonschema only for the wording of a refusal: both must refuse exactly the same documents."""
    reference = Draft202012Validator(schema.answers_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    quick = schema._fast_validator()
    stamp = "2026-01-31T09:00:00.000+00:00"
    base = {"schema_version": schema.SCHEMA_VERSION, "participant": {"id": "ann", "name": "Ann"}, "answers": {}}
    docs = []
    for key, f in defs.all_fields().items():
        docs += [{**base, "answers": {key: {"value": v, "updated": stamp}}} for v in candidates(f)]
        docs += [{**base, "answers": {key: {"value": None, "updated": u}}}
                 for u in ("2026-01-31T09:00:00", "2026-02-30T09:00:00Z", "yesterday", None, 5)]
        docs.append({**base, "answers": {key: {"value": None}}})
        docs.append({**base, "answers": {key: {"value": None, "updated": stamp, "extra": 1}}})
    docs += [{**base, "participant": "ann"}, {**base, "answers": []}, {**base, "surprise": 1},
             {k: v for k, v in base.items() if k != "participant"}, {**base, "participant": {"id": 5}}]
    refused = 0
    for doc in docs:
        verdict = reference.is_valid(doc)
        assert quick.is_valid(doc) == verdict, doc
        refused += not verdict
    assert 0 < refused < len(docs)
