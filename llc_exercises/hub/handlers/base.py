"""What every handler of the service shares: HubOAuth sign-in, the facilitator check, private
caching headers, JSON bodies and error pages or JSON errors. Shared state (database, builds, the Hub
directory, paths) comes from the tornado application's settings, which ``Service.app`` fills."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Generic, TypeVar

from jupyterhub.services.auth import HubOAuthenticated, UserNotAllowed
from tornado import web

from .. import dashboard
from ..directory import HubDirectory
from ..jobs import Builds
from ..progress import cohort_progress
from ..submissions import SubmissionDB

MESSAGES = {
    401: "JupyterHub did not accept this request's token (unknown or expired). Sign in again, or "
         "restart your server from the Hub Control Panel.",
    404: "Not found.", 405: "Method not allowed."}
T = TypeVar("T")


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

    async def progress(self) -> dict:
        return await cohort_progress(self.db, self.directory, self.sessions)

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

    async def facilitator(self) -> dict:
        user = self.current_user
        if not await self.directory.is_facilitator(user):
            raise web.HTTPError(403, "Facilitators only: you are not a hub admin or a member of the "
                                     f"'{self.facilitators_group}' group.")
        return user
