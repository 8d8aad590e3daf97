"""Carry my answers: the answers file out of and into the browser, for participants who move between
their own computer and Binder (where the answers folder is deleted with the session).

**Download my answers** reads the file when the button is pressed, so the download is never a stale
copy. **Upload answers** checks the uploaded file completely before anything is written, then merges
it question by question under the store's lock (``AnswerStore.rewrite``: every answer checked,
``.bak`` kept, atomic): the answer saved more recently wins, answers found on only one side are
kept. **Undo** puts the file back as it was before the merge.
"""
from __future__ import annotations

import copy
import datetime as dt
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as w
import traitlets

from .. import settings
from ..core import definitions as defs
from ..core import schema
from ..core.files import PRIVATE, write_atomic
from ..core.store import AnswerFileError, AnswerStore, migrate, read_document, saved_file
from ..core.values import is_blank, scalar_text, stamp_time
from ..errors import LeadingEdgeError, first_line
from . import a11y, downloads
from .assets import script, style_tag
from .widgets import reload_open_forms

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a whole series of answers is well under 1 MB
SHOWN_PROBLEMS = 3
SHORT_TEXT = 80  # characters of an answer shown in the change table
# Top-level entries beside the answers that an upload may supply when this computer's file has none.
TAKEN_IF_MISSING = ("program_year", "last_year")
NOT_HERE = object()  # an answer this computer's file did not have


class UploadRefused(LeadingEdgeError, ValueError):
    """An uploaded file was not merged; the message says why and what to do. Nothing was changed."""


class _Unchanged(Exception):
    """Raised inside ``rewrite`` when the merge changes nothing, so nothing is written."""


# ---- where the answers folder is temporary ------------------------------------------------------
def temporary_storage() -> bool:
    """True on Binder, or wherever ``LLC_TEMPORARY_STORAGE=1`` says the answers folder will not last."""
    return settings.TEMPORARY_STORAGE.raw() == "1" or settings.on_binder()


TEMPORARY_NOTICE = (
    '<div class="llc-carry-notice" role="note"><strong>This copy of the kit is temporary.</strong> '
    "When this session ends (you close it, or it sits idle for a while) it is deleted with everything "
    "in it, your answers file included. Press <strong>Download my answers</strong> before you leave, "
    "and next time press <strong>Upload answers</strong> to carry on where you stopped.</div>")


