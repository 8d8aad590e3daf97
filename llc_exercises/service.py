"""The ``leading-edge`` JupyterHub service: participants send answers, facilitators see and build.

JupyterHub starts it (``hub.configure`` registers the command) and authenticates every request:
pages through HubOAuth, the API through ``Authorization: token …``. Facilitators are hub admins
and members of the facilitators group. Submissions go to SQLite (``submissions``); pages are
rendered by ``dashboard``; "Build all workbooks" runs ``llc build`` on the latest submissions in a
child process so a failing build can never take the service down.

Run by the Hub as ``python -m llc_exercises.service --data-dir DIR``.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import logging
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

from . import dashboard
from . import definitions as defs
from .hub import DEFAULT_GROUP, DEFAULT_PORT, SERVICE_NAME
from .roster import COLUMNS, csv_safe
from .store import write_atomic
from .submissions import MAX_BODY_BYTES, SubmissionDB, SubmissionRejected, check_submission
from .values import progress

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
            ("api/builds/latest", LatestBuild), (r"builds/(\d+)/([^/]+)", BuildFile)]


class Service:
    """The service's state: database, builds and the Hub directory."""

    def __init__(self, data_dir: Path, group: str = DEFAULT_GROUP, build_jobs: int = 2,
                 prefix: str | None = None, api_url: str | None = None, token: str | None = None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.group = group
        self.prefix = prefix or os.environ.get("JUPYTERHUB_SERVICE_PREFIX", f"/services/{SERVICE_NAME}/")
        self.db = SubmissionDB(self.data_dir / "submissions.sqlite")
        self.builds = Builds(self.data_dir / "builds", self.db, build_jobs)
        self.directory = HubDirectory(api_url or os.environ.get("JUPYTERHUB_API_URL", ""),
                                      token or os.environ.get("JUPYTERHUB_API_TOKEN", ""), group)
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

    def app(self) -> web.Application:
        from jupyterhub.utils import url_path_join

        routes = [(url_path_join(self.prefix, path) if path else self.prefix, handler)
                  for path, handler in _handlers()]
        # No tornado xsrf_cookies: HubOAuth accepts a cookie on a POST only with a valid xsrf token
        # itself, and token-authenticated API calls (participants' kernels) need none.
        # gzip: a 1,000-participant dashboard is ~0.7 MB of repetitive HTML (see benchmarks)
        return web.Application(routes, llc=self, cookie_secret=os.urandom(32), compress_response=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m llc_exercises.service",
                                description="The Leading Edge JupyterHub service (started by the Hub).")
    p.add_argument("--data-dir", required=True, type=Path, help="where submissions and builds are kept")
    p.add_argument("--facilitators-group", default=DEFAULT_GROUP)
    p.add_argument("--ip", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--build-jobs", type=int, default=2)
    args = p.parse_args(argv)
    # A hub started from a background script hands its children an ignored SIGINT; the Hub stops
    # services with SIGINT first, so restore the default and stop at once when asked.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.basicConfig(level=logging.INFO, format="[leading-edge %(asctime)s] %(message)s")
    if not os.environ.get("JUPYTERHUB_API_TOKEN"):
        print("llc service: JUPYTERHUB_API_TOKEN is not set. This service is started by JupyterHub; "
              "register it with llc_exercises.hub.configure(c) in jupyterhub_config.py.", file=sys.stderr)
        return 2
    svc = Service(args.data_dir, args.facilitators_group, args.build_jobs)

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
