"""One participant's page, ``participants/<user>`` (issue 20, item 3): for whoever may read that
user (``BaseHandler.may_read``), with feedback boxes for those who may answer them. What it shows
is ``hub.reading``'s; this is who may see it and the response's headers."""
from __future__ import annotations

import secrets

from tornado import web

from .. import reading
from .base import BaseHandler


class ParticipantHandler(BaseHandler):

    @web.authenticated
    async def get(self, user):
        await self.may_read(user)  # 403 page, naming who may
        viewer = await self.viewer()
        groups = await self.user_groups(user)
        book = self.book()
        may_respond = book.may_respond(viewer, user, groups) or (
            viewer.name != user and await self.legacy_facilitator())
        latest = self.db.latest_document(user)
        if latest is None and await self.hub_user(user) is None:  # only an admin gets this far
            raise web.HTTPError(404, f"{user!r} is not a user of this hub and has sent nothing.")
        sheets, charts = (None, False)
        if latest is not None:
            sub, doc = latest
            sheets, charts = await reading.ANSWERS.html(self.db, sub, reading.answer_values(doc))
        items = self.feedback.for_user(user)
        names = self.db.names({f.author for f in items} | {viewer.name})
        view = reading.participant_view(user, latest, self.db.history(user), items, book, groups, self.sessions,
                                        viewer.name, may_respond, sheets, charts, names)
        nonce = secrets.token_urlsafe(16)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        # As the dashboard: only this response's own script runs; charts are data: images.
        self.set_header("Content-Security-Policy", f"default-src 'self'; script-src 'nonce-{nonce}'; "
                        "style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'self'; form-action 'self'")
        self.finish(reading.participant_html(view, nonce, self.xsrf()))


default_handlers = [
    (r"participants/([^/]+)", ParticipantHandler),
]
