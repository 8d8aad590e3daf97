"""Worksheet definitions: sessions, worksheets and fields, loaded from YAML data files.

The YAML files in ``llc_exercises/sessions/`` are the single source of every prompt. Everything
else — widgets, static renders, the JSON Schema, the workbook — is derived from what is loaded here.
A facilitator may point ``LLC_SESSIONS_DIR`` at an edited copy of that folder.
"""
from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .. import settings
from ..errors import LeadingEdgeError

SCALAR_TYPES = ("short_text", "long_text", "choice", "multi_choice", "scale", "number", "date")
FIELD_TYPES = SCALAR_TYPES + ("table",)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
BUILTIN_DIR = Path(__file__).resolve().parent / "sessions"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DefinitionError(LeadingEdgeError, ValueError):
    """A session file is malformed; the message names the file and the offending entry."""


def by_id(items, wanted: str, owner: str):
    """The item with id ``wanted``; a KeyError listing the ids there are (chart options, derived
    panels and facilitators' edits all look things up by id, and a typo should say what exists)."""
    for item in items:
        if item.id == wanted:
            return item
    raise KeyError(f"{owner} has no {wanted!r}; it has: {', '.join(i.id for i in items)}")


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: str
    help: str = ""
    placeholder: str = ""
    rows: int = 4
    options: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    unit: str = ""
    columns: tuple[Field, ...] = ()
    seed_rows: tuple[dict, ...] = ()
    min_rows: int = 0
    key: str = ""  # session.worksheet.field; empty for table columns
    # (choice field id, option): the field counts towards progress only when that option is chosen
    # (SOAR or SWOT: the other lens's boxes stay empty and must not hold a session below complete)
    counts_if: tuple[str, str] | None = None

    def level_label(self, i: int) -> str:
        """Scale level ``i`` (1-based) as shown everywhere: "3 · Moderate", whether the YAML
        label already carries its number ("3 · Moderate") or not ("Moderate")."""
        if i < 1:
            raise IndexError(f"level {i} of {self.key or self.id!r}: levels start at 1")
        label = self.levels[i - 1]
        return label if re.match(rf"{i}\b", label) else f"{i} · {label}"

    def column(self, cid: str) -> Field:
        return by_id(self.columns, cid, f"table {self.key!r}")


@dataclass(frozen=True)
class Chart:
    kind: str
    field: str
    title: str = ""
    options: dict = dataclasses.field(default_factory=dict)  # `field` is taken by the attribute


@dataclass(frozen=True)
class Derived:
    kind: str
    title: str = ""
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Worksheet:
    id: str
    title: str
    framework: str
    instructions: str
    fields: tuple[Field, ...]
    session: str
    chart: Chart | None = None
    derived: tuple[Derived, ...] = ()
    # False for the series survey: it is about the series, for the anonymous cohort report, and has
    # no place in the participant's year-end summary or letter to the principal.
    year_end: bool = True

    @property
    def key(self) -> str:
        return f"{self.session}.{self.id}"

    def field(self, fid: str) -> Field:
        return by_id(self.fields, fid, f"worksheet {self.key!r}")


@dataclass(frozen=True)
class Objective:
    text: str
    worksheets: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class Session:
    id: str
    number: int
    title: str
    original_date: str
    objectives: tuple[Objective, ...]
    worksheets: tuple[Worksheet, ...]
    source: Path
    commitments: tuple[Objective, ...] = ()

    def worksheet(self, wid: str) -> Worksheet:
        return by_id(self.worksheets, wid, f"session {self.id!r}")

    @property
    def heading(self) -> str:
        """'Session 1: On the Leading Edge of Visioning'; orientation (0) is not a numbered session."""
        return f"Session {self.number}: {self.title}" if self.number else self.title


def sessions_dir() -> Path:
    return Path(settings.SESSIONS_DIR.raw() or BUILTIN_DIR)


def _require(mapping: dict, name: str, where: str) -> Any:
    if not isinstance(mapping, dict) or name not in mapping or mapping[name] in (None, ""):
        raise DefinitionError(f"{where}: missing required entry '{name}'")
    return mapping[name]


HEADING_MAX = 200  # characters; a heading is a page heading, a contents line and a PDF bookmark


