"""The ``leading-edge`` JupyterHub service: participants send answers, facilitators see and build.

JupyterHub starts it (``hub.configure`` registers the command) and authenticates every request:
pages through HubOAuth, the API through ``Authorization: token …``. Facilitators are hub admins
and members of the facilitators group. Submissions go to SQLite (``submissions``); pages are
rendered by ``dashboard``; "Build all workbooks" runs ``llc build`` on the latest submissions in a
child process so a failing build can never take the service down.

With a cohort file (``--cohort``), facilitators also keep attendance on a page of their own: a
participant × session/meeting grid saved as ``attendance.csv`` (the format ``llc`` reads) in the data
folder.

Run by the Hub as ``python -m llc_exercises.hub.service --data-dir DIR [--cohort FILE]``.
"""
from __future__ import annotations

import argparse
import asyncio
import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import logging
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from tornado import web
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from .. import settings
from ..core import definitions as defs
from ..core.attendance import cell_hours, fmt_hours, short_title
from ..core.cohort import Cohort, CohortError, Event, load_cohort
from ..core.files import write_atomic
from ..core.roster import COLUMNS, csv_safe
from ..core.values import progress
from ..errors import LeadingEdgeError
from . import dashboard
from .config import DEFAULT_GROUP, DEFAULT_PORT, SERVICE_NAME
from .submissions import MAX_BODY_BYTES, SubmissionDB, SubmissionRejected, check_submission

log = logging.getLogger("leading-edge")
USERS_CACHE_S = 30
_BUILD_FILE = re.compile(r"^(workbook-[A-Za-z0-9_.@-]+\.(pdf|html)|index\.html|build-report\.csv)$")