# ---- reading an upload --------------------------------------------------------------------------
def read_upload(raw: bytes, name: str, last_modified: dt.datetime | None = None) -> dict:
    """The uploaded answers document, brought up to this kit's schema and checked against it.

    Raises UploadRefused, naming the file and what to do, for anything that is not a complete,
    valid answers file this kit can read. ``last_modified`` (the browser's time for the file) dates
    the answers of an old (schema 1) file, which carries no times of its own."""
    refused = " Nothing was changed."
    if not raw.strip():
        raise UploadRefused(f"{name} is empty. Upload the file that Download my answers saved (a .json "
                            f"file named after your id).{refused}")
    if len(raw) > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"{name} is {len(raw) / 1024 / 1024:.1f} MB, too large to be an answers file "
                            f"(the limit is {MAX_UPLOAD_BYTES // 1024 // 1024} MB; a whole series of "
                            f"answers is far smaller). Check you chose the right file.{refused}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRefused(f"{name} is not an answers file: it is not text (UTF-8). Upload the .json file "
                            f"that Download my answers saved.{refused}") from None
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise UploadRefused(f"{name} is not an answers file: it is not valid JSON ({exc}). Upload the "
                            f"file that Download my answers saved, unchanged.{refused}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), dict):
        raise UploadRefused(f"{name} is JSON but not a Leading Edge answers file (it has no 'answers' "
                            f"object). Upload the file that Download my answers saved.{refused}")
    wrong = schema.version_problem(doc)  # one line, before the answers are read as the wrong version
    if wrong:
        raise UploadRefused(f"{name} {wrong}{refused}")
    version = schema.version_of(doc)
    if version == 1:
        doc = migrate(doc, Path(name))
        stamp = (last_modified or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="milliseconds")
        for entry in doc["answers"].values():
            # migrate dates v1 answers by a file on disk; an upload's own date is the browser's
            entry["updated"] = stamp
    found = schema.problems(doc)
    if found:
        shown = "; ".join(found[:SHOWN_PROBLEMS])
        more = f"; and {len(found) - SHOWN_PROBLEMS} more" if len(found) > SHOWN_PROBLEMS else ""
        raise UploadRefused(f"{name} does not fit this kit's questions ({len(found)} problem"
                            f"{'' if len(found) == 1 else 's'}: {shown}{more}). It may have been edited "
                            f"by hand or come from a different kit; upload an unchanged copy saved by "
                            f"Download my answers.{refused}")
    return doc


def check_belongs_here(current: Mapping, incoming: Mapping, name: str) -> None:
    """UploadRefused unless ``incoming`` is the same participant's, for the same programme year."""
    here = (current.get("participant") or {}).get("id")
    theirs = (incoming.get("participant") or {}).get("id")
    if here and theirs and here != theirs:
        raise UploadRefused(
            f"{name} holds the answers of participant '{theirs}', but you are '{here}' here. Upload your "
            f"own answers file ({here}.json). If '{theirs}' is really you, enter that id in About you "
            "(orientation) first. Nothing was changed.")
    year_here, year_theirs = current.get("program_year"), incoming.get("program_year")
    if year_here and year_theirs and year_here != year_theirs:
        if str(year_theirs) > str(year_here):
            what = (f"To carry on with {year_theirs} here, start that year on this computer first "
                    f"(`llc new-year --year {year_theirs}` on your answers file), then upload again.")
        else:
            what = (f"Your answers here have already moved on to {year_here} (`llc new-year` archived "
                    f"{year_theirs}); upload a copy saved in {year_here}.")
        raise UploadRefused(f"{name} holds your answers for the programme year {year_theirs}, but the "
                            f"answers on this computer are for {year_here}. Answers from different years "
                            f"are not merged. {what} Nothing was changed.")


# ---- merging ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    key: str
    before: Any  # the value here before the merge; NOT_HERE when this computer had no answer
    after: Any

    @property
    def added(self) -> bool:
        return self.before is NOT_HERE


@dataclass
class Merge:
    """What merging an upload did. ``before``/``after`` are the whole documents (None when nothing
    was written), kept for Undo."""
    name: str
    changes: list[Change] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # different here, and saved here more recently
    details: list[str] = field(default_factory=list)  # participant details filled in from the upload
    extras: list[str] = field(default_factory=list)  # program_year / last_year taken from the upload
    before: dict | None = None
    after: dict | None = None

    @property
    def added(self) -> int:
        return sum(c.added for c in self.changes)

    @property
    def updated(self) -> int:
        return sum(not c.added for c in self.changes)

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.details or self.extras)


def _when(stamp) -> dt.datetime:
    """An ``updated`` time, comparable with any other; missing or unreadable is oldest of all."""
    return stamp_time(stamp) or dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def merge_documents(current: dict, incoming: Mapping, name: str) -> tuple[dict, Merge]:
    """(merged document, what changed). Per answer key the more recently saved answer wins (a tie
    keeps this computer's); keys on one side only are kept. Participant details: this computer's,
    blanks filled from the upload. ``program_year`` and ``last_year`` come from the upload only
    when this computer's file has none; every other top-level entry is this computer's."""
    doc = copy.deepcopy(current)
    report = Merge(name)
    answers = doc.setdefault("answers", {})
    for key, theirs in incoming["answers"].items():
        mine = answers.get(key)
        if mine is None:
            answers[key] = copy.deepcopy(theirs)
            report.changes.append(Change(key, NOT_HERE, theirs.get("value")))
        elif mine.get("value") == theirs.get("value"):
            continue
        elif _when(theirs.get("updated")) > _when(mine.get("updated")):
            answers[key] = copy.deepcopy(theirs)
            report.changes.append(Change(key, mine.get("value"), theirs.get("value")))
        else:
            report.kept.append(key)
    people = doc.setdefault("participant", {})
    for k, v in (incoming.get("participant") or {}).items():
        if not is_blank(v) and is_blank(people.get(k)):
            people[k] = str(v)
            report.details.append(k)
    for k in TAKEN_IF_MISSING:
        if doc.get(k) is None and incoming.get(k) is not None:
            doc[k] = copy.deepcopy(incoming[k])
            report.extras.append(k)
    return doc, report


