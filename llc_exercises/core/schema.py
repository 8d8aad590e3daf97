"""JSON Schema of an answers file, generated from the worksheet definitions, and validation.

One schema serves every caller, through two functions that give the same verdicts: ``problems``
checks a whole document (``llc validate``, an uploaded file, a send to the hub service, a workbook
build) with jsonschema, formats included; ``check_value`` checks one answer (the store before each
write, and every reader of a saved answer) without importing jsonschema. ``date`` and ``date-time``
are checked, not advisory: JSON Schema leaves formats to the validator, and a file the kit accepts
must pass any standard validator told to check them.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from ..errors import LeadingEdgeError
from . import definitions as defs

SCHEMA_VERSION = 2
KNOWN_VERSIONS = (1, 2)  # 1 (bare values) is migrated to 2 when read
# [0-9], not \d: Python's \d also matches other scripts' digits, which no other validator accepts
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
# A programme (school) year, "2025-26"; `llc new-year` also checks the two years are consecutive.
YEAR_PATTERN = r"^[0-9]{4}-[0-9]{2}$"
PARTICIPANT_FIELDS = ("id", "name", "school", "district", "cohort")


class AnswerValueError(LeadingEdgeError, ValueError):
    """A value does not fit its field; the message names the key and what is expected."""


TYPE_NOTE = "llc-type: "  # how a value schema names its field's type, in its "$comment"


def _typed(f_type: str, **schema: Any) -> dict:
    """A value schema carrying the field's type (the control a worksheet shows) for tools that
    build forms or examples from the schema. It goes in ``$comment``, the one keyword JSON Schema
    gives for notes that validators ignore: an undeclared keyword (the former ``x-llc-type``)
    makes a strict validator (ajv ``--strict``) refuse the whole schema."""
    return {**schema, "$comment": TYPE_NOTE + f_type}


def llc_type(vs: dict) -> str | None:
    """The field type a value schema was made for (``value_schema``'s annotation), or None."""
    note = vs.get("$comment") or ""
    return note[len(TYPE_NOTE):] if note.startswith(TYPE_NOTE) else None


def value_schema(f: defs.Field) -> dict:
    """Schema of one field's stored value. ``null`` always means 'not answered yet'."""
    desc = f.label
    if f.type in ("short_text", "long_text"):
        return _typed(f.type, type=["string", "null"], description=desc)
    if f.type == "choice":
        return _typed(f.type, enum=[*f.options, None], description=desc)
    if f.type == "multi_choice":
        return _typed(f.type, type="array", items={"enum": list(f.options)}, uniqueItems=True, description=desc)
    if f.type == "scale":
        levels = "; ".join(f"{i} = {lv}" for i, lv in enumerate(f.levels, 1))
        return _typed(f.type, type=["integer", "null"], minimum=1, maximum=len(f.levels),
                      description=f"{desc} ({levels})")
    if f.type == "number":
        s: dict[str, Any] = {"type": ["number", "null"], "description": desc + (f" [{f.unit}]" if f.unit else "")}
        if f.min is not None:
            s["minimum"] = f.min
        if f.max is not None:
            s["maximum"] = f.max
        return _typed(f.type, **s)
    if f.type == "date":
        # the pattern keeps the form to YYYY-MM-DD (a format check alone would not: see _is_date)
        return _typed(f.type, type=["string", "null"], pattern=DATE_PATTERN, format="date",
                      description=desc + " (YYYY-MM-DD)")
    if f.type == "table":
        return _typed("table", type="array", description=desc,
                      items={"type": "object", "additionalProperties": False,
                             "properties": {c.id: value_schema(c) for c in f.columns}})
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


def _is_date(text: str) -> bool:
    """An RFC 3339 full-date the calendar has: 2026-02-28, not 2025-02-30 or "yesterday".
    (``date.fromisoformat`` alone would also take 20260228 and 2026-W09-6.)"""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return False
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_date_time(text: str) -> bool:
    """An RFC 3339 date-time, with its zone (Z or ±hh:mm): the same check jsonschema makes."""
    from rfc3339_validator import validate_rfc3339  # a few regexes; cheap even in a kernel

    return bool(validate_rfc3339(text))


FORMATS = {"date": _is_date, "date-time": _is_date_time}
_FORMAT_HINTS = {"date": "a date the calendar has, written YYYY-MM-DD",
                 "date-time": "a date and time with its time zone, e.g. 2026-01-31T09:00:00+00:00"}


def format_message(value: str, fmt: str) -> str:
    return f"{value!r} is not a valid {fmt} ({_FORMAT_HINTS[fmt]})"


def version_of(doc: dict) -> int | None:
    """The schema version ``doc`` is written in: its ``schema_version``, or 1 for a file without one
    whose answers are bare values (the first kit wrote no version); None when it cannot be told."""
    if "schema_version" in doc:
        return doc["schema_version"]
    answers = doc.get("answers")
    # a version 1 answer is a bare value, never an object (tables are lists); version 2 wraps each
    # in {"value": …, "updated": …}: a file of those that lost its version line is not version 1
    if isinstance(answers, dict) and not any(isinstance(e, dict) for e in answers.values()):
        return 1
    return None


def version_problem(doc: dict) -> str | None:
    """The one line to say when ``doc``'s schema version is missing or not one this kit reads
    (checked before anything else: read as the wrong version, every answer looks wrong)."""
    version = version_of(doc)
    known = " and ".join(map(str, KNOWN_VERSIONS))
    if version is None and "schema_version" not in doc:
        return (f"has no \"schema_version\", so this kit cannot tell how to read it (it knows versions {known}). "
                f"Its answers are written as version {SCHEMA_VERSION} writes them ({{\"value\": …, \"updated\": …}}): "
                f"if it came from this kit, add \"schema_version\": {SCHEMA_VERSION}, at the top.")
    if isinstance(version, int) and not isinstance(version, bool) and version > max(KNOWN_VERSIONS):
        return (f"was saved by a newer version of the kit (schema_version {version}; this kit reads up to "
                f"{max(KNOWN_VERSIONS)}). Update the kit (pip install -U leading-edge, or ask whoever set it up) "
                "and try again.")
    if version not in KNOWN_VERSIONS or isinstance(version, bool):
        return (f"has schema_version {version!r}, which no version of the kit writes (it knows {known}); "
                "the file may have been edited by hand. Put back the number it was saved with.")
    return None


def _where(path) -> str:
    parts = list(path)
    if len(parts) >= 2 and parts[0] == "answers":
        out = f"answer '{parts[1]}'"
        if parts[2:3] == ["updated"]:
            return out + " 'updated' time"
        rest = parts[3:] if len(parts) > 2 and parts[2] == "value" else parts[2:]
        for p in rest:
            out += f" row {p + 1}" if isinstance(p, int) else f" column '{p}'"
        return out
    return ".".join(str(p) for p in parts) or "top level"


def message(err) -> str:
    """A jsonschema error's message as the kit words it (formats say what is expected)."""
    if err.validator == "format" and err.validator_value in _FORMAT_HINTS:
        return format_message(err.instance, err.validator_value)
    return err.message


def problems(doc: dict) -> list[str]:
    """Every problem in an answers document, each naming the key and what is wrong; a missing or
    unknown ``schema_version`` alone, as one line. The one whole-document check: ``llc validate``,
    uploads, the hub service and workbook builds all call it."""
    if not isinstance(doc, dict):
        return ["top level: an answers document is a JSON object"]
    wrong_version = version_problem(doc)
    if wrong_version:
        return [f"The answers document {wrong_version}"]
    if version_of(doc) != SCHEMA_VERSION:
        return [f"schema_version: the document is written in version {version_of(doc)}; the kit brings it up "
                f"to {SCHEMA_VERSION} when it reads a file (`llc validate FILE` does), then checks it"]
    out = []
    known = defs.all_fields()
    if isinstance(doc.get("answers"), dict):
        for key in doc["answers"]:
            if key not in known:
                out.append(f"answer '{key}': unknown key — not a field of any worksheet "
                           "(run `llc schema` to list valid keys)")
    if _fast_validator().is_valid(doc):  # the usual case, twenty times quicker; same verdict (tested)
        return out
    errors = sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.path)))
    bad_format = {tuple(e.path) for e in errors if e.validator == "format"}
    for err in errors:
        if err.validator == "additionalProperties" and list(err.path) == ["answers"]:
            continue  # reported above, one line per key
        if err.validator == "pattern" and tuple(err.path) in bad_format:
            continue  # "not a valid date" says it; the pattern would repeat it less clearly
        out.append(f"{_where(err.path)}: {message(err)}")
    return out