# ---- export: the latest answers of everyone, in the layout `llc build --roster` reads ----------
def export_files(db: SubmissionDB):
    """(name, bytes) pairs: ``roster.csv`` and ``answers/<user>.json`` for each participant."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for sub, doc in db.latest_documents():
        p = doc.get("participant") or {}
        writer.writerow([sub.user, *(csv_safe(str(p.get(k) or "")) for k in COLUMNS[1:])])
        yield f"answers/{sub.user}.json", json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")
    yield "roster.csv", buf.getvalue().encode("utf-8")


def export_zip(db: SubmissionDB) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in export_files(db):
            zf.writestr(name, data)
    return out.getvalue()


def sessions_summary() -> list[dict]:
    # `short` is the series' own name for a session ("Visioning"), which fits a column header.
    return [{"id": s.id, "number": s.number, "title": s.title, "short": s.id.replace("_", " ").capitalize(),
             "total": progress(s, {})[1]} for s in defs.sessions()]


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# ---- builds ----------------------------------------------------------------------------------------
class Builds:
    """Cohort builds in ``<data>/builds/<n>/``: one at a time, run by ``llc build`` in a child."""

    def __init__(self, root: Path, db: SubmissionDB, jobs: int):
        self.root, self.db, self.jobs = root, db, jobs
        self.proc: subprocess.Popen | None = None
        self.status_file: Path | None = None  # the running (or last) build's status file

    def _latest_dir(self) -> Path | None:
        dirs = [d for d in self.root.glob("*") if d.name.isdigit()] if self.root.exists() else []
        return max(dirs, key=lambda d: int(d.name)) if dirs else None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> dict:
        if self.running():
            raise SubmissionRejected(409, "A build is already running; wait for it to finish.")
        files = list(export_files(self.db))
        count = sum(name.startswith("answers/") for name, _ in files)
        if not count:
            raise SubmissionRejected(409, "Nobody has sent answers yet, so there is nothing to build.")
        latest = self._latest_dir()
        folder = self.root / str(int(latest.name) + 1 if latest else 1)
        inputs = folder / "input"
        (inputs / "answers").mkdir(parents=True, mode=0o700)
        for name, data in files:
            write_atomic(inputs / name, data)
        write_atomic(folder / "status.json", json.dumps(
            {"done": 0, "total": count, "finished": False, "results": []}).encode())
        cmd = [sys.executable, "-m", "llc_exercises.cli", "build", "--roster", str(inputs / "roster.csv"),
               "--answers-dir", str(inputs / "answers"), "--out", str(folder / "workbooks"),
               "--jobs", str(self.jobs), "--quiet", "--status-file", str(folder / "status.json")]
        self.status_file = folder / "status.json"
        with open(folder / "build.log", "wb") as logfile:
            self.proc = subprocess.Popen(cmd, stdout=logfile, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, cwd=str(folder))
        log.info("build %s started for %d participants", folder.name, count)
        return self.status(folder)

    def status(self, folder: Path | None = None) -> dict:
        folder = folder or self._latest_dir()
        if folder is None:
            return {}
        try:
            st = json.loads((folder / "status.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            st = {"done": 0, "total": 0, "finished": False, "results": []}
        mine = self.status_file is not None and self.status_file.parent == folder
        if not st.get("finished") and not (mine and self.running()):
            # the child is gone (service restarted, or it crashed) without finishing
            tail = (folder / "build.log").read_text(errors="replace")[-400:] if (folder / "build.log").exists() else ""
            st.update(finished=True, crashed=True, crash=tail.strip().splitlines()[-1:] or ["stopped"])
        files, errors = [], []
        for r in st.get("results", []):
            for f in r.get("files", []):
                if f.endswith(".pdf"):
                    files.append({"label": f"{r['participant']} — {r.get('name') or r['participant']} (PDF)",
                                  "url": f"builds/{folder.name}/{f}"})
            if r.get("error"):
                errors.append(f"{r['participant']}: {r['error']}")
        if st.get("crashed"):
            errors.append(f"The build stopped before finishing: {' '.join(st['crash'])}")
        done, total = st.get("done", 0), st.get("total", 0)
        if not st.get("finished"):
            message = f"Building workbooks… {done} of {total}"
        else:
            message = f"Built {len(files)} of {total} workbooks." + (
                f" {len(errors)} need attention." if errors else "")
            if files:
                message += " Download them below."
        return {"id": int(folder.name), "done": done, "total": total, "finished": bool(st.get("finished")),
                "message": message, "files": files, "errors": errors}

    def file(self, build_id: str, name: str) -> Path | None:
        if not build_id.isdigit() or not _BUILD_FILE.match(name):
            return None
        path = self.root / build_id / "workbooks" / name
        return path if path.is_file() else None


# ---- who is who, asked of the Hub ----------------------------------------------------------------
class HubDirectory:
    """Hub users (names, groups, admin flags, last activity), cached briefly."""

    def __init__(self, api_url: str, token: str, group: str):
        self.api_url, self.token, self.group = api_url.rstrip("/"), token, group
        self._users: list[dict] = []
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    async def _get(self, path: str):
        req = HTTPRequest(f"{self.api_url}/{path}", headers={"Authorization": f"token {self.token}"},
                          request_timeout=20)
        resp = await AsyncHTTPClient().fetch(req)
        return json.loads(resp.body)

    async def users(self, fresh: bool = False) -> list[dict]:
        async with self._lock:
            if fresh or time.monotonic() - self._fetched > USERS_CACHE_S:
                users, offset = [], 0
                while True:  # the Hub pages its user list
                    page = await self._get(f"users?offset={offset}&limit=200")
                    page = page["items"] if isinstance(page, dict) else page
                    users += page
                    if len(page) < 200:
                        break
                    offset += len(page)
                self._users, self._fetched = users, time.monotonic()
            return self._users

    def is_facilitator_model(self, model: dict) -> bool:
        return bool(model.get("admin")) or self.group in (model.get("groups") or [])

    async def is_facilitator(self, model: dict) -> bool:
        if self.is_facilitator_model(model):
            return True
        # A token's own model carries groups but not the admin flag: ask the Hub (briefly cached).
        try:
            for fresh in (False, True):
                found = next((u for u in await self.users(fresh) if u["name"] == model["name"]), None)
                if found is not None:
                    return self.is_facilitator_model(found)
        except Exception as exc:  # noqa: BLE001 - the Hub unreachable: treat as a participant
            log.warning("could not ask the Hub whether %s is an admin: %s", model["name"], exc)
        return False


# ---- attendance: the cohort's sheet, kept on the dashboard ----------------------------------------
ATTENDANCE_FILE = "attendance.csv"


class SheetError(LeadingEdgeError, ValueError):
    """The attendance file cannot be read or edited safely; the message names it and the fix."""


def sheet_rows(path: Path) -> tuple[list[list[str]], bytes]:
    """The CSV's rows as they are (a BOM tolerated) and its bytes; none when there is no file yet."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], b""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SheetError(f"{path} is not UTF-8 text; save it again as “CSV UTF-8” from the spreadsheet, "
                         "or move it away to start a new sheet.") from None
    return list(csv.reader(io.StringIO(text, newline=""))), data


