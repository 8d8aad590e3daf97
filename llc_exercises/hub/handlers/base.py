"""What every handler of the service shares: HubOAuth sign-in, the facilitator check, private
caching headers, JSON bodies and error pages or JSON errors. Shared state (database, builds, the Hub
directory, paths) comes from the tornado application's settings, which ``Service.app`` fills."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path
from typing import Generic, TypeVar

from jupyterhub.services.auth import HubOAuthenticated, UserNotAllowed
from tornado import web

from .. import dashboard
from ..cohorts import Book, CohortFolder, Viewer
from ..directory import HubDirectory
from ..exports import export_zip
from ..feedback import FeedbackDB
from ..jobs import Builds
from ..progress import cohort_progress
from ..submissions import GroupCommit, SubmissionDB

MESSAGES = {
    401: "JupyterHub did not accept this request's token (unknown or expired). Sign in again, or "
         "restart your server from the Hub Control Panel.",
    404: "Not found.", 405: "Method not allowed."}
T = TypeVar("T")
log = logging.getLogger("leading-edge")


class Setting(Generic[T]):
    """A handler attribute that is the application's setting of the same name."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, handler: web.RequestHandler, owner=None) -> T:
        return handler.settings[self.name]


class BaseHandler(HubOAuthenticated, web.RequestHandler):
    """Pages sign in through HubOAuth; ``api = True`` handlers answer 401 instead of redirecting."""
    api = False

    # shared state, from the application's settings (``Service.handler_settings``)
    db = Setting[SubmissionDB]()
    builds = Setting[Builds]()
    directory = Setting[HubDirectory]()
    facilitators_group = Setting[str]()
    service_prefix = Setting[str]()
    cohort_path = Setting["Path | None"]()
    attendance_path = Setting[Path]()
    sessions = Setting["list[dict]"]()
    cohorts = Setting[CohortFolder]()
    feedback = Setting[FeedbackDB]()
    sends = Setting[GroupCommit]()

    async def progress(self) -> dict:
        return await cohort_progress(self.db, self.directory, self.sessions)

    def with_feedback(self, progress: dict) -> dict:
        """``progress`` plus, for its participants with feedback, how many items they have not read
        and when the latest was written: the dashboard refreshes those counts too."""
        summary = self.feedback.summary()
        people = {p["user"] for p in progress["participants"]}
        return {**progress, "feedback": {u: f for u, f in summary.items() if u in people}}

    def xsrf(self) -> str:
        """This page's xsrf token as text, for a form field or a script's header."""
        token = self.xsrf_token
        return token.decode() if isinstance(token, bytes) else str(token)

    # ---- every request ----
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
        messages = {**MESSAGES, 403: "You are not allowed to see this. Facilitators are hub admins and "
                                     f"members of the '{self.facilitators_group}' group."}
        exc = kwargs.get("exc_info", (None, None))[1]
        msg = getattr(exc, "log_message", None) or messages.get(status_code, self._reason)
        if self.api or self.request.path.startswith(self.service_prefix + "api/"):
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(json.dumps({"error": msg, "status": status_code}))
        else:
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.finish(dashboard.error_html(status_code, msg))

    # ---- cohorts: who is asking, and about whom ----
    def book(self) -> Book:
        """The cohort files as they are now (re-read at most once a second, without a restart)."""
        return self.cohorts.book()

    async def hub_user(self, name: str) -> dict | None:
        """The Hub's model of user ``name`` (groups, admin flag), or None if the Hub has no such user
        or does not answer (then nobody gains rights from it)."""
        try:
            return await self.directory.user(name)
        except Exception as exc:  # noqa: BLE001 - the Hub unreachable
            log.warning("could not ask the Hub about %s: %s", name, exc)
        return None

    async def user_groups(self, name: str) -> set[str]:
        """The hub groups of user ``name`` (which cohorts they are in); empty if unknown."""
        return set((await self.hub_user(name) or {}).get("groups") or [])

    async def viewer(self) -> Viewer:
        """Who is asking: their login, admin flag and groups. A token's own model carries groups but
        not the admin flag, so the Hub's user list (fresher than the token cache) supplies both."""
        model = self.current_user
        if model.get("kind", "user") != "user":  # a service's token: no cohort rights of its own
            return Viewer(model["name"])
        found = await self.hub_user(model["name"])
        groups = (found or model).get("groups") or []
        return Viewer(model["name"], bool(model.get("admin") or (found or {}).get("admin")), frozenset(groups))

    async def legacy_facilitator(self) -> bool:
        """Members of the legacy facilitators group keep today's view of everyone while the hub
        runs no cohort files (hub admins always have it)."""
        return not self.book().cohorts and await self.directory.is_facilitator(self.current_user)

    async def may_read(self, user: str) -> None:
        """403 unless the caller may read ``user``'s work and feedback: the user, an admin, a
        facilitator of one of their cohorts, their team leader (or a legacy facilitator)."""
        viewer = await self.viewer()
        if viewer.name == user or self.book().may_read(viewer, user, await self.user_groups(user)):
            return
        if await self.legacy_facilitator():
            return
        raise web.HTTPError(403, f"You may not see {user!r}'s work: only they, their cohort's facilitators, "
                                 "their team leader and hub admins may.")

    async def members(self, book: Book, cids: list[str]) -> set[str]:
        """The hub logins in the groups of these cohorts (their participants, sent or not)."""
        groups = {book.cohorts[cid].hub_group for cid in cids} - {""}
        try:
            users = await self.directory.users()
        except Exception as exc:  # noqa: BLE001 - without the Hub, whose work is whose is unknown
            log.warning("could not list hub users: %s", exc)
            raise web.HTTPError(503, "The Hub did not answer; try again in a moment.") from None
        return {u["name"] for u in users if groups & set(u.get("groups") or [])}

    async def cohort_members(self, cid: str) -> set[str]:
        """One cohort's participants, for someone who runs it: 403 for anyone but hub admins and its
        facilitators (team leaders neither export nor see it all); 404 for an unknown cohort, to
        those who run some cohort."""
        book, viewer = self.book(), await self.viewer()
        runs_any = viewer.admin or any(book.runs(viewer, c) for c in book.cohorts)
        if cid not in book.cohorts and runs_any:  # others learn nothing, not even which ids exist
            raise web.HTTPError(404, f"No cohort {cid!r} on this hub (cohort files are <id>.yaml).")
        if not book.runs(viewer, cid):
            raise web.HTTPError(403, f"Only hub admins and the facilitators of cohort {cid!r} may see it all.")
        return await self.members(book, [cid])

    async def everyone_i_run(self) -> set[str] | None:
        """Whose work the caller may see as a whole: None for everyone (hub admins, and legacy
        facilitators while no cohort file exists), else the members of the cohorts they run."""
        viewer, book = await self.viewer(), self.book()
        if viewer.admin or await self.legacy_facilitator():
            return None
        runs = [cid for cid in book.cohorts if book.runs(viewer, cid)]
        if not runs:
            raise web.HTTPError(403, "Facilitators only: you are not a hub admin, a facilitator of a cohort "
                                     f"or a member of the '{self.facilitators_group}' group.")
        return await self.members(book, runs)

    async def send_export(self, users: set[str] | None, filename: str) -> None:
        """The export zip (``llc build --roster`` layout) of ``users`` (None: everyone), with the
        feedback each was given."""
        data = await asyncio.get_running_loop().run_in_executor(
            None, export_zip, self.db, users, self.feedback, self.book(), await self.groups_by_user())
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)  # a cohort id is a file name an admin chose
        self.set_header("Content-Type", "application/zip")
        self.set_header("Content-Disposition", f'attachment; filename="{safe}"')
        self.finish(data)

    async def groups_by_user(self) -> dict[str, set[str]]:
        """Hub login → their hub groups (which cohort's zone and facilitators their feedback is
        shown with); empty when the Hub does not answer, and the feedback then goes without them."""
        try:
            return {u["name"]: set(u.get("groups") or []) for u in await self.directory.users()}
        except Exception as exc:  # noqa: BLE001 - the Hub unreachable
            log.warning("could not list hub users: %s", exc)
            return {}

    async def build_scope(self) -> tuple[str | None, set[str] | None]:
        """Whose workbooks a build request is about: ``?cohort=<id>`` and its members (403 unless the
        caller runs that cohort), or without it everyone on the hub, for hub admins and legacy
        facilitators only (a cohort's facilitator builds their own cohort, never others')."""
        cid = self.get_argument("cohort", "") or None
        if cid is not None:
            return cid, await self.cohort_members(cid)
        if await self.everyone_i_run() is not None:
            raise web.HTTPError(403, "Builds of everyone on the hub are for hub admins; build your cohort's "
                                     "workbooks with ?cohort=<id> (the dashboard's Build button does).")
        return None, None

    async def may_open_build(self, build_id: str) -> None:
        """403 unless the caller may see the workbooks of build ``build_id``: a cohort's build for
        those who run that cohort, a hub-wide one for hub admins and legacy facilitators."""
        cid = self.builds.scope(build_id)
        if cid is None:
            if await self.everyone_i_run() is not None:
                raise web.HTTPError(403, "This build holds everyone's workbooks; only hub admins may open it.")
        elif not self.book().runs(await self.viewer(), cid):
            raise web.HTTPError(403, f"Only hub admins and the facilitators of cohort {cid!r} may open its workbooks.")

    async def facilitator(self) -> dict:
        user = self.current_user
        if not await self.directory.is_facilitator(user):
            raise web.HTTPError(403, "Facilitators only: you are not a hub admin or a member of the "
                                     f"'{self.facilitators_group}' group.")
        return user