def merge_upload(store: AnswerStore, raw: bytes, name: str, last_modified: dt.datetime | None = None) -> Merge:
    """Check an uploaded answers file and merge it into ``store``'s file. UploadRefused (or the
    store's own errors) leave the file exactly as it was."""
    incoming = read_upload(raw, name, last_modified)
    # The common refusals first, so a refused upload never creates a file here.
    view = read_document(store.path) if store.path.exists() else \
        {"participant": store.participant, "answers": {}}
    check_belongs_here(view, incoming, name)
    report = merge_documents(view, incoming, name)[1]
    if not report.changed:
        return report
    if not store.path.exists():
        store.update({})  # the file, with this participant's id, for rewrite to merge into

    def merge(doc: dict, _raw: bytes) -> dict:
        nonlocal report
        check_belongs_here(doc, incoming, name)  # again, under the lock: the file may have changed
        new, report = merge_documents(doc, incoming, name)
        if not report.changed:
            raise _Unchanged
        report.before = copy.deepcopy(doc)
        return new

    try:
        report.after = store.rewrite(merge)
    except _Unchanged:  # saved here meanwhile: nothing newer in the upload any more
        return report
    except schema.AnswerValueError as exc:  # read_upload checked every answer; kept for safety
        raise UploadRefused(f"{name}: {exc}. Nothing was changed.") from None
    return report


@dataclass
class Undone:
    exact: bool  # the whole file is back as it was before the merge
    kept: list[str] = field(default_factory=list)  # answers saved after the merge, left as they are


def undo(store: AnswerStore, merge: Merge) -> Undone:
    """Put the file back as it was before ``merge``, through ``rewrite`` (locked, ``.bak`` kept).

    If nothing was saved since the merge, the whole document from before it is written back: byte
    for byte the same file whenever that file was the kit's own writing (a hand-edited or schema-1
    file comes back as the same answers in the kit's layout). If answers were saved since, only what
    the merge changed and nobody has touched since goes back; those later saves stand, and are
    listed: Undo never throws away typing."""
    if merge.before is None or merge.after is None:
        raise AnswerFileError("That upload changed nothing, so there is nothing to undo.")
    before, after = merge.before, merge.after
    result = Undone(exact=False)

    def back(doc: dict, _raw: bytes) -> dict:
        result.kept.clear()
        if doc == after:
            result.exact = True
            return copy.deepcopy(before)
        for c in merge.changes:
            if doc["answers"].get(c.key) != after["answers"].get(c.key):
                result.kept.append(c.key)  # saved again since the merge: that save stands
            elif c.added:
                doc["answers"].pop(c.key, None)
            else:
                doc["answers"][c.key] = copy.deepcopy(before["answers"][c.key])
        for k in merge.details:
            if doc["participant"].get(k) == after["participant"].get(k):
                _put_back(doc["participant"], before["participant"], k)
        for k in merge.extras:
            if doc.get(k) == after.get(k):
                _put_back(doc, before, k)
        return doc

    store.rewrite(back)
    return result


# ---- Undo that survives a reload -----------------------------------------------------------------
def undo_path(store: AnswerStore) -> Path:
    """Where the last upload's Undo is kept, beside the answers file (private like it)."""
    return store.path.with_name(store.path.name + ".upload-undo")


def remember_merge(store: AnswerStore, merge: Merge) -> None:
    """Keep what Undo needs on disk, so a reloaded page (or another session) still offers it."""
    record = {"name": merge.name, "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "changes": [{"key": c.key, "added": c.added, "before": None if c.added else c.before,
                           "after": c.after} for c in merge.changes],
              "kept": merge.kept, "details": merge.details, "extras": merge.extras,
              "before": merge.before, "after": merge.after}
    write_atomic(undo_path(store), json.dumps(record, ensure_ascii=False).encode("utf-8"), access=PRIVATE)


def remembered_merge(store: AnswerStore) -> tuple[Merge, str] | None:
    """(the last upload still to undo, when it was merged), or None; a record that cannot be read
    is set aside (it only ever offered an Undo)."""
    path = undo_path(store)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        merge = Merge(record["name"], [Change(c["key"], NOT_HERE if c["added"] else c["before"], c["after"])
                                       for c in record["changes"]],
                      record["kept"], record["details"], record["extras"], record["before"], record["after"])
        return merge, str(record.get("at", ""))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)
        return None


def forget_merge(store: AnswerStore) -> None:
    undo_path(store).unlink(missing_ok=True)


def _put_back(target: dict, source: Mapping, key: str) -> None:
    if key in source:
        target[key] = copy.deepcopy(source[key])
    else:
        target.pop(key, None)


# ---- showing what changed -----------------------------------------------------------------------
def short_text(key: str, value) -> str:
    """An answer in a few words, plain text: tables as a row count, long text cut."""
    if value is NOT_HERE:
        return "(not answered here)"
    f = defs.field_for_key(key)
    if f.type == "table":
        n = len(value or [])
        return f"{n} row{'' if n == 1 else 's'}"
    text = " ".join(scalar_text(f, value).split())
    if not text:
        return "(blank)"
    return text if len(text) <= SHORT_TEXT else text[:SHORT_TEXT - 1].rstrip() + "…"