class Sheet:
    """The attendance CSV as it is on disk; ``merged`` changes only the cells it is given."""

    def __init__(self, path: Path):
        self.path = path
        rows, data = sheet_rows(path)
        # What the page was drawn from: a save from an older page must not undo a newer one.
        self.version = hashlib.sha256(data).hexdigest()[:16] if data else "none"
        self.bom = data.startswith(codecs.BOM_UTF8)
        self.newline = "\r\n" if b"\r\n" in data[:4096] else "\n"
        self.header = rows[0] if rows else []
        self.keys = [h.strip().lower() for h in self.header]  # as `llc` reads them: "Visioning" is visioning
        self.rows = rows[1:]
        if rows and "id" not in self.keys:
            raise SheetError(f"{path}: the first line has no 'id' column; it should read id, name, then "
                             "one column per session or meeting id. Fix it or move the file away.")
        twice = sorted({h for h in self.keys if h and self.keys.count(h) > 1})
        if twice:
            raise SheetError(f"{path}: column {twice[0]!r} appears twice in the first line; keep one.")
        ids = [self.id_of(r) for r in self.rows]
        twice = sorted({i for i in ids if i and ids.count(i) > 1})
        if twice:
            raise SheetError(f"{path}: participant {twice[0]!r} has two rows; merge them into one.")

    def id_of(self, row: list[str]) -> str:
        at = self.keys.index("id")
        return row[at].strip() if at < len(row) else ""

    def cells(self) -> dict[str, dict[str, str]]:
        """id → {column (lower case): cell} for every row with an id."""
        return {self.id_of(r): dict(zip(self.keys, r)) for r in self.rows if self.id_of(r)}

    def merged(self, updates: dict[str, dict[str, str]], names: dict[str, str], events: list[str]) -> bytes:
        """The file with ``updates`` (id → {event id: cell}) written in. Missing event columns are
        added and new participants appended; every other row, column and cell stays as it was."""
        keys = self.keys or ["id", "name"]
        header = (self.header or keys) + [e for e in events if e not in keys]
        at = {h: i for i, h in enumerate(keys + [e for e in events if e not in keys])}
        rows = [list(r) for r in self.rows]
        index = {self.id_of(r): n for n, r in enumerate(rows) if self.id_of(r)}
        for pid, cells in updates.items():
            if pid not in index:
                index[pid] = len(rows)
                rows.append([""] * len(header))
                rows[-1][at["id"]] = pid
                if "name" in at:
                    rows[-1][at["name"]] = names.get(pid, "")
            row = rows[index[pid]]
            row += [""] * (len(header) - len(row))
            for eid, cell in cells.items():
                row[at[eid]] = cell
        buf = io.StringIO(newline="")
        csv.writer(buf, lineterminator=self.newline).writerows([header, *rows])
        return (codecs.BOM_UTF8 if self.bom else b"") + buf.getvalue().encode("utf-8")


def modified(path: Path, tz) -> dt.datetime | None:
    """When the file was last written, in the cohort's time zone (what its facilitators read)."""
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, tz)
    except FileNotFoundError:
        return None


def event_label(e: Event) -> str:
    """'Visioning, 9 Sep 2025': names an event in control labels and messages."""
    return f"{short_title(e)}, {e.date.day} {e.date:%b %Y}"


Marks = dict[tuple[str, str], tuple[bool, str]]  # (participant, event id) → (ticked present, hours typed)


