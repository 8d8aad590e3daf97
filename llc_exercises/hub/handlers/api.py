"""The service's JSON API: participants' kernels send answers (``Authorization: token …``);
facilitators' scripts and the dashboard read progress, export answers and run builds."""
from __future__ import annotations

import asyncio
import logging

from tornado import web

from ..exports import export_zip
from ..submissions import SubmissionRejected, check_submission
from .base import BaseHandler

log = logging.getLogger("leading-edge")


class HealthHandler(web.RequestHandler):
    def get(self):
        self.finish({"ok": True})


class SubmissionsAPIHandler(BaseHandler):
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
        sub = self.db.add(owner, doc)
        log.info("submission %d from %s stored (%d answered)", sub.id, owner, sub.answered)
        self.json(201, {"submitted": sub.submitted, "id": sub.id, "user": owner,
                        "answered": sub.answered, "progress": sub.progress})


class SubmissionAPIHandler(BaseHandler):
    api = True

    async def get(self, user):
        if user != self.current_user["name"]:
            await self.facilitator()
        found = self.db.latest_document(user)
        if found is None:
            raise web.HTTPError(404, f"No submission from {user!r} yet.")
        sub, doc = found
        self.json(200, {**sub.as_json(), "document": doc})


class ProgressAPIHandler(BaseHandler):
    api = True

    async def get(self):
        await self.facilitator()
        self.json(200, await self.progress())


class ExportAPIHandler(BaseHandler):
    api = True

    async def get(self):
        await self.facilitator()
        data = await asyncio.get_running_loop().run_in_executor(None, export_zip, self.db)
        self.set_header("Content-Type", "application/zip")
        self.set_header("Content-Disposition", 'attachment; filename="leading-edge-answers.zip"')
        self.finish(data)


class BuildsAPIHandler(BaseHandler):
    api = True

    async def post(self):
        await self.facilitator()
        try:
            self.json(202, self.builds.start())
        except SubmissionRejected as exc:
            self.json(exc.status, {"error": str(exc)})


class LatestBuildAPIHandler(BaseHandler):
    api = True

    async def get(self):
        await self.facilitator()
        self.json(200, self.builds.status())


default_handlers = [
    ("api/health", HealthHandler),
    ("api/submissions", SubmissionsAPIHandler),
    (r"api/submissions/([^/]+)", SubmissionAPIHandler),
    ("api/progress", ProgressAPIHandler),
    (r"api/export\.zip", ExportAPIHandler),
    ("api/builds", BuildsAPIHandler),
    ("api/builds/latest", LatestBuildAPIHandler),
]
