"""The service's JSON API: participants' kernels send answers (``Authorization: token …``);
facilitators' scripts and the dashboard read progress, export answers and run builds; facilitators
and team leaders read one participant's work and write feedback on it (issue 20).

Who may do what is ``cohorts.Book``'s rules; hub admins see everything, and members of the legacy
facilitators group keep today's view while no cohort file exists. The POSTs here are answered for
``Authorization: token`` callers without an xsrf check: the application sets no ``xsrf_cookies``,
and HubOAuth itself refuses a cookie-authenticated POST without a valid xsrf token."""
from __future__ import annotations

import logging

from tornado import web

from ..cohorts import membership_problems
from ..feedback import FeedbackRejected, check_feedback, feedback_document
from ..progress import cohort_progress
from ..submissions import SubmissionRejected, check_submission
from .base import BaseHandler

log = logging.getLogger("leading-edge")
_LOGGED: set[str] = set()  # cohort-file mismatches already written to the log


class HealthHandler(web.RequestHandler):
    def get(self):
        self.finish({"ok": True})


class SubmissionsAPIHandler(BaseHandler):
    api = True

    async def post(self):
        owner = self.current_user["name"]
        if self.current_user.get("kind", "user") != "user":
            raise web.HTTPError(403, "Only participants (hub users) send answers.")
        try:
            doc = check_submission(owner, self.request.body)
        except SubmissionRejected as exc:
            log.info("submission from %s refused: %s", owner, exc)
            return self.json(exc.status, {"error": str(exc), "problems": exc.problems})
        sub = await self.sends.add(owner, doc)
        log.info("submission %d from %s stored (%d answered)", sub.id, owner, sub.answered)
        self.json(201, {"submitted": sub.submitted, "id": sub.id, "user": owner,
                        "answered": sub.answered, "progress": sub.progress})


class SubmissionAPIHandler(BaseHandler):
    api = True

    async def get(self, user):
        await self.may_read(user)
        found = self.db.latest_document(user)
        if found is None:
            raise web.HTTPError(404, f"No submission from {user!r} yet.")
        sub, doc = found
        self.json(200, {**sub.as_json(), "document": doc})


class ProgressAPIHandler(BaseHandler):
    api = True

    async def get(self):
        users = await self.everyone_i_run()
        self.json(200, self.with_feedback(await cohort_progress(self.db, self.directory, self.sessions, users)))


class ExportAPIHandler(BaseHandler):
    api = True

    async def get(self):
        await self.send_export(await self.everyone_i_run(), "leading-edge-answers.zip")


class CohortsAPIHandler(BaseHandler):
    """The cohorts the caller may see with their teams; a team leader sees only their own team."""
    api = True

    async def get(self):
        viewer, book = await self.viewer(), self.book()
        out: list[dict] = []
        mismatches: list[str] = []
        for cid in book.visible(viewer):
            c = book.cohorts[cid]
            runs = book.runs(viewer, cid)
            teams = [t for t in c.teams if runs or t.leader == viewer.name]
            entry = {"id": cid, "name": c.name, "hub_group": c.hub_group, "timezone": c.timezone,
                     "facilitators": list(c.facilitator_logins()), "runs": runs,
                     "teams": [{"name": t.name, "leader": t.leader, "members": list(t.members)}
                               for t in teams]}
            if runs:  # what the Hub says that the file contradicts, to those who run the cohort
                found = await self.membership_problems(cid, c)
                entry["problems"] = found
                mismatches += found
            out.append(entry)
        body: dict = {"cohorts": out}
        if viewer.admin:  # files with mistakes are named to those who can fix them (and logged)
            body["problems"] = [*book.problems, *mismatches]
        self.json(200, body)

    async def membership_problems(self, cid: str, c) -> list[str]:
        try:
            users = {u["name"] for u in await self.directory.users()}
            groups = await self.directory.groups()
        except Exception as exc:  # noqa: BLE001 - without the Hub nothing can be compared
            log.warning("could not compare cohort %s with the Hub: %s", cid, exc)
            return []
        found = membership_problems(cid, c, users, groups)
        for problem in set(found) - _LOGGED:  # once each: the dashboard asks every few seconds
            _LOGGED.add(problem)
            log.warning("cohort file %s", problem)
        return found