_VALIDATORS: dict = {}


def _per_sessions(cache: dict, build):
    """``build()``'s result, made once per set of session definitions (building a validator takes
    a while, and LLC_SESSIONS_DIR may point elsewhere)."""
    sessions = defs.sessions()
    found = cache.get(id(sessions))
    if found is None or found[0] is not sessions:
        found = cache[id(sessions)] = (sessions, build())
    return found[1]


def _validator():
    """The kit's one jsonschema validator, formats checked."""
    def build():
        # jsonschema only here (files, submissions): importing it costs a kernel over a second
        from jsonschema import Draft202012Validator

        return Draft202012Validator(answers_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return _per_sessions(_VALIDATORS, build)


def _fast_validator():
    """The same schema compiled by jsonschema-rs, for the verdict alone: a send at the end of a live
    session is checked on the hub service's one event loop, 300 at once. Formats are checked by
    the very functions jsonschema uses, so both accept exactly the same dates; when a document is
    refused, ``problems`` asks jsonschema for its worded messages."""
    def build():
        import jsonschema_rs
        from jsonschema import Draft202012Validator

        checker = Draft202012Validator.FORMAT_CHECKER
        formats = {name: (lambda text, name=name: checker.conforms(text, name)) for name in _FORMAT_HINTS}
        return jsonschema_rs.Draft202012Validator(answers_schema(), validate_formats=True, formats=formats)
    return _per_sessions(_FAST, build)


_FAST: dict = {}

_JSON_TYPES = {"string": lambda v: isinstance(v, str), "null": lambda v: v is None,
               "integer": lambda v: isinstance(v, int) and not isinstance(v, bool)
               or isinstance(v, float) and v.is_integer(),
               "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
               "array": lambda v: isinstance(v, list), "object": lambda v: isinstance(v, dict)}


def value_errors(vs: dict, value, path: tuple = ()):
    """(path, message) for each way ``value`` breaks a schema made by ``value_schema``.

    The same verdicts and wording as ``problems`` (jsonschema, formats checked) for that small
    subset of JSON Schema (a test holds the two to it), without importing jsonschema: every
    keystroke saved in a participant's kernel is checked here, and the kernel's first cell must stay quick.
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
    if isinstance(value, str) and vs.get("format") in FORMATS and not FORMATS[vs["format"]](value):
        yield path, format_message(value, vs["format"])  # as ``problems`` says it, pattern or not
    elif isinstance(value, str) and "pattern" in vs and not re.search(vs["pattern"], value):
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