def question(key: str) -> tuple[str, str]:
    """(the field's label, its worksheet's title) for an answer key."""
    f = defs.field_for_key(key)
    return f.label, defs.worksheet(key.rsplit(".", 1)[0]).title


def _count(n: int, one: str) -> str:
    return f"{n} {one}{'' if n == 1 else 's'}"


def merge_summary(m: Merge) -> str:
    """One sentence of what the merge did, plain text."""
    if not m.changed:
        kept = (f" ({_count(len(m.kept), 'answer')} differ, but the copy on this computer is newer, so "
                "it was kept.)" if m.kept else "")
        return f"{m.name} is checked and holds nothing newer than the answers here: nothing changed.{kept}"
    parts = [f"{_count(m.added, 'answer')} added", f"{_count(m.updated, 'answer')} updated"]
    text = f"Merged {m.name}: {', '.join(parts)}"
    if m.kept:
        text += f"; {_count(len(m.kept), 'answer')} kept as {'it is' if len(m.kept) == 1 else 'they are'} " \
                "because the copy here was newer"
    text += "."
    if m.details:
        text += f" Filled in from the upload: your {', '.join(m.details)}."
    if m.extras:
        text += f" Taken from the upload: {', '.join(m.extras)}."
    return text


def changes_html(m: Merge) -> str:
    """The summary (a live region) and a table of every changed answer, all participant text escaped."""
    out = f'<p class="llc-carry-ok">{html.escape(merge_summary(m))}</p>'
    if not m.changes:
        return out
    rows = []
    for c in m.changes:
        label, title = question(c.key)
        rows.append(
            f'<tr><th scope="row">{html.escape(label)}<span class="llc-carry-ws">{html.escape(title)}</span></th>'
            f"<td><bdi>{html.escape(short_text(c.key, c.before))}</bdi></td>"
            f"<td><bdi>{html.escape(short_text(c.key, c.after))}</bdi></td></tr>")
    return out + (
        '<table class="llc-carry-table"><caption>What changed in your answers</caption>'
        '<thead><tr><th scope="col">Question</th><th scope="col">On this computer before</th>'
        '<th scope="col">Now</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
        '<p class="llc-carry-help">The forms on this page now show the merged answers. Other pages or '
        "tabs already open say so if you type in a box the upload changed, and show its new answer.</p>")


def undone_summary(u: Undone) -> str:
    if u.exact:
        return "Undone: your answers file is back exactly as it was before the upload."
    kept = ", ".join(question(k)[0] for k in u.kept)
    return ("Undone: the answers the upload changed are back as they were. "
            + (f"Kept {_count(len(u.kept), 'answer')} you saved after the upload: {kept}." if u.kept else ""))


# ---- the form -----------------------------------------------------------------------------------
# Styles for the whole form (static/carry.css, and downloads.css for its button) after the palette,
# shipped in an HTML widget (widget HTML is not sanitised).
CSS = style_tag("carry", "downloads")


class DownloadButton(downloads.DownloadButton):
    """Download my answers: the answers file as it is on disk when the button is pressed."""

    description = traitlets.Unicode("Download my answers").tag(sync=True)

    def __init__(self, store: AnswerStore, status: w.HTML, **kwargs):
        self.store = store
        super().__init__(self.answers_file, status, working="Reading your answers file…", done=self.said,
                         **kwargs)

    def answers_file(self) -> tuple[str, bytes, str]:
        """The file's bytes at this moment (never a stale copy); the kit's errors say what to do."""
        data = saved_file(self.store.path, "download").read_bytes()
        self.count = len(read_document(self.store.path)["answers"])  # a damaged file: how to restore it
        return self.store.path.name, data, "application/json"

    def said(self, name: str, _data: bytes) -> str:
        saved = dt.datetime.fromtimestamp(self.store.path.stat().st_mtime).astimezone()
        saved_at = f"{saved:%H:%M %Z} on {saved:%d %B %Y}"  # the zone: Binder and hubs run on UTC
        return (f"Downloading {name}: {_count(self.count, 'answer')}, as last saved at {saved_at}. Keep it "
                "somewhere safe; Upload answers on another computer takes it from there.")


# The browser half of Upload answers (static/upload.js): a real <button> labelled "Upload answers"
# (ipywidgets' FileUpload adds a file count, "Upload answers (0)").
UPLOAD_ESM = script("upload")