def _heading(mapping: dict, where: str) -> str:
    """A session's or worksheet's title: one line a reader can take in, since it becomes the page's
    heading, a line of the contents and a bookmark in every workbook PDF."""
    title = str(_require(mapping, "title", where))
    problem = ("runs over several lines" if "\n" in title.strip()
               else f"is {len(title):,} characters" if len(title) > HEADING_MAX else "")
    if problem:
        raise DefinitionError(f"{where}: 'title' {problem}; a title is a heading and a PDF bookmark, so keep "
                              f"it to one line of at most {HEADING_MAX} characters and put the rest in "
                              "'instructions'.")
    return title.strip()


def _parse_field(raw: dict, where: str, key: str, allowed: tuple[str, ...]) -> Field:
    fid = _require(raw, "id", where)
    where = f"{where} field '{fid}'"
    if not _ID.match(str(fid)):
        raise DefinitionError(f"{where}: id must be lower-case letters, digits and underscores")
    ftype = _require(raw, "type", where)
    if ftype not in allowed:
        raise DefinitionError(f"{where}: type '{ftype}' is not one of {', '.join(allowed)}")
    label = str(_require(raw, "label", where))
    options = tuple(str(o) for o in raw.get("options") or ())
    levels = tuple(str(lv) for lv in raw.get("levels") or ())
    if ftype in ("choice", "multi_choice") and not options:
        raise DefinitionError(f"{where}: a {ftype} field needs a list of 'options'")
    if ftype == "scale" and len(levels) < 2:
        raise DefinitionError(f"{where}: a scale needs 'levels', at least two labels, lowest first")
    columns: tuple[Field, ...] = ()
    if ftype == "table":
        raw_cols = raw.get("columns") or []
        if not raw_cols:
            raise DefinitionError(f"{where}: a table needs 'columns'")
        columns = tuple(_parse_field(c, where, "", SCALAR_TYPES) for c in raw_cols)
        ids = [c.id for c in columns]
        if len(set(ids)) != len(ids):
            raise DefinitionError(f"{where}: column ids must be unique")
        for row in raw.get("seed_rows") or ():
            unknown = set(row) - set(ids)
            if unknown:
                raise DefinitionError(f"{where}: seed row names unknown column(s) {sorted(unknown)}")
    return Field(
        id=fid, type=ftype, label=label, help=str(raw.get("help") or ""),
        placeholder=str(raw.get("placeholder") or ""), rows=int(raw.get("rows") or 4),
        options=options, levels=levels,
        min=raw.get("min"), max=raw.get("max"), unit=str(raw.get("unit") or ""),
        columns=columns, seed_rows=tuple(dict(r) for r in raw.get("seed_rows") or ()),
        min_rows=int(raw.get("min_rows") or 0), key=key, counts_if=_counts_if(raw.get("counts_if"), where),
    )


def _counts_if(raw, where: str) -> tuple[str, str] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1:
        raise DefinitionError(f"{where}: counts_if must be one 'choice_field_id: option', "
                              "e.g. counts_if: {lens: SOAR}")
    ((fid, option),) = raw.items()
    return str(fid), str(option)


