"""The service's pages: the facilitator's dashboard (or a participant's own history) at the
service's root, the attendance grid and its download, and the files of a cohort build."""
from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode as url_encode

from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web
from tornado.escape import url_escape

from ...core.attendance import AttendanceError, SheetFile
from ...core.cohort import Cohort
from ...core.files import SHARED, write_atomic
from .. import dashboard
from ..attendance import Marks, attendance_updates, attendance_view, form_marks, modified, read_cohort
from ..progress import cohort_progress
from .base import BaseHandler

log = logging.getLogger("leading-edge")


class HomeHandler(BaseHandler):
    """Hub admins and a cohort's facilitators get that cohort's dashboard (a picker when they run
    several; ``?cohort=<id>``); a team leader, their team's members; legacy facilitators (no cohort
    file yet), everyone; participants, what they have sent."""

    @web.authenticated
    async def get(self):
        user = self.current_user
        self.set_header("Content-Type", "text/html; charset=utf-8")
        viewer, book = await self.viewer(), self.book()
        visible = book.visible(viewer)
        if visible:
            return await self.cohort_dashboard(viewer, book, visible)
        if await self.legacy_facilitator() or (viewer.admin and not book.cohorts):
            progress = await self.progress()
            return await self.dashboard(progress, user["name"], export_url="api/export.zip",
                                  progress_url="api/progress", runs=True)
        self.set_header("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'")
        history = [h.as_json() for h in self.db.history(user["name"])]
        current = book.current_cohort(viewer.groups)
        tz = book.cohorts[current].tz if current else None
        self.finish(dashboard.history_html(user["name"], history, self.sessions, tz))

    async def cohort_dashboard(self, viewer, book, visible: list[str]):
        cid = self.get_argument("cohort", "") or next((c for c in visible if book.runs(viewer, c)), visible[0])
        if cid not in visible:
            raise web.HTTPError(404 if viewer.admin else 403,
                                f"No cohort {cid!r} that you may see; pick one of {', '.join(visible)}.")
        cohort = book.cohorts[cid]
        runs = book.runs(viewer, cid)
        if runs:
            users = await self.cohort_members(cid)
        else:  # a team leader: the members of the teams they lead, themselves not included
            users = {m for t in cohort.teams if t.leader == viewer.name for m in t.members} - {viewer.name}
        progress = await cohort_progress(self.db, self.directory, self.sessions, users)
        choices = [dashboard.Choice(c, book.cohorts[c].name) for c in visible]
        await self.dashboard(progress, viewer.name, export_url=f"api/cohorts/{url_escape(cid)}/export.zip",
                       progress_url=f"api/cohorts/{url_escape(cid)}/progress" if runs else "", runs=runs, tz=cohort.tz,
                       cohorts=choices, current=cid, cohort_name=cohort.name)

    async def dashboard(self, progress: dict, user: str, **view) -> None:
        nonce = secrets.token_urlsafe(16)
        self.set_header("Content-Security-Policy", f"default-src 'self'; script-src 'nonce-{nonce}'; "
                        "style-src 'unsafe-inline'; img-src 'self' data:")
        export_url = view.pop("export_url")
        # Whoever runs the cohort shown builds its workbooks (the legacy view: everyone's); a team
        # leader does not, as the builds API says.
        may_build = bool(view.get("runs"))
        build = self.builds.status(cohort=view.get("current") or None) if may_build else None
        self.finish(dashboard.dashboard_html(progress, user, export_url, nonce, self.xsrf(),
                                             feedback=self.feedback.summary(), build=build,
                                             may_build=may_build, **view))


class AllPDFsHandler(BaseHandler):
    """Every PDF of one build in a zip, for those who may build."""

    @web.authenticated
    async def get(self, build_id):
        await self.may_open_build(build_id)
        data = await asyncio.get_running_loop().run_in_executor(None, self.builds.all_pdfs, build_id)
        if data is None:
            raise web.HTTPError(404, f"Build {build_id} has no workbook PDFs.")
        self.set_header("Content-Type", "application/zip")
        self.set_header("Content-Disposition", f'attachment; filename="leading-edge-workbooks-{build_id}.zip"')
        self.finish(data)


