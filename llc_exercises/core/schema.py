"""JSON Schema of an answers file, generated from the worksheet definitions, and validation.

One schema serves three callers: ``llc schema`` prints it, ``llc validate`` checks whole files
against it, and the answer store checks each value before it is written.
"""
from __future__ import annotations

import json
import re
from typing import Any

from ..errors import LeadingEdgeError
from . import definitions as defs

SCHEMA_VERSION = 2
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
# A programme (school) year, "2025-26"; `llc new-year` also checks the two years are consecutive.
YEAR_PATTERN = r"^\d{4}-\d{2}$"
PARTICIPANT_FIELDS = ("id", "name", "school", "district", "cohort")


class AnswerValueError(LeadingEdgeError, ValueError):
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
        s: dict[str, Any] = {"type": ["number", "null"], "description": desc + (f" [{f.unit}]" if f.unit else ""),
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
            # Both optional, written by `llc new-year`; other top-level entries are allowed too.
            "program_year": {"type": "string", "pattern": YEAR_PATTERN,
                             "description": "The programme (school) year these answers are for, e.g. 2026-27"},
            "last_year": {
                "type": "object", "required": ["year", "answers"],
                "description": "Last year's answers that the workbook sets beside this year's, copied "
                               "into the file so the comparison travels with it",
                "properties": {
                    "year": {"type": "string", "pattern": YEAR_PATTERN},
                    "archived_as": {"type": "string", "description": "The archived file, relative to "
                                    "this one's folder"},
                    "answers": {"type": "object", "additionalProperties": False,
                                "description": "Answer key → last year's value (values only)",
                                "properties": {key: value_schema(f) for key, f in defs.all_fields().items()}},
                },
            },
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
    # jsonschema only here (files, submissions): importing it costs a kernel over a second
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(answers_schema())
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path))):
        if err.validator == "additionalProperties" and list(err.path) == ["answers"]:
            continue  # reported above, one line per key
        out.append(f"{_where(err.path)}: {err.message}")
    return out


_JSON_TYPES = {"string": lambda v: isinstance(v, str), "null": lambda v: v is None,
               "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)
               or isinstance(v, float) and v.is_integer(),
               "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
               "array": lambda v: isinstance(v, list), "object": lambda v: isinstance(v, dict)}


def value_errors(vs: dict, value, path: tuple = ()):
    """(path, message) for each way ``value`` breaks a schema made by ``value_schema``.

    The same verdicts and wording as jsonschema for that small subset of JSON Schema (a test
    holds the two to it), without importing jsonschema: every keystroke saved in a participant's
    kernel is checked here, and the kernel's first cell must stay quick.
    """
    kinds = vs.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_JSON_TYPES[k](value) for k in kinds):
            yield path, f"{value!r} is not of type {', '.join(map(repr, kinds))}"
            return
    if "enum" in vs and value not in vs["enum"]:
        yield path, f"{value!r} is not one of {vs['enum']!r}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in vs and value < vs["minimum"]:
            yield path, f"{value!r} is less than the minimum of {vs['minimum']!r}"
        if "maximum" in vs and value > vs["maximum"]:
            yield path, f"{value!r} is greater than the maximum of {vs['maximum']!r}"
    if isinstance(value, str) and "pattern" in vs and not re.search(vs["pattern"], value):
        yield path, f"{value!r} does not match {vs['pattern']!r}"
    if isinstance(value, list):
        if vs.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) < len(value):
            yield path, f"{value!r} has non-unique elements"
        for i, item in enumerate(value):
            yield from value_errors(vs.get("items", {}), item, (*path, i))
    if isinstance(value, dict):
        props = vs.get("properties", {})
        extra = [k for k in value if k not in props]
        if extra and vs.get("additionalProperties") is False:
            were = "was" if len(extra) == 1 else "were"
            yield path, (f"Additional properties are not allowed ({', '.join(map(repr, extra))} "
                         f"{were} unexpected)")
        for k, sub in props.items():
            if k in value:
                yield from value_errors(sub, value[k], (*path, k))


def check_value(key: str, value) -> None:
    """Raise AnswerValueError unless ``value`` fits the field behind ``key``."""
    f = defs.field_for_key(key)
    for path, message in value_errors(value_schema(f), value):
        raise AnswerValueError(f"{_where(['answers', key, 'value', *path])}: {message}")


def schema_json() -> str:
    return json.dumps(answers_schema(), indent=2, ensure_ascii=False)