class UploadButton(anywidget.AnyWidget):
    """Upload answers: ``value`` becomes ``({"name", "type", "size", "content", "last_modified"},)``
    for the chosen file, as with ipywidgets' FileUpload."""

    _esm = UPLOAD_ESM
    description = traitlets.Unicode("Upload answers").tag(sync=True)
    tooltip = traitlets.Unicode("").tag(sync=True)
    accept = traitlets.Unicode(".json").tag(sync=True)
    multiple = traitlets.Bool(False).tag(sync=True)
    value = traitlets.Tuple()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(self._received)

    def _received(self, _widget, content, buffers) -> None:
        if not isinstance(content, dict) or not buffers:
            return
        when = content.get("last_modified")
        self.value = ({"name": str(content.get("name") or ""), "type": str(content.get("type") or ""),
                       "size": len(buffers[0]), "content": memoryview(buffers[0]),
                       "last_modified": dt.datetime.fromtimestamp(when / 1000, dt.timezone.utc)
                       if isinstance(when, (int, float)) else None},)


def carry_form(store: AnswerStore):
    """The 'Carry your answers' form: a notice where storage is temporary, Download my answers,
    Upload answers, what the upload changed, and Undo."""
    notice = w.HTML(CSS + (TEMPORARY_NOTICE if temporary_storage() else ""))
    download_status = w.HTML(
        f'<p class="llc-carry-help">Saves your answers file ({html.escape(store.path.name)}) '
        "as it is right now, to your browser's downloads.</p>")
    download = DownloadButton(store, download_status)
    upload = UploadButton(tooltip="Merge an answers file saved on another computer into yours")
    upload_help = w.HTML('<p class="llc-carry-help">Choose a file saved with Download my answers. It is '
                         "checked first; if it passes, each question keeps the answer saved most recently, "
                         "and a table shows what changed.</p>")
    result = w.HTML()
    undo_button = w.Button(description="Undo the last upload", icon="undo",
                           layout=w.Layout(width="max-content", display="none"),
                           tooltip="Put your answers file back as it was before the upload")
    state: dict[str, Merge | None] = {"merge": None}

    def show_undo(merge: Merge | None) -> None:
        state["merge"] = merge
        undo_button.layout.display = None if merge is not None else "none"

    earlier = remembered_merge(store)
    if earlier is not None:  # an upload made before this page (re)loaded can still be undone
        show_undo(earlier[0])
        when = earlier[1]
        try:
            when = f"{dt.datetime.fromisoformat(when).astimezone():%H:%M on %d %B %Y}"
        except ValueError:
            pass
        result.value = (f'<p class="llc-carry-help">Your last upload, {html.escape(earlier[0].name)} '
                        f"({html.escape(when)}), can still be undone.</p>")

    def on_upload(change) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        upload.value = ()  # so choosing the same file again is a change
        name = str(item.get("name") or "the uploaded file")
        try:
            merge = merge_upload(store, bytes(item["content"]), name, item.get("last_modified"))
        except (LeadingEdgeError, OSError) as exc:
            result.value = f'<p class="llc-carry-error" role="alert">Not merged. {html.escape(str(exc))}</p>'
            return  # an earlier merge can still be undone
        except Exception as exc:  # a callback's exception would vanish into the browser console
            result.value = ('<p class="llc-carry-error" role="alert">Not merged: something unexpected went '
                            f"wrong ({html.escape(first_line(exc))}). Your answers file was not changed; "
                            "tell your facilitator.</p>")
            return
        if merge.changed:  # otherwise an earlier upload stays the one to undo
            remember_merge(store, merge)
            show_undo(merge)
            reload_open_forms(store.path)  # every form on this page shows the merged answers at once
        result.value = changes_html(merge)

    def on_undo(_b) -> None:
        merge = state["merge"]
        if merge is None:
            return
        try:
            done = undo(store, merge)
        except (LeadingEdgeError, OSError) as exc:
            result.value = f'<p class="llc-carry-error" role="alert">Not undone. {html.escape(str(exc))}</p>'
            return
        forget_merge(store)
        reload_open_forms(store.path)
        result.value = f'<p class="llc-carry-ok">{html.escape(undone_summary(done))}</p>'
        show_undo(None)

    upload.observe(on_upload, names="value")
    undo_button.on_click(on_undo)
    download_status.add_class("llc-live")
    result.add_class("llc-live")
    form = a11y.form(w.VBox([notice, download, download_status, upload, upload_help, result, undo_button]))
    form.add_class("llc-carry")
    form.notice, form.download, form.download_status, form.upload = notice, download, download_status, upload
    form.result, form.undo = result, undo_button
    return form