def sheet_marks(cells: dict[str, dict[str, str]], people: list[str], events: list[Event]) -> Marks:
    """What the grid shows for the sheet: a tick for any attendance, the hours when only part. A cell
    that is not yes/no/hours is put in the hours box as written, so saving asks for it to be fixed."""
    marks: Marks = {}
    for pid in people:
        for e in events:
            text = cells.get(pid, {}).get(e.id, "")
            hours = cell_hours(text, e.hours)
            if hours is None:
                marks[(pid, e.id)] = (False, text.strip())
            else:
                marks[(pid, e.id)] = (hours > 0, "" if hours in (0, e.hours) else fmt_hours(hours))
    return marks


def form_marks(form: dict[str, list[str]], events: dict[str, Event], known: set[str]) -> tuple[Marks, list[str]]:
    """The posted grid: fields ``participant`` and ``event`` list its rows and columns; a ticked box
    posts ``p:<event>:<participant>``, an hours box ``h:<event>:<participant>``."""
    problems = []
    people, columns = form.get("participant", []), form.get("event", [])
    problems += [f"{p!r} is not a participant on this hub; reload the page for the current list."
                 for p in dict.fromkeys(people) if p not in known]
    problems += [f"{e!r} is not a session or meeting of this cohort (they are {', '.join(events)}); "
                 "reload the page." for e in dict.fromkeys(columns) if e not in events]
    marks: Marks = {(p, e): (False, "") for p in people for e in columns}
    for name, values in form.items():
        kind, _, rest = name.partition(":")
        eid, _, pid = rest.partition(":")
        if kind not in ("p", "h"):
            continue
        if (pid, eid) not in marks:
            problems.append(f"The form sent a box for {pid!r} at {eid!r}, which is not in its grid; reload the page.")
            continue
        ticked, typed = marks[(pid, eid)]
        marks[(pid, eid)] = (True, typed) if kind == "p" else (ticked, values[-1].strip())
    return marks, problems


