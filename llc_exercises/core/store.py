"""The answer store: one human-readable JSON file per participant, written so nothing is lost.

Every write takes a lock, re-reads the file, changes only the keys being set, writes a temporary
file, fsyncs it and ``os.replace``s it into place, keeping the previous version as ``.bak``. So two
notebooks writing for the same participant merge by key, a crash mid-write leaves the old file, and
a damaged file is reported, never overwritten.
"""
from __future__ import annotations

import copy
import datetime as dt
import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ..errors import LeadingEdgeError
from . import schema
from .files import write_atomic

LOCK_TIMEOUT_S = 15


class AnswerFileError(LeadingEdgeError, RuntimeError):
    """The answers file cannot be read or written; the message says which file and what to do."""


class NothingSaved(LeadingEdgeError, RuntimeError):
    """The participant is known but has not saved an answer on this computer yet."""


def saved_file(path: Path, what: str) -> Path:
    """``path`` when the answers file exists; else NothingSaved, saying there is nothing to ``what``
    (download, print) and what to do."""
    if not path.exists():
        raise NothingSaved(f"You have not saved any answers on this computer yet, so there is nothing to "
                           f"{what}. Fill in a worksheet first (start with About you in Orientation).")
    return path


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _after(previous: str | None) -> str:
    """Now, or a millisecond after ``previous`` if the clock has not moved past it: an answer's
    ``updated`` stamp is also its version, so two saves of one answer never share a stamp."""
    now = _now()
    if previous is None:
        return now
    try:
        before = dt.datetime.fromisoformat(previous)
    except ValueError:
        return now
    if before.tzinfo is None:
        before = before.replace(tzinfo=dt.timezone.utc)
    if before >= dt.datetime.fromisoformat(now):
        return (before + dt.timedelta(milliseconds=1)).astimezone(dt.timezone.utc).isoformat(
            timespec="milliseconds")
    return now


@dataclass(frozen=True)
class Conflict:
    """An answer that changed on disk since the form loaded it (another tab, window or computer)."""
    key: str
    value: Any  # the newer answer, as it is on disk
    updated: str | None  # its stamp (None: it was deleted)


@dataclass
class Saved:
    """What ``AnswerStore.save`` did: the new version of each answer written (or found already
    equal on disk), and the answers it refused to overwrite."""
    versions: dict[str, str | None] = field(default_factory=dict)
    conflicts: dict[str, Conflict] = field(default_factory=dict)


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def _lock_path(path: Path) -> Path:
    return path.with_name("." + path.name + ".lock")


def migrate(doc: dict, path: Path) -> dict:
    """Bring an older document up to ``schema.SCHEMA_VERSION``; never drops an answer."""
    wrong = schema.version_problem(doc)
    if wrong:  # one line, before anything else: read as the wrong version every answer looks wrong
        raise AnswerFileError(f"Answers file {path} {wrong} The file was left untouched.")
    version = schema.version_of(doc)
    if version == 1:
        # v1 stored bare values with no update times; the file's mtime is the best time we have.
        stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).isoformat() \
            if path.exists() else _now()
        doc = {
            **{k: v for k, v in doc.items() if k not in ("schema_version", "participant", "answers")},
            "schema_version": 2,
            "participant": doc.get("participant") or {},
            "answers": {k: {"value": v, "updated": stamp} for k, v in (doc.get("answers") or {}).items()},
        }
    return doc  # other top-level entries (program_year, last_year, …) are kept as they are