def parse_session(raw: dict, source: Path) -> Session:
    where = str(source)
    sid = _require(raw, "id", where)
    if not _ID.match(str(sid)):
        raise DefinitionError(f"{where}: session id must be lower-case letters, digits, underscores")
    worksheets = []
    for wraw in _require(raw, "worksheets", where):
        wid = _require(wraw, "id", f"{where} worksheet")
        wwhere = f"{where} worksheet '{wid}'"
        fields = tuple(
            _parse_field(f, wwhere, f"{sid}.{wid}.{f.get('id')}", FIELD_TYPES)
            for f in _require(wraw, "fields", wwhere)
        )
        if len({f.id for f in fields}) != len(fields):
            raise DefinitionError(f"{wwhere}: field ids must be unique")
        for f in fields:
            if f.counts_if:
                cid, option = f.counts_if
                choice = next((c for c in fields if c.id == cid and c.type == "choice"), None)
                if choice is None or option not in choice.options:
                    raise DefinitionError(f"{wwhere} field '{f.id}': counts_if names {cid}: {option}, but this "
                                          f"worksheet has no choice field '{cid}' with the option '{option}'")
        chart = None
        if wraw.get("chart"):
            c = wraw["chart"]
            chart = Chart(kind=_require(c, "kind", f"{wwhere} chart"),
                          field=_require(c, "field", f"{wwhere} chart"),
                          title=str(c.get("title") or wraw.get("title")),
                          options=dict(c.get("options") or {}))
            if chart.field not in {f.id for f in fields}:
                raise DefinitionError(f"{wwhere} chart: no field '{chart.field}' in this worksheet")
        derived = tuple(
            Derived(kind=_require(d, "kind", f"{wwhere} derived"), title=str(d.get("title") or ""),
                    options=dict(d.get("options") or {}))
            for d in wraw.get("derived") or ())
        worksheets.append(Worksheet(
            id=wid, title=_heading(wraw, wwhere),
            framework=str(_require(wraw, "framework", wwhere)),
            instructions=str(wraw.get("instructions") or ""), fields=fields, session=sid,
            chart=chart, derived=derived, year_end=bool(wraw.get("year_end", True))))
    ws_ids = {w.id for w in worksheets}

    def mapped(entries, what):
        out = []
        for o in entries or ():
            missing = [w for w in o.get("worksheets") or () if w not in ws_ids]
            if missing or not o.get("worksheets"):
                raise DefinitionError(f"{where}: {what} {o.get('text')!r} names no worksheet, or "
                                      f"unknown worksheet(s) {missing}")
            out.append(Objective(text=str(o.get("text")), worksheets=tuple(o["worksheets"]),
                                 source=str(o.get("source") or "")))
        return tuple(out)

    return Session(id=sid, number=int(_require(raw, "number", where)),
                   title=_heading(raw, where),
                   original_date=str(raw.get("original_date") or ""),
                   objectives=mapped(raw.get("objectives"), "objective"), worksheets=tuple(worksheets),
                   source=source, commitments=mapped(raw.get("commitments"), "commitment"))


@functools.lru_cache(maxsize=8)
def _load(directory: str) -> tuple[Session, ...]:
    folder = Path(directory)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise DefinitionError(f"No session files (*.yaml) found in {folder}. "
                              "Check LLC_SESSIONS_DIR or reinstall the kit.")
    out = []
    for path in files:
        try:
            # libyaml's parser when PyYAML has it: several times faster, and every notebook's
            # first form waits for these files
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
        except yaml.YAMLError as exc:
            raise DefinitionError(f"{path}: not valid YAML — {exc}") from None
        out.append(parse_session(raw, path))
    ids = [s.id for s in out]
    if len(set(ids)) != len(ids):
        raise DefinitionError(f"{folder}: two session files share an id ({ids})")
    _check_options(out)
    return tuple(sorted(out, key=lambda s: s.number))


# ---- what chart and panel kinds take ---------------------------------------------------------------
# Each kind declares its options, so a typo in a facilitator's edit is named when the files load,
# not later in a participant's notebook. Kinds of value: "column" (a column of the chart's table, or
# of the panel's `table`), "field"/"fields"/"field_map" (fields of the worksheet, or full
# session.worksheet.field keys), "table" (a table field), "target" (a number, or a number field),
# "number", "text". A trailing "?" makes the option optional.
CHART_OPTIONS: dict[str, dict[str, str]] = {
    "gantt": {"label": "column", "start": "column", "end": "column", "group": "column?"},
    "power_interest": {"label": "column", "power": "column", "interest": "column"},
    "radar": {"label": "column", "value": "column"},
    "levels": {"label": "column", "value": "column"},
    "matrix": {"row": "column", "col": "column", "value": "column"},
    "logic_model": {"stages": "fields"},
    "timeseries": {"date": "column", "value": "column", "group": "column?"},
    "progress": {"value": "column", "target": "target?", "group": "column?"},
}
PANEL_OPTIONS: dict[str, dict[str, str]] = {
    "smart_check": {"statement": "field", "parts": "field_map?"},
    "elevator_speech": {"parts": "fields", "words_per_minute": "number?"},
    "lowest_areas": {"table": "table", "label": "column", "value": "column", "count": "number?"},
    "quadrants": {"table": "table", "label": "column", "power": "column", "interest": "column"},
    "total": {"table": "table", "value": "column", "target": "target?", "unit": "text?"},
    "year_end_summary": {"highlights": "fields?"},
}


