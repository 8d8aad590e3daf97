"""JSON Schema of an answers file, generated from the worksheet definitions, and validation.

One schema serves three callers: ``llc schema`` prints it, ``llc validate`` checks whole files
against it, and the answer store checks each value before it is written.
"""
from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft202012Validator

from . import definitions as defs

SCHEMA_VERSION = 2
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
PARTICIPANT_FIELDS = ("id", "name", "school", "district", "cohort")


class AnswerValueError(ValueError):
    """A value does not fit its field; the message names the key and what is expected."""


def value_schema(f: defs.Field) -> dict:
    """Schema of one field's stored value. ``null`` always means 'not answered yet'."""
    desc = f.label
    if f.type in ("short_text", "long_text"):
        return {"type": ["string", "null"], "description": desc, "x-llc-type": f.type}
    if f.type == "choice":
        return {"enum": [*f.options, None], "description": desc, "x-llc-type": f.type}
    if f.type == "multi_choice":
        return {"type": "array", "items": {"enum": list(f.options)}, "uniqueItems": True,
                "description": desc, "x-llc-type": f.type}
    if f.type == "scale":
        levels = "; ".join(f"{i} = {lv}" for i, lv in enumerate(f.levels, 1))
        return {"type": ["integer", "null"], "minimum": 1, "maximum": len(f.levels),
                "description": f"{desc} ({levels})", "x-llc-type": f.type}
    if f.type == "number":
        s = {"type": ["number", "null"], "description": desc + (f" [{f.unit}]" if f.unit else ""),
             "x-llc-type": f.type}
        if f.min is not None:
            s["minimum"] = f.min
        if f.max is not None:
            s["maximum"] = f.max
        return s
    if f.type == "date":
        return {"type": ["string", "null"], "pattern": DATE_PATTERN, "format": "date",
                "description": desc + " (YYYY-MM-DD)", "x-llc-type": f.type}
    if f.type == "table":
        return {"type": "array", "description": desc, "x-llc-type": "table",
                "items": {"type": "object", "additionalProperties": False,
                          "properties": {c.id: value_schema(c) for c in f.columns}}}
    raise AssertionError(f"unhandled field type {f.type}")


def answers_schema() -> dict:
    """The JSON Schema of a whole answers file (draft 2020-12)."""
    answers = {
        key: {"type": "object", "required": ["value"], "additionalProperties": False,
              "properties": {"value": value_schema(f),
                             "updated": {"type": "string", "format": "date-time"}}}
        for key, f in defs.all_fields().items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Leading Edge answers file",
        "type": "object",
        "required": ["schema_version", "participant", "answers"],
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "participant": {
                "type": "object", "required": ["id"],
                "properties": {k: {"type": "string"} for k in PARTICIPANT_FIELDS},
            },
            "answers": {"type": "object", "properties": answers, "additionalProperties": False},
        },
    }


def _where(path) -> str:
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "answers":
        out = f"answer '{parts[1]}'"
        rest = parts[3:] if len(parts) > 2 and parts[2] == "value" else parts[2:]
        for p in rest:
            out += f" row {p + 1}" if isinstance(p, int) else f" column '{p}'"
        return out
    return ".".join(str(p) for p in parts) or "top level"


def problems(doc: dict) -> list[str]:
    """Every problem in an answers document, each naming the key and what is wrong."""
    out = []
    known = defs.all_fields()
    if isinstance(doc, dict) and isinstance(doc.get("answers"), dict):
        for key in doc["answers"]:
            if key not in known:
                out.append(f"answer '{key}': unknown key — not a field of any worksheet "
                           "(run `llc schema` to list valid keys)")
    validator = Draft202012Validator(answers_schema())
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path))):
        if err.validator == "additionalProperties" and list(err.path) == ["answers"]:
            continue  # reported above, one line per key
        out.append(f"{_where(err.path)}: {err.message}")
    return out


def check_value(key: str, value) -> None:
    """Raise AnswerValueError unless ``value`` fits the field behind ``key``."""
    f = defs.field_for_key(key)
    errs = list(Draft202012Validator(value_schema(f)).iter_errors(value))
    if errs:
        e = errs[0]
        where = _where(["answers", key, "value", *e.path])
        raise AnswerValueError(f"{where}: {e.message}")


def validate_file(path: str | Path) -> list[str]:
    """Problems in an answers file on disk (after migrating older schema versions)."""
    from .store import read_document  # store depends on schema, not the other way round

    doc = read_document(Path(path))
    return problems(doc)


def schema_json() -> str:
    return json.dumps(answers_schema(), indent=2, ensure_ascii=False)