def _parse(raw: bytes, path: Path) -> dict:
    try:
        doc = json.loads(raw.decode("utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("answers", {}), dict):
            raise ValueError("top level must be an object with an 'answers' object")
    except (ValueError, UnicodeDecodeError) as exc:
        bak = backup_path(path)
        hint = (f"The previous good version is {bak}. Run `llc restore {path}` to put it back "
                "(the damaged file is kept beside it), or fix the file by hand."
                if bak.exists() else "There is no backup yet; fix the file by hand or move it away.")
        raise AnswerFileError(f"Answers file {path} is damaged and cannot be read ({exc}). "
                              f"Nothing was overwritten. {hint}") from None
    return doc


def read_document(path: Path) -> dict:
    """Read and migrate an answers file. Raises AnswerFileError naming the file on any problem."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise AnswerFileError(f"No answers file at {path}. Check the path, or start the "
                              "participant's first notebook to create it.") from None
    except OSError as exc:
        raise AnswerFileError(f"Cannot read answers file {path}: {exc.strerror}.") from None
    return migrate(_parse(raw, path), path)


def _to_json_value(value):
    """Widgets hand us dates and tuples; the file holds plain JSON."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, list):
        return [_to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _to_json_value(v) for k, v in value.items()}
    return value


class AnswerStore(Mapping):
    """A participant's answers, keyed ``session.worksheet.field``.

    ``set`` is durable when it returns. Reads notice changes made by other processes.
    """

    def __init__(self, path: str | os.PathLike, participant: dict | None = None):
        self.path = Path(path).expanduser()
        self._participant_defaults = dict(participant or {})
        self._cache: dict | None = None
        self._cache_stamp = None
        self._thread_lock = threading.RLock()

    # ---- reading -------------------------------------------------------------------------
    def _stamp(self):
        try:
            st = self.path.stat()
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except FileNotFoundError:
            return None

    def _doc(self) -> dict:
        stamp = self._stamp()
        if stamp is None:
            return {"schema_version": schema.SCHEMA_VERSION,
                    "participant": dict(self._participant_defaults), "answers": {}}
        if self._cache is None or stamp != self._cache_stamp:
            self._cache = read_document(self.path)
            self._cache_stamp = stamp
        return self._cache

    @property
    def participant(self) -> dict:
        return dict(self._doc().get("participant") or {})

    def get(self, key: str, default=None):
        entry = self._doc()["answers"].get(key)
        return default if entry is None else entry.get("value", default)

    def updated(self, key: str) -> str | None:
        entry = self._doc()["answers"].get(key)
        return entry.get("updated") if entry else None

    def __getitem__(self, key: str):
        entry = self._doc()["answers"][key]
        return entry.get("value")

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._doc()["answers"]))

    def __len__(self) -> int:
        return len(self._doc()["answers"])

    def as_dict(self) -> dict:
        return {k: v.get("value") for k, v in self._doc()["answers"].items()}

    def document_extra(self, name: str, default=None):
        """A top-level entry of the document beside the answers (``program_year``, ``last_year``),
        as a copy; ``default`` when the file has none."""
        if name in ("answers", "participant"):
            raise KeyError(f"{name!r} is not an extra entry; read it through the store itself")
        return copy.deepcopy(self._doc().get(name, default))

    # ---- writing -------------------------------------------------------------------------
    def set(self, key: str, value) -> None:
        """Save one answer. Validates it first; durable on disk when this returns."""
        self.update({key: value})

    def update(self, values: Mapping, participant: Mapping | None = None) -> None:
        """Save several answers (and optionally participant details) in one atomic write, whatever
        is on disk (last writer wins). Forms use ``save``, which checks versions."""
        clean = self._checked(values)
        with self._thread_lock, self._locked():
            doc = self._read_for_write()
            for key, value in clean.items():
                doc["answers"][key] = {"value": value, "updated": _after(self._version(doc, key))}
            if participant:
                doc["participant"].update({k: str(v) for k, v in participant.items() if v is not None})
            self._commit(doc)

    def save(self, values: Mapping, expected: Mapping[str, str | None]) -> Saved:
        """Save answers typed into a form, each only if the file still holds the version the form
        loaded (``expected[key]``: its ``updated`` stamp, None for no answer yet). An answer changed
        since (another tab, the app and JupyterLab, two servers on a hub) is not overwritten: it comes
        back in ``conflicts`` with the newer value, for the form to show. One atomic write under the
        lock, so two processes cannot both pass the check."""
        clean = self._checked(values)
        result = Saved()
        with self._thread_lock, self._locked():
            doc = self._read_for_write()
            write = False
            for key, value in clean.items():
                entry = doc["answers"].get(key)
                current = self._version(doc, key)
                if entry is not None and entry.get("value") == value:
                    result.versions[key] = current  # already there (typed the same in two tabs)
                elif key in expected and current != expected[key]:
                    result.conflicts[key] = Conflict(key, copy.deepcopy(entry.get("value")) if entry else None,
                                                     current)
                else:
                    doc["answers"][key] = {"value": value, "updated": _after(current)}
                    result.versions[key] = doc["answers"][key]["updated"]
                    write = True
            if write:
                self._commit(doc)
        return result

    @staticmethod
    def _checked(values: Mapping) -> dict:
        clean = {}
        for key, value in values.items():
            value = _to_json_value(value)
            schema.check_value(key, value)  # raises before anything is touched
            clean[key] = value
        return clean

    @staticmethod
    def _version(doc: dict, key: str) -> str | None:
        entry = doc["answers"].get(key)
        return entry.get("updated") if isinstance(entry, dict) else None

    def set_participant(self, **info) -> None:
        self.update({}, participant=info)

    def rewrite(self, fn: Callable[[dict, bytes], dict]) -> dict:
        """Replace the whole document in one write, for changes that are not a few keys (a new
        programme year). Under the same lock as every other write: reads the file, calls
        ``fn(document, raw_bytes)`` — ``raw_bytes`` exactly as on disk — for the new document, checks
        every answer in it, keeps the previous version as ``.bak`` and commits atomically. Nothing
        can be saved between the read and the write; if ``fn`` raises, or an answer does not fit its
        field, the file is not touched. Returns the document written."""
        with self._thread_lock, self._locked():
            if not self.path.exists():
                raise AnswerFileError(f"No answers file at {self.path}; there is nothing to rewrite.")
            doc = self._read_for_write()
            new = fn(copy.deepcopy(doc), self._previous or b"")
            if not isinstance(new, dict) or not isinstance(new.get("answers"), dict) \
                    or not isinstance(new.get("participant"), dict):
                raise AnswerFileError(f"Rewriting {self.path} needs a document with 'participant' and "
                                      "'answers' objects; the file was left untouched.")
            for key, entry in new["answers"].items():
                if not isinstance(entry, dict):
                    raise AnswerFileError(f"Rewriting {self.path}: answer {key!r} is not an object with "
                                          "a 'value'; the file was left untouched.")
                try:
                    schema.check_value(key, entry.get("value"))
                except KeyError as exc:  # not a field of any worksheet
                    raise schema.AnswerValueError(f"answer '{key}': {exc.args[0]}") from None
            new["schema_version"] = schema.SCHEMA_VERSION
            self._commit(new)
            return copy.deepcopy(new)

    def _locked(self):
        # 0700: on a shared machine or hub, nobody else may list whose answers are here.
        self.path.parent.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path.parent.mkdir(exist_ok=True, mode=0o700)
        lock = FileLock(str(_lock_path(self.path)), timeout=LOCK_TIMEOUT_S)
        try:
            lock.acquire()
        except Timeout:
            raise AnswerFileError(
                f"Could not lock {self.path} within {LOCK_TIMEOUT_S}s: another program is "
                f"writing it. Try again; if this persists, delete {_lock_path(self.path)}.") from None
        return _Release(lock)

    def _read_for_write(self) -> dict:
        """Re-read under the lock so another writer's keys are merged, not clobbered."""
        if not self.path.exists():
            doc: dict[str, Any] = {"schema_version": schema.SCHEMA_VERSION, "participant": {}, "answers": {}}
            self._previous = None
        else:
            raw = self.path.read_bytes()
            doc = migrate(_parse(raw, self.path), self.path)
            self._previous = raw
        doc["schema_version"] = schema.SCHEMA_VERSION
        doc.setdefault("participant", {})
        for k, v in self._participant_defaults.items():
            doc["participant"].setdefault(k, v)
        return doc

    def _commit(self, doc: dict) -> None:
        data = json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
        if self._previous is not None:
            write_atomic(backup_path(self.path), self._previous)
        write_atomic(self.path, data)
        self._cache, self._cache_stamp = doc, self._stamp()

    def restore_backup(self) -> Path:
        """Put the ``.bak`` copy back in place; the damaged file is kept as ``.damaged-<time>``."""
        bak = backup_path(self.path)
        if not bak.exists():
            raise AnswerFileError(f"No backup {bak} to restore from.")
        _parse(bak.read_bytes(), bak)  # refuse to restore a damaged backup
        with self._thread_lock, self._locked():
            kept = self.path.with_name(
                f"{self.path.name}.damaged-{dt.datetime.now():%Y%m%d-%H%M%S}")
            if self.path.exists():
                os.replace(self.path, kept)
            write_atomic(self.path, bak.read_bytes())
        self._cache = None
        return kept


class _Release:
    def __init__(self, lock):
        self.lock = lock

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.lock.release()


def read_answers(path: Path, keys) -> tuple[dict, dict]:
    """(participant, answers) of an answers file, with the answers under ``keys`` checked against
    their fields. Raises the store's AnswerFileError for a missing or damaged file, and an
    AnswerValueError naming the file and key for an answer that does not fit its field."""
    doc = read_document(Path(path))
    answers = {k: e.get("value") for k, e in (doc.get("answers") or {}).items() if isinstance(e, dict)}
    for key in (k for k in keys if k in answers):
        try:
            schema.check_value(key, answers.get(key))
        except schema.AnswerValueError as exc:
            raise schema.AnswerValueError(f"{path}: {exc}. Run `llc validate {path}` for every problem in "
                                          "the file.") from None
    participant = doc.get("participant")
    participant = participant if isinstance(participant, dict) else {}
    return {k: str(v) for k, v in participant.items() if v is not None}, answers