def _check_options(all_sessions: list[Session]) -> None:
    keys = {f.key: f for s in all_sessions for w in s.worksheets for f in w.fields}

    def resolve(ws: Worksheet, name, where: str) -> Field:
        found = keys.get(name) if isinstance(name, str) and "." in name else \
            next((f for f in ws.fields if f.id == name), None)
        if found is None:
            raise DefinitionError(f"{where}: {name!r} is not a field of worksheet {ws.key!r} (nor a "
                                  f"session.worksheet.field key); its fields: {', '.join(f.id for f in ws.fields)}")
        return found

    def check(ws: Worksheet, kind: str, options: dict, spec: dict[str, str], table: Field | None, where: str):
        unknown = sorted(set(options) - set(spec))
        if unknown:
            raise DefinitionError(f"{where}: unknown option(s) {', '.join(map(repr, unknown))} for kind {kind!r}; "
                                  f"it takes: {', '.join(spec)}")
        if "table" in spec and "table" in options:
            table = resolve(ws, options["table"], f"{where}, option 'table'")
            if table.type != "table":
                raise DefinitionError(f"{where}, option 'table': {table.key!r} is a {table.type}, not a table")
        for name, kind_of in spec.items():
            what, optional = kind_of.rstrip("?"), kind_of.endswith("?")
            here = f"{where}, option {name!r}"
            if name not in options:
                if not optional:
                    raise DefinitionError(f"{where}: kind {kind!r} needs option {name!r} ({what})")
                continue
            value = options[name]
            if what == "column":
                if table is None or not any(c.id == value for c in table.columns):
                    cols = ", ".join(c.id for c in table.columns) if table else "none"
                    raise DefinitionError(f"{here}: {value!r} is not a column of the table; its columns: {cols}")
            elif what == "field":
                resolve(ws, value, here)
            elif what in ("fields", "field_map"):
                shape = dict if what == "field_map" else list
                if not isinstance(value, shape):
                    raise DefinitionError(f"{here}: expected a {'mapping' if shape is dict else 'list'} of fields")
                for item in value.values() if isinstance(value, dict) else value:
                    resolve(ws, item, here)
            elif what == "target" and not isinstance(value, (int, float)):
                resolve(ws, value, here)
            elif what == "number" and not isinstance(value, (int, float)):
                raise DefinitionError(f"{here}: {value!r} is not a number")

    for s in all_sessions:
        for ws in s.worksheets:
            where = f"{s.source}, worksheet {ws.id!r}"
            if ws.chart:
                spec = CHART_OPTIONS.get(ws.chart.kind)
                if spec is None:
                    raise DefinitionError(f"{where}: unknown chart kind {ws.chart.kind!r}; known: "
                                          f"{', '.join(CHART_OPTIONS)}")
                table = resolve(ws, ws.chart.field, f"{where}, chart field")
                check(ws, ws.chart.kind, ws.chart.options, spec, table, f"{where}, chart {ws.chart.kind!r}")
            for d in ws.derived:
                spec = PANEL_OPTIONS.get(d.kind)
                if spec is None:
                    raise DefinitionError(f"{where}: unknown panel kind {d.kind!r}; known: {', '.join(PANEL_OPTIONS)}")
                check(ws, d.kind, d.options, spec, None, f"{where}, panel {d.kind!r}")


def sessions() -> tuple[Session, ...]:
    """All sessions, in series order."""
    return _load(str(sessions_dir()))


def session(sid: str) -> Session:
    return by_id(sessions(), sid, "the kit")


def worksheet(key: str) -> Worksheet:
    """``session.worksheet`` → Worksheet."""
    sid, _, wid = key.partition(".")
    return session(sid).worksheet(wid)


def all_fields() -> dict[str, Field]:
    """Every answer key in the kit, in series order."""
    return {f.key: f for s in sessions() for w in s.worksheets for f in w.fields}


def field_for_key(key: str) -> Field:
    try:
        return all_fields()[key]
    except KeyError:
        raise KeyError(f"Unknown answer key {key!r}. Keys look like 'session.worksheet.field'; "
                       "run `llc schema` to list them all.") from None
