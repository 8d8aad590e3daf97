"""The ``leading-edge`` JupyterHub service (``python -m llc_exercises.hub.service``, registered by
``hub.configure``): ``Service`` holds the state (submissions, build jobs, the Hub's users,
attendance) and hands it to the handlers as tornado application settings; participants send answers,
facilitators see, build and keep attendance."""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

from tornado import web

from .. import settings
from . import reading
from .attendance import ATTENDANCE_FILE, read_cohort
from .cohorts import CohortFolder
from .config import COHORTS_FOLDER, DEFAULT_GROUP, DEFAULT_PORT, SERVICE_NAME
from .directory import HubDirectory
from .feedback import FeedbackDB
from .jobs import Builds
from .progress import cohort_progress, sessions_summary
from .submissions import MAX_BODY_BYTES, GroupCommit, SubmissionDB

log = logging.getLogger("leading-edge")


class Service:
    """The service's state (database, builds, the Hub directory, paths) and its tornado application."""

    def __init__(self, data_dir: Path, group: str = DEFAULT_GROUP, build_jobs: int = 2,
                 prefix: str | None = None, api_url: str | None = None, token: str | None = None,
                 cohort: Path | None = None, cohorts_dir: Path | None = None):
        self.data_dir = Path(data_dir)
        self.cohort_path = cohort
        self.attendance_path = self.data_dir / ATTENDANCE_FILE
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.group = group
        self.prefix = prefix or settings.HUB_SERVICE_PREFIX.raw() or f"/services/{SERVICE_NAME}/"
        self.db = SubmissionDB(self.data_dir / "submissions.sqlite")
        self.sends = GroupCommit(self.db)
        # Feedback lives in the same SQLite file: one file to back up, one 0600 file to guard.
        self.feedback = FeedbackDB(self.data_dir / "submissions.sqlite")
        # Cohort files are read again while the service runs (cohorts come and go without a restart);
        # the default folder is made so an admin sees where to put them.
        self.cohorts_dir = Path(cohorts_dir) if cohorts_dir else self.data_dir / COHORTS_FOLDER
        if cohorts_dir is None:
            self.cohorts_dir.mkdir(exist_ok=True, mode=0o700)
        self.cohorts = CohortFolder(self.cohorts_dir)
        self.builds = Builds(self.data_dir / "builds", self.db, build_jobs)
        self.directory = HubDirectory(api_url or settings.HUB_API_URL.raw(),
                                      token or settings.HUB_API_TOKEN.raw(), group)
        self.sessions = sessions_summary()

    async def progress(self) -> dict:
        """For each participant and session: answered, total, last change, last submission."""
        return await cohort_progress(self.db, self.directory, self.sessions)

    def handler_settings(self) -> dict:
        """The application settings the handlers read their shared state from (``handlers.base.Setting``)."""
        return {"db": self.db, "builds": self.builds, "directory": self.directory,
                "facilitators_group": self.group, "service_prefix": self.prefix,
                "cohort_path": self.cohort_path, "attendance_path": self.attendance_path,
                "sessions": self.sessions, "cohorts": self.cohorts, "feedback": self.feedback,
                "sends": self.sends}

    def app(self) -> web.Application:
        # jupyterhub is imported here: participants' kernels import this package without it
        from jupyterhub.utils import url_path_join

        from .handlers import default_handlers

        routes = [(url_path_join(self.prefix, path) if path else self.prefix, handler)
                  for path, handler in default_handlers]
        # No tornado xsrf_cookies: HubOAuth accepts a cookie on a POST only with a valid xsrf token
        # itself, and token-authenticated API calls (participants' kernels) need none.
        # gzip: a 1,000-participant dashboard is ~0.7 MB of repetitive HTML (see benchmarks)
        return web.Application(routes, cookie_secret=os.urandom(32), compress_response=True, **self.handler_settings())


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
    p.add_argument("--cohorts-dir", type=Path, default=None,
                   help="the folder of cohort files (*.yaml with hub_group, facilitators' hub_user, teams), "
                        "read again while the service runs (default: DATA_DIR/cohorts)")
    args = p.parse_args(argv)
    # A hub started from a background script hands its children an ignored SIGINT; the Hub stops
    # services with SIGINT first, so restore the default and stop at once when asked.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.basicConfig(level=logging.INFO, format="[leading-edge %(asctime)s] %(message)s")
    if not settings.HUB_API_TOKEN.is_set():
        print("llc service: JUPYTERHUB_API_TOKEN is not set. This service is started by JupyterHub; "
              "register it with llc_exercises.hub.configure(c) in jupyterhub_config.py.", file=sys.stderr)
        return 2
    svc = Service(args.data_dir, args.facilitators_group, args.build_jobs, cohort=args.cohort,
                  cohorts_dir=args.cohorts_dir)
    book = svc.cohorts.book()  # read once now, so a broken file is named in the log at start
    log.info("cohorts folder %s: %d cohort(s)%s", svc.cohorts_dir, len(book.cohorts),
             f", {len(book.problems)} problem(s)" if book.problems else "")
    _, problem = read_cohort(svc.cohort_path)
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
    finally:
        reading.ANSWERS.close()  # the participant pages' chart worker goes with the service
    return 0


if __name__ == "__main__":
    sys.exit(main())