def attendance_updates(marks: Marks, events: dict[str, Event],
                       cells: dict[str, dict[str, str]]) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The cells to write (id → {event id: cell}) and what is wrong with the marks. A cell whose
    meaning does not change is left as written ("x" stays "x")."""
    updates: dict[str, dict[str, str]] = {}
    problems = []
    for (pid, eid), (ticked, typed) in marks.items():
        e = events.get(eid)
        if e is None:
            continue  # already reported by form_marks
        where = f"{pid} at {event_label(e)}"
        hours = e.hours if ticked else 0.0
        if typed:
            try:
                hours = float(typed)
            except ValueError:
                hours = math.nan
            if not math.isfinite(hours):
                problems.append(f"{where}: hours {typed!r} is not a number; type the hours attended, such as "
                                "1.5, or leave the box empty.")
                continue
            if not 0 <= hours <= e.hours:
                problems.append(f"{where}: {typed} hours is outside 0 to {fmt_hours(e.hours)}, the hours the "
                                "event is worth; leave the box empty for all of it.")
                continue
            if hours > 0 and not ticked:
                problems.append(f"{where}: {typed} hours typed but “present” is not ticked; tick it for "
                                "part of the event, or clear the hours for absent.")
                continue
        old = cells.get(pid, {}).get(eid, "")
        if cell_hours(old, e.hours) == hours:
            continue
        updates.setdefault(pid, {})[eid] = ("yes" if hours == e.hours else "no" if hours == 0
                                            else fmt_hours(hours))
    return updates, problems


def attendance_csv(rows: list[list[str]]) -> bytes:
    """The sheet for a spreadsheet: every cell formula-safe, with a BOM so Excel reads it as UTF-8."""
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([[csv_safe(c) for c in r] for r in rows])
    return codecs.BOM_UTF8 + buf.getvalue().encode("utf-8")


# ---- handlers --------------------------------------------------------------------------------------
def _handlers():
    # jupyterhub is imported here: participants' kernels import this package without it
    from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated, UserNotAllowed

    class Base(HubOAuthenticated, web.RequestHandler):
        api = False

        @property
        def svc(self) -> Service:
            return self.settings["llc"]

        async def prepare(self):
            model = await self.hub_auth.get_user(self, sync=False)
            if model:
                try:
                    model = self.check_hub_user(model)
                except UserNotAllowed:
                    model = None
            self._hub_auth_user_cache = model
            if model is None and self.api:
                raise web.HTTPError(401, reason="Unauthorized")

        def set_default_headers(self):
            self.set_header("X-Content-Type-Options", "nosniff")
            self.set_header("Cache-Control", "no-store")  # answers are private

        def json(self, status: int, body: dict) -> None:
            self.set_status(status)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(json.dumps(body, ensure_ascii=False))

        def write_error(self, status_code, **kwargs):
            messages = {
                401: "JupyterHub did not accept this request's token (unknown or expired). Sign in "
                     "again, or restart your server from the Hub Control Panel.",
                403: "You are not allowed to see this. Facilitators are hub admins and members of the "
                     f"'{self.svc.group}' group.",
                404: "Not found.", 405: "Method not allowed."}
            exc = kwargs.get("exc_info", (None, None))[1]
            msg = getattr(exc, "log_message", None) or messages.get(status_code, self._reason)
            if self.api or self.request.path.startswith(self.svc.prefix + "api/"):
                self.set_header("Content-Type", "application/json; charset=utf-8")
                self.finish(json.dumps({"error": msg, "status": status_code}))
            else:
                self.set_header("Content-Type", "text/html; charset=utf-8")
                self.finish(dashboard.page(f"{status_code}", f"<h1>{status_code}</h1><p>{dashboard.esc(msg)}</p>"))

        async def facilitator(self) -> dict:
            user = self.current_user
            if not await self.svc.directory.is_facilitator(user):
                raise web.HTTPError(403, "Facilitators only: you are not a hub admin or a member of the "
                                         f"'{self.svc.group}' group.")
            return user

    class Submissions(Base):
        api = True

        def post(self):
            owner = self.current_user["name"]
            if self.current_user.get("kind", "user") != "user":
                raise web.HTTPError(403, "Only participants (hub users) send answers.")
            try:
                doc = check_submission(owner, self.request.body)
            except SubmissionRejected as exc:
                log.info("submission from %s refused: %s", owner, exc)
                return self.json(exc.status, {"error": str(exc), "problems": exc.problems})
            sub = self.svc.db.add(owner, doc)
            log.info("submission %d from %s stored (%d answered)", sub.id, owner, sub.answered)
            self.json(201, {"submitted": sub.submitted, "id": sub.id, "user": owner,
                            "answered": sub.answered, "progress": sub.progress})

    class SubmissionOf(Base):
        api = True

        async def get(self, user):
            if user != self.current_user["name"]:
                await self.facilitator()
            found = self.svc.db.latest_document(user)
            if found is None:
                raise web.HTTPError(404, f"No submission from {user!r} yet.")
            sub, doc = found
            self.json(200, {**sub.as_json(), "document": doc})

    class Progress(Base):
        api = True

        async def get(self):
            await self.facilitator()
            self.json(200, await self.svc.progress())

    class Export(Base):
        api = True

        async def get(self):
            await self.facilitator()
            data = await asyncio.get_running_loop().run_in_executor(None, export_zip, self.svc.db)
            self.set_header("Content-Type", "application/zip")
            self.set_header("Content-Disposition", 'attachment; filename="leading-edge-answers.zip"')
            self.finish(data)

    class BuildsApi(Base):
        api = True

        async def post(self):
            await self.facilitator()
            try:
                self.json(202, self.svc.builds.start())
            except SubmissionRejected as exc:
                self.json(exc.status, {"error": str(exc)})

    class LatestBuild(Base):
        api = True

        async def get(self):
            await self.facilitator()
            self.json(200, self.svc.builds.status())

    class BuildFile(Base):
        @web.authenticated
        async def get(self, build_id, name):
            await self.facilitator()
            path = self.svc.builds.file(build_id, name)
            if path is None:
                raise web.HTTPError(404, "No such file in this build.")
            kind = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
                    "csv": "text/csv; charset=utf-8"}[name.rsplit(".", 1)[1]]
            self.set_header("Content-Type", kind)
            if kind.startswith("text/html"):  # a workbook page has no scripts; keep it that way
                self.set_header("Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
            self.finish(path.read_bytes())

    class Attendance(Base):
        """The attendance grid (GET) and saving it (POST, a plain form carrying the xsrf token)."""

        async def show(self, user: dict, status: int = 200, marks: Marks | None = None,
                       errors: list[str] | tuple = (), notice: str = ""):
            self.set_status(status)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Content-Security-Policy",
                            "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'")
            people = (await self.svc.progress())["participants"]
            cohort, problem = self.svc.cohort()
            view = {"user": user["name"], "xsrf": _text(self.xsrf_token), "errors": list(errors),
                    "notice": notice, "setup": self.svc.cohort_path is None, "problem": problem}
            if cohort is not None:
                try:
                    sheet = Sheet(self.svc.attendance_path)
                except SheetError as exc:
                    view["problem"] = str(exc)
                else:
                    view.update(self.svc.attendance_view(cohort, sheet, people, marks))
                    saved = modified(sheet.path, cohort.tz)
                    view["saved"] = f"{saved:%Y-%m-%d %H:%M %Z}" if saved else ""
            self.finish(dashboard.attendance_html(view))

        @web.authenticated
        async def get(self):
            user = await self.facilitator()
            notice = ""
            changed = self.get_argument("saved", "")
            cohort, _ = self.svc.cohort()
            saved = modified(self.svc.attendance_path, cohort.tz) if cohort and changed.isdigit() else None
            if saved and changed != "0":
                notice = f"Saved at {saved:%H:%M %Z}: {changed} cell{'s' * (changed != '1')} changed."
            elif changed == "0":
                notice = "Nothing had changed, so nothing was saved."
            await self.show(user, notice=notice)

        async def post(self):
            if self.current_user is None:  # HubOAuth takes the cookie on a POST only with its xsrf token
                raise web.HTTPError(403, "This save was not accepted: it did not carry this page's security "
                                         "token, or your sign-in has expired. Reload the Attendance page "
                                         "and save again.")
            user = await self.facilitator()
            people = (await self.svc.progress())["participants"]
            cohort, problem = self.svc.cohort()
            if cohort is None:
                raise web.HTTPError(409, problem or "This service has no cohort file, so it cannot keep "
                                                    "attendance; the Attendance page says how to set one up.")
            # From here to the write nothing awaits, so two saves cannot interleave.
            try:
                sheet = Sheet(self.svc.attendance_path)
            except SheetError as exc:
                raise web.HTTPError(409, str(exc)) from None
            form = {k: self.get_body_arguments(k) for k in self.request.body_arguments}
            if form.get("version", [""])[-1] != sheet.version:
                return await self.show(user, 409, errors=[
                    "Someone saved attendance after you opened this page, so your changes were not saved "
                    "(they would have undone theirs). The page now shows theirs: enter yours again."])
            events = {e.id: e for e in cohort.events()}
            marks, errors = form_marks(form, events, {p["user"] for p in people})
            updates, more = attendance_updates(marks, events, sheet.cells())
            errors += more
            if errors:
                log.info("attendance from %s refused: %s", user["name"], errors[0])
                return await self.show(user, 400, marks=marks, errors=errors)
            if updates:
                names = {p["user"]: p.get("name") or "" for p in people}
                write_atomic(self.svc.attendance_path, sheet.merged(updates, names, list(events)))
            changed = sum(len(c) for c in updates.values())
            log.info("attendance saved by %s: %d cells changed", user["name"], changed)
            self.redirect(f"attendance?saved={changed}", status=303)

    class AttendanceFile(Base):
        @web.authenticated
        async def get(self):
            await self.facilitator()
            try:
                rows, data = sheet_rows(self.svc.attendance_path)
            except SheetError as exc:
                raise web.HTTPError(409, str(exc)) from None
            if not data:
                raise web.HTTPError(404, "No attendance has been saved yet: tick who came on the Attendance "
                                         "page and press Save.")
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.set_header("Content-Disposition", 'attachment; filename="attendance.csv"')
            self.finish(attendance_csv(rows))

    class Home(Base):
        @web.authenticated
        async def get(self):
            user = self.current_user
            self.set_header("Content-Type", "text/html; charset=utf-8")
            if await self.svc.directory.is_facilitator(user):
                nonce = secrets.token_urlsafe(16)
                self.set_header("Content-Security-Policy", f"default-src 'self'; script-src 'nonce-{nonce}'; "
                                "style-src 'unsafe-inline'; img-src 'self' data:")
                self.finish(dashboard.dashboard_html(await self.svc.progress(), user["name"], "api/export.zip",
                                                     nonce, _text(self.xsrf_token)))
            else:
                self.set_header("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'")
                history = [h.as_json() for h in self.svc.db.history(user["name"])]
                self.finish(dashboard.history_html(user["name"], history, self.svc.sessions))

    class Health(web.RequestHandler):
        def get(self):
            self.finish({"ok": True})

    return [("", Home), ("oauth_callback", HubOAuthCallbackHandler), ("api/health", Health),
            ("api/submissions", Submissions), (r"api/submissions/([^/]+)", SubmissionOf),
            ("api/progress", Progress), (r"api/export\.zip", Export), ("api/builds", BuildsApi),
            ("api/builds/latest", LatestBuild), (r"builds/(\d+)/([^/]+)", BuildFile),
            ("attendance", Attendance), (r"attendance\.csv", AttendanceFile)]


class Service:
    """The service's state: database, builds and the Hub directory."""

    def __init__(self, data_dir: Path, group: str = DEFAULT_GROUP, build_jobs: int = 2,
                 prefix: str | None = None, api_url: str | None = None, token: str | None = None,
                 cohort: Path | None = None):
        self.data_dir = Path(data_dir)
        self.cohort_path = cohort
        self.attendance_path = self.data_dir / ATTENDANCE_FILE
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.group = group
        self.prefix = prefix or settings.HUB_SERVICE_PREFIX.raw() or f"/services/{SERVICE_NAME}/"
        self.db = SubmissionDB(self.data_dir / "submissions.sqlite")
        self.builds = Builds(self.data_dir / "builds", self.db, build_jobs)
        self.directory = HubDirectory(api_url or settings.HUB_API_URL.raw(),
                                      token or settings.HUB_API_TOKEN.raw(), group)
        self.sessions = sessions_summary()

    async def progress(self) -> dict:
        """For each participant and session: answered, total, last change, last submission."""
        try:
            hub_users = await self.directory.users()
        except Exception as exc:  # noqa: BLE001 - the Hub being slow must not hide submissions
            log.warning("could not list hub users: %s", exc)
            hub_users = []
        latest = {s.user: s for s in self.db.latest_all()}
        counts = self.db.counts()
        seen = {u["name"]: u for u in hub_users}
        names = sorted({*latest, *(n for n, u in seen.items() if not self.directory.is_facilitator_model(u))})
        people = []
        for name in names:
            sub = latest.get(name)
            details = sub.participant if sub else {}
            changes = [p["last_change"] for p in sub.progress.values() if p.get("last_change")] if sub else []
            people.append({
                "user": name, "name": details.get("name", ""), "school": details.get("school", ""),
                "sessions": sub.progress if sub else None,
                "last_change": max(changes, default=None),
                "last_submission": sub.submitted if sub else None,
                "submissions": counts.get(name, 0),
                "hub_last_activity": (seen.get(name) or {}).get("last_activity")})
        return {"sessions": self.sessions, "participants": people}

    def cohort(self) -> tuple[Cohort | None, str]:
        """The cohort, read afresh (a facilitator may correct the file while the hub runs), or why not."""
        if self.cohort_path is None:
            return None, ""
        try:
            return load_cohort(self.cohort_path), ""
        except CohortError as exc:
            return None, str(exc)

    def attendance_view(self, cohort: Cohort, sheet: Sheet, people: list[dict],
                        marks: Marks | None = None) -> dict:
        """What the attendance page shows: the sheet's marks (or the ones just posted, to correct),
        how many came to each event and each participant's hours."""
        events = cohort.events()
        ids = [p["user"] for p in people]
        cells = sheet.cells()
        shown = sheet_marks(cells, ids, events)
        shown.update({k: v for k, v in (marks or {}).items() if k in shown})

        def attended(pid: str, e: Event) -> float:
            return cell_hours(cells.get(pid, {}).get(e.id, ""), e.hours) or 0.0

        known = {e.id for e in events}
        return {
            "cohort": cohort.name, "path": str(sheet.path), "version": sheet.version,
            "available": fmt_hours(cohort.hours_available()),
            "events": [{"id": e.id, "kind": e.kind, "title": e.title,
                        "label": event_label(e), "iso": e.date.isoformat(),
                        # a column heading: sessions by their name, meetings by id ("Meeting 2")
                        "column": short_title(e) if e.kind == "session" else e.id.replace("_", " ").capitalize(),
                        "day": f"{e.date.day} {e.date:%b}", "year": f"{e.date:%Y}",
                        "hours": fmt_hours(e.hours)} for e in events],
            "people": [{"user": p["user"], "name": p.get("name") or cells.get(p["user"], {}).get("name", ""),
                        "marks": {e.id: shown[(p["user"], e.id)] for e in events},
                        "hours": fmt_hours(sum(attended(p["user"], e) for e in events))} for p in people],
            "totals": {e.id: sum(attended(pid, e) > 0 for pid in ids) for e in events},
            "other_rows": sum(pid not in ids for pid in cells),
            "other_columns": [h for h, k in zip(sheet.header, sheet.keys) if k and k not in ("id", "name", *known)],
        }

    def app(self) -> web.Application:
        from jupyterhub.utils import url_path_join

        routes = [(url_path_join(self.prefix, path) if path else self.prefix, handler)
                  for path, handler in _handlers()]
        # No tornado xsrf_cookies: HubOAuth accepts a cookie on a POST only with a valid xsrf token
        # itself, and token-authenticated API calls (participants' kernels) need none.
        # gzip: a 1,000-participant dashboard is ~0.7 MB of repetitive HTML (see benchmarks)
        return web.Application(routes, llc=self, cookie_secret=os.urandom(32), compress_response=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m llc_exercises.hub.service",
                                description="The Leading Edge JupyterHub service (started by the Hub).")
    p.add_argument("--data-dir", required=True, type=Path, help="where submissions and builds are kept")
    p.add_argument("--facilitators-group", default=DEFAULT_GROUP)
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--build-jobs", type=int, default=2)
    p.add_argument("--cohort", type=Path, default=settings.COHORT.raw() or None,
                   help="the cohort file (llc cohort init): its sessions and meetings are the attendance "
                        "page's columns (default: $LLC_COHORT)")
    args = p.parse_args(argv)
    # A hub started from a background script hands its children an ignored SIGINT; the Hub stops
    # services with SIGINT first, so restore the default and stop at once when asked.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.basicConfig(level=logging.INFO, format="[leading-edge %(asctime)s] %(message)s")
    if not settings.HUB_API_TOKEN.is_set():
        print("llc service: JUPYTERHUB_API_TOKEN is not set. This service is started by JupyterHub; "
              "register it with llc_exercises.hub.configure(c) in jupyterhub_config.py.", file=sys.stderr)
        return 2
    svc = Service(args.data_dir, args.facilitators_group, args.build_jobs, cohort=args.cohort)
    _, problem = svc.cohort()
    if problem:  # reported, not fatal: submissions must keep working while the file is fixed
        log.warning("attendance page unavailable: %s", problem)

    async def serve():
        # Bodies over the 5 MB limit are still read (up to 4×) so the sender gets a 413 it can
        # show, not a dropped connection.
        svc.app().listen(args.port, args.ip, max_body_size=4 * MAX_BODY_BYTES, xheaders=True)
        log.info("serving %s on %s:%d, data in %s", svc.prefix, args.ip, args.port, args.data_dir)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        log.info("stopping")
    return 0


if __name__ == "__main__":
    sys.exit(main())
