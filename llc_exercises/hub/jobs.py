"""Cohort builds: "Build all workbooks" runs ``llc build`` on the latest submissions in a child
process (one at a time), so a failing build can never take the service down."""
from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import zipfile
from collections.abc import Collection, Mapping
from io import BytesIO
from pathlib import Path

from ..core.files import PRIVATE, write_atomic
from .cohorts import Book
from .exports import export_files
from .feedback import FeedbackDB
from .submissions import SubmissionDB, SubmissionRejected

log = logging.getLogger("leading-edge")
SCOPE_FILE = "scope.json"  # {"cohort": id or null}: whose build it is (status.json is the child's)
BUILD_FILE = re.compile(r"^(workbook-[A-Za-z0-9_.@-]+\.(pdf|html)|index\.html|build-report\.csv)$")


class Builds:
    """Cohort builds in ``<data>/builds/<n>/``: one at a time, run by ``llc build`` in a child."""

    def __init__(self, root: Path, db: SubmissionDB, jobs: int):
        self.root, self.db, self.jobs = root, db, jobs
        self.proc: subprocess.Popen | None = None
        self.status_file: Path | None = None  # the running (or last) build's status file

    def _latest_dir(self, cohort: str | None = None, any_scope: bool = False) -> Path | None:
        """The newest build folder of ``cohort`` (None: the hub-wide builds), or of any scope."""
        dirs = [d for d in self.root.glob("*") if d.name.isdigit()] if self.root.exists() else []
        if not any_scope:
            dirs = [d for d in dirs if self.scope(d.name) == cohort]
        return max(dirs, key=lambda d: int(d.name)) if dirs else None

    def scope(self, build_id: str) -> str | None:
        """Whose workbooks a build holds: a cohort's id, or None for a hub-wide build (those only
        hub admins and the legacy facilitators group may run and read)."""
        try:
            return json.loads((self.root / build_id / SCOPE_FILE).read_text(encoding="utf-8"))["cohort"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, feedback: FeedbackDB | None = None, book: Book | None = None,
              groups: Mapping[str, Collection[str]] | None = None, users: Collection[str] | None = None,
              cohort: str | None = None) -> dict:
        """Build the workbooks of ``users`` (None: everyone) from their latest send, with the feedback
        they were given (``book`` and ``groups``, hub login → groups: whose cohort, zone and
        facilitators); ``cohort``: whose build it is, so only those who run it see its files."""
        if self.running():
            raise SubmissionRejected(409, "A build is already running; wait for it to finish.")
        files = list(export_files(self.db, users, feedback=feedback, book=book, groups=groups))
        count = sum(name.startswith("answers/") for name, _ in files)
        if not count:
            raise SubmissionRejected(409, "Nobody has sent answers yet, so there is nothing to build.")
        latest = self._latest_dir(any_scope=True)
        folder = self.root / str(int(latest.name) + 1 if latest else 1)
        inputs = folder / "input"
        (inputs / "answers").mkdir(parents=True, mode=0o700)
        write_atomic(folder / SCOPE_FILE, json.dumps({"cohort": cohort}).encode())
        (inputs / "feedback").mkdir(mode=0o700)  # beside answers/, where `llc build` looks for it
        for name, data in files:
            write_atomic(inputs / name, data, access=PRIVATE)
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

    def status(self, folder: Path | None = None, cohort: str | None = None) -> dict:
        """The build in ``folder``, or the latest of ``cohort`` (None: the latest hub-wide one)."""
        folder = folder or self._latest_dir(cohort)
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
                                  "url": f"builds/{folder.name}/{f}",
                                  "sort": f"{(r.get('name') or r['participant']).casefold()}\t{r['participant']}"})
            if r.get("error"):
                errors.append(f"{r['participant']}: {r['error']}")
        files.sort(key=lambda f: f["sort"])  # by participant name, as a facilitator looks for one
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
                "message": message, "files": files, "errors": errors,
                "all_pdfs": f"builds/{folder.name}/all.zip" if files else ""}

    def file(self, build_id: str, name: str) -> Path | None:
        if not build_id.isdigit() or not BUILD_FILE.match(name):
            return None
        path = self.root / build_id / "workbooks" / name
        return path if path.is_file() else None

    def all_pdfs(self, build_id: str) -> bytes | None:
        """Every PDF of one build in one zip ("Download all PDFs"); None for no such build or no PDFs.
        PDFs are already compressed, so they are stored, not deflated again."""
        folder = self.root / build_id / "workbooks"
        if not build_id.isdigit() or not folder.is_dir():
            return None
        pdfs = sorted(p for p in folder.glob("workbook-*.pdf") if BUILD_FILE.match(p.name))
        if not pdfs:
            return None
        out = BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
            for p in pdfs:
                z.write(p, p.name)
        return out.getvalue()