class CohortProgressAPIHandler(BaseHandler):
    api = True

    async def get(self, cid):
        users = await self.cohort_members(cid)
        progress = await cohort_progress(self.db, self.directory, self.sessions, users)
        self.json(200, {"cohort": cid, **self.with_feedback(progress)})


class CohortExportAPIHandler(BaseHandler):
    api = True

    async def get(self, cid):
        await self.send_export(await self.cohort_members(cid), f"leading-edge-{cid}-answers.zip")


class FeedbackAPIHandler(BaseHandler):
    """A participant's feedback: read by them and by whoever may answer them; written by their
    cohort's facilitators, their team leader and hub admins."""
    api = True

    async def get(self, user):
        """Every item, newest first, each with its author's name (a facilitator's from the cohort
        file, a team leader's from their own latest send), and the time zone of the user's current
        cohort, for their notebook to show times in (null outside every cohort)."""
        await self.may_read(user)
        self.json(200, feedback_document(user, await self.user_groups(user), self.book(), self.feedback,
                                         self.db.names))

    async def post(self, user):
        viewer = await self.viewer()
        # Permission first: an outsider learns nothing, not even what a good body would be.
        allowed = self.book().may_respond(viewer, user, await self.user_groups(user))
        if not allowed and not (viewer.name != user and await self.legacy_facilitator()):
            raise web.HTTPError(403, f"You may not write feedback to {user!r}: only their cohort's "
                                     "facilitators, their team leader and hub admins may.")
        try:
            key, text = check_feedback(self.request.body)
        except FeedbackRejected as exc:
            log.info("feedback from %s to %s refused: %s", viewer.name, user, exc)
            return self.json(exc.status, {"error": str(exc), "status": exc.status})
        if await self.hub_user(user) is None:
            raise web.HTTPError(404, f"{user!r} is not a user of this hub.")
        item = self.feedback.add(user, key, viewer.name, text)
        log.info("feedback %d from %s to %s on %s stored", item.id, viewer.name, user, key)
        self.json(201, item.as_json())


class FeedbackReadAPIHandler(BaseHandler):
    api = True

    def post(self, user, fid):
        if self.current_user["name"] != user:
            raise web.HTTPError(403, "Only the participant the feedback is for marks it read.")
        item = self.feedback.mark_read(user, int(fid))
        if item is None:
            raise web.HTTPError(404, f"{user!r} has no feedback {fid}.")
        self.json(200, item.as_json())


class BuildsAPIHandler(BaseHandler):
    api = True

    async def post(self):
        cid, users = await self.build_scope()
        try:
            self.json(202, self.builds.start(self.feedback, self.book(), await self.groups_by_user(),
                                             users=users, cohort=cid))
        except SubmissionRejected as exc:
            self.json(exc.status, {"error": str(exc)})


class LatestBuildAPIHandler(BaseHandler):
    api = True

    async def get(self):
        cid, _ = await self.build_scope()
        self.json(200, self.builds.status(cohort=cid))


default_handlers = [
    ("api/cohorts", CohortsAPIHandler),
    (r"api/cohorts/([^/]+)/progress", CohortProgressAPIHandler),
    (r"api/cohorts/([^/]+)/export\.zip", CohortExportAPIHandler),
    (r"api/feedback/([^/]+)", FeedbackAPIHandler),
    (r"api/feedback/([^/]+)/(\d+)/read", FeedbackReadAPIHandler),
    ("api/health", HealthHandler),
    ("api/submissions", SubmissionsAPIHandler),
    (r"api/submissions/([^/]+)", SubmissionAPIHandler),
    ("api/progress", ProgressAPIHandler),
    (r"api/export\.zip", ExportAPIHandler),
    ("api/builds", BuildsAPIHandler),
    ("api/builds/latest", LatestBuildAPIHandler),
]
