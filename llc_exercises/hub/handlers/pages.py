"""The service's pages: the facilitator's dashboard (or a participant's own history) at the
service's root, the attendance grid and its download, and the files of a cohort build."""
from __future__ import annotations

import logging
import secrets

from jupyterhub.services.auth import HubOAuthCallbackHandler
from tornado import web

from ...core.attendance import AttendanceError, SheetFile
from ...core.files import SHARED, write_atomic
from .. import dashboard
from ..attendance import Marks, attendance_updates, attendance_view, form_marks, modified, read_cohort
from .base import BaseHandler

log = logging.getLogger("leading-edge")


class HomeHandler(BaseHandler):
    """Facilitators get the cohort dashboard; participants, what they have sent."""

    @web.authenticated
    async def get(self):
        user = self.current_user
        self.set_header("Content-Type", "text/html; charset=utf-8")
        if await self.directory.is_facilitator(user):
            nonce = secrets.token_urlsafe(16)
            self.set_header("Content-Security-Policy", f"default-src 'self'; script-src 'nonce-{nonce}'; "
                            "style-src 'unsafe-inline'; img-src 'self' data:")
            self.finish(dashboard.dashboard_html(await self.progress(), user["name"], "api/export.zip",
                                                 nonce, self.xsrf()))
        else:
            self.set_header("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'")
            history = [h.as_json() for h in self.db.history(user["name"])]
            self.finish(dashboard.history_html(user["name"], history, self.sessions))


class BuildFileHandler(BaseHandler):
    @web.authenticated
    async def get(self, build_id, name):
        await self.facilitator()
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


class AttendanceHandler(BaseHandler):
    """The attendance grid (GET) and saving it (POST, a plain form carrying the xsrf token)."""

    async def show(self, user: dict, status: int = 200, marks: Marks | None = None,
                   errors: list[str] | tuple = (), notice: str = ""):
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy",
                        "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'")
        people = (await self.progress())["participants"]
        cohort, problem = read_cohort(self.cohort_path)
        view = {"user": user["name"], "xsrf": self.xsrf(), "errors": list(errors),
                "notice": notice, "setup": self.cohort_path is None, "problem": problem}
        if cohort is not None:
            try:
                sheet = SheetFile.editable(self.attendance_path)
            except AttendanceError as exc:
                view["problem"] = str(exc)
            else:
                view.update(attendance_view(cohort, sheet, people, marks))
                saved = modified(sheet.path, cohort.tz)
                view["saved"] = f"{saved:%Y-%m-%d %H:%M %Z}" if saved else ""
        self.finish(dashboard.attendance_html(view))

    @web.authenticated
    async def get(self):
        user = await self.facilitator()
        notice = ""
        changed = self.get_argument("saved", "")
        cohort, _ = read_cohort(self.cohort_path)
        saved = modified(self.attendance_path, cohort.tz) if cohort and changed.isdigit() else None
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
        people = (await self.progress())["participants"]
        cohort, problem = read_cohort(self.cohort_path)
        if cohort is None:
            raise web.HTTPError(409, problem or "This service has no cohort file, so it cannot keep "
                                                "attendance; the Attendance page says how to set one up.")
        # From here to the write nothing awaits, so two saves cannot interleave.
        try:
            sheet = SheetFile.editable(self.attendance_path)
        except AttendanceError as exc:
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
            write_atomic(self.attendance_path, sheet.merged(updates, names, list(events)), access=SHARED)
        changed = sum(len(c) for c in updates.values())
        log.info("attendance saved by %s: %d cells changed", user["name"], changed)
        self.redirect(f"attendance?saved={changed}", status=303)


class AttendanceFileHandler(BaseHandler):
    """The sheet as a download, safe to open in a spreadsheet."""

    @web.authenticated
    async def get(self):
        await self.facilitator()
        try:
            sheet = SheetFile.read(self.attendance_path)
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
    (r"builds/(\d+)/([^/]+)", BuildFileHandler),
    ("attendance", AttendanceHandler),
    (r"attendance\.csv", AttendanceFileHandler),
]