class BuildFileHandler(BaseHandler):
    @web.authenticated
    async def get(self, build_id, name):
        await self.may_open_build(build_id)
        path = self.builds.file(build_id, name)
        if path is None:
            raise web.HTTPError(404, "No such file in this build.")
        kind = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
                "csv": "text/csv; charset=utf-8"}[name.rsplit(".", 1)[1]]
        self.set_header("Content-Type", kind)
        if kind.startswith("text/html"):  # a workbook page has no scripts; keep it that way
            self.set_header("Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        self.finish(path.read_bytes())


class Sheet(NamedTuple):
    """The attendance a request is about: one cohort's (from the cohort files) or, legacy, the
    service's single ``--cohort`` file."""
    cid: str  # "" in legacy mode
    cohort: Cohort | None
    problem: str
    path: Path  # the attendance CSV
    people: list[dict]
    setup: bool  # no cohort at all: the page says how to set one up


class AttendanceMixin(BaseHandler):
    async def sheet(self) -> Sheet:
        """Which cohort's attendance: ``?cohort=<id>`` (default the first the caller runs), for its
        facilitators and hub admins only (team leaders keep no attendance). While no cohort file
        exists, the legacy ``--cohort`` file for the facilitators group."""
        book = self.book()
        if not book.cohorts:
            await self.facilitator()
            cohort, problem = read_cohort(self.cohort_path)
            people = (await self.progress())["participants"]
            return Sheet("", cohort, problem, self.attendance_path, people, self.cohort_path is None)
        viewer = await self.viewer()
        runs = [c for c in book.cohorts if book.runs(viewer, c)]
        cid = self.get_argument("cohort", "") or (runs[0] if runs else "")
        users = await self.cohort_members(cid)  # 403/404 as the API answers
        cohort = book.cohorts[cid]
        # The sheet the cohort file names (attendance:, what `llc certificates` reads), unless another
        # cohort's file names the same one (`llc cohort init` writes attendance.csv in each): then,
        # and without one, a sheet per cohort beside the legacy one, so cohorts never share rows.
        shared = [c for c in book.cohorts.values() if c.attendance == cohort.attendance]
        path = (cohort.attendance if cohort.attendance and len(shared) == 1
                else self.attendance_path.with_name(f"attendance-{cid}.csv"))
        people = (await cohort_progress(self.db, self.directory, self.sessions, users))["participants"]
        return Sheet(cid, cohort, "", path, people, False)

    def here(self, sheet: Sheet, path: str = "attendance", **query: str) -> str:
        """This page's address for the same cohort (a form's action, a redirect)."""
        args = {**({"cohort": sheet.cid} if sheet.cid else {}), **query}
        return path + ("?" + url_encode(args) if args else "")


class AttendanceHandler(AttendanceMixin):
    """The attendance grid (GET) and saving it (POST, a plain form carrying the xsrf token)."""

    async def show(self, user: dict, sheet: Sheet, status: int = 200, marks: Marks | None = None,
                   errors: list[str] | tuple = (), notice: str = ""):
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy",
                        "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'")
        cohort = sheet.cohort
        view = {"user": user["name"], "xsrf": self.xsrf(), "errors": list(errors),
                "notice": notice, "setup": sheet.setup, "problem": sheet.problem,
                "action": self.here(sheet), "back": self.here(sheet, "./"),
                "download": self.here(sheet, "attendance.csv"),
                "zone": dashboard.zone_label(cohort.tz if cohort else None)}
        if cohort is not None:
            try:
                editable = SheetFile.editable(sheet.path)
            except AttendanceError as exc:
                view["problem"] = str(exc)
            else:
                view.update(attendance_view(cohort, editable, sheet.people, marks))
                saved = modified(editable.path, cohort.tz)
                view["saved"] = dashboard.when(saved.isoformat(), cohort.tz) if saved else ""
        self.finish(dashboard.attendance_html(view))

    @web.authenticated
    async def get(self):
        user = self.current_user
        sheet = await self.sheet()
        notice = ""
        changed = self.get_argument("saved", "")
        cohort = sheet.cohort
        saved = modified(sheet.path, cohort.tz) if cohort and changed.isdigit() else None
        if saved and changed != "0":
            notice = f"Saved at {saved:%H:%M %Z}: {changed} cell{'s' * (changed != '1')} changed."
        elif changed == "0":
            notice = "Nothing had changed, so nothing was saved."
        await self.show(user, sheet, notice=notice)

    async def post(self):
        if self.current_user is None:  # HubOAuth takes the cookie on a POST only with its xsrf token
            raise web.HTTPError(403, "This save was not accepted: it did not carry this page's security "
                                     "token, or your sign-in has expired. Reload the Attendance page "
                                     "and save again.")
        user = self.current_user
        sheet = await self.sheet()
        people, cohort = sheet.people, sheet.cohort
        if cohort is None:
            raise web.HTTPError(409, sheet.problem or "This service has no cohort file, so it cannot keep "
                                                      "attendance; the Attendance page says how to set one up.")
        # From here to the write nothing awaits, so two saves cannot interleave.
        try:
            editable = SheetFile.editable(sheet.path)
        except AttendanceError as exc:
            raise web.HTTPError(409, str(exc)) from None
        form = {k: self.get_body_arguments(k) for k in self.request.body_arguments}
        if form.get("version", [""])[-1] != editable.version:
            return await self.show(user, sheet, 409, errors=[
                "Someone saved attendance after you opened this page, so your changes were not saved "
                "(they would have undone theirs). The page now shows theirs: enter yours again."])
        events = {e.id: e for e in cohort.events()}
        marks, errors = form_marks(form, events, {p["user"] for p in people})
        updates, more = attendance_updates(marks, events, editable.cells())
        errors += more
        if errors:
            log.info("attendance from %s refused: %s", user["name"], errors[0])
            return await self.show(user, sheet, 400, marks=marks, errors=errors)
        if updates:
            names = {p["user"]: p.get("name") or "" for p in people}
            write_atomic(sheet.path, editable.merged(updates, names, list(events)), access=SHARED)
        changed = sum(len(c) for c in updates.values())
        log.info("attendance%s saved by %s: %d cells changed", f" of {sheet.cid}" if sheet.cid else "",
                 user["name"], changed)
        self.redirect(self.here(sheet, saved=str(changed)), status=303)


class AttendanceFileHandler(AttendanceMixin):
    """The sheet as a download, safe to open in a spreadsheet."""

    @web.authenticated
    async def get(self):
        which = await self.sheet()
        try:
            sheet = SheetFile.read(which.path)
        except FileNotFoundError:
            sheet = None
        except AttendanceError as exc:
            raise web.HTTPError(409, str(exc)) from None
        if sheet is None or sheet.version == "none":
            raise web.HTTPError(404, "No attendance has been saved yet: tick who came on the Attendance "
                                     "page and press Save.")
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", 'attachment; filename="attendance.csv"')
        self.finish(sheet.for_spreadsheet())


default_handlers = [
    ("", HomeHandler),
    ("oauth_callback", HubOAuthCallbackHandler),
    (r"builds/(\d+)/all\.zip", AllPDFsHandler),
    (r"builds/(\d+)/([^/]+)", BuildFileHandler),
    ("attendance", AttendanceHandler),
    (r"attendance\.csv", AttendanceFileHandler),
]
