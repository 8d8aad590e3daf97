"""``llc hub-demo`` end to end, as someone trying the kit on a fresh clone would use it.

The command starts a real JupyterHub (proxy, the ``leading-edge`` service, a server spawned per
login). In Chromium the facilitator first sees that ``mquillfeather`` has sent nothing; then
``mquillfeather`` signs in, lands in the orientation notebook, runs it and presses "Send my answers
to my facilitator"; the facilitator reloads the dashboard, sees the answers counted, builds every
workbook and downloads Marigold's PDF. Stopping the command (SIGTERM) must stop everything it
started.

Runs as whoever runs the suite (the demo needs no root and no Unix users); skipped only when there
is no Chromium to drive.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urljoin

import pytest
from helpers import ROOT, SAMPLE, pdf_text, squash

from llc_exercises.core.ports import free_port
from llc_exercises.documents.pdf import CHROMIUM_FLAGS, PdfEngineError, find_chromium
from llc_exercises.hub.demo import DEMO_PARTICIPANTS, FACILITATOR, processes_mentioning

try:
    CHROMIUM = find_chromium()
except PdfEngineError as exc:
    pytest.skip(f"the hub demo is checked in a real browser, and there is none: {exc}",
                allow_module_level=True)

PARTICIPANT = "mquillfeather"  # the demo participant who has not sent yet (the last one)
MARKUP = "tmarkup"  # the sample participant whose answers carry HTML/Markdown/LaTeX specials
SEND = "Send my answers to my facilitator"
START_S = 180  # `llc hub-demo` up: a hub, its proxy and the service on a busy 2-core CI runner
STOP_S = 90  # SIGTERM to exit: the command waits up to 45 s for the Hub, then kills what is left
MS = 1000


def sample(user: str) -> dict:
    return json.loads((SAMPLE / "answers" / f"{user}.json").read_text(encoding="utf-8"))


def survivors(state: Path) -> dict[int, str]:
    out = {}
    for pid in sorted(processes_mentioning(state)):
        try:
            out[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # gone meanwhile
    return out


class DemoHub:
    """``llc hub-demo`` as a subprocess, its stdout collected line by line in a thread."""

    def __init__(self, state: Path):
        self.state, self.port = state, free_port()
        self.lines: list[str] = []
        self.running = threading.Event()
        # A fresh clone's environment: not the suite's own participant, data folder or hub login.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LLC_", "JUPYTERHUB_"))}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llc_exercises.cli", "hub-demo", "--port", str(self.port),
             "--state", str(state)],
            cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if "is running" in line:
                self.running.set()
        self.running.set()  # the command ended: stop waiting

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def log_tail(self, n: int = 40) -> str:
        log = self.state / "jupyterhub.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-n:]) if log.exists() else "(no log)"

    def wait_running(self) -> tuple[str, str]:
        """(hub URL, password) from the banner, once the command says the hub is running."""
        if not self.running.wait(START_S) or self.proc.poll() is not None:
            pytest.fail(f"`llc hub-demo` did not say it is running within {START_S}s "
                        f"(exit status {self.proc.poll()}).\n--- output:\n{self.output}\n"
                        f"--- hub log:\n{self.log_tail()}")
        url = re.search(r"is running: (http://127\.0\.0\.1:\d+)/", self.output)
        password = re.search(r"Password for every login below: (\S+)", self.output)
        assert url and password, self.output
        assert url.group(1) == f"http://127.0.0.1:{self.port}"
        assert password.group(1) == (self.state / "demo-password").read_text().strip()
        return url.group(1), password.group(1)

    def stop(self) -> None:
        """SIGTERM, as `kill` would: the command stops the hub, which stops what it started."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.reader.join(10)


@pytest.fixture
def demo(tmp_path):
    hub = DemoHub(tmp_path / "demo")
    try:
        yield hub
    finally:
        hub.stop()
        state = hub.state.resolve()
        left, deadline = survivors(state), time.monotonic() + 10
        while left and time.monotonic() < deadline:  # SIGKILLed ones take a moment to go
            time.sleep(0.5)
            left = survivors(state)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        assert not left, (f"still running after `llc hub-demo` stopped (killed now): {left}\n"
                          f"--- output:\n{hub.output}\n--- hub log:\n{hub.log_tail()}")
        assert hub.proc.returncode == 0 and "Stopping the demo hub" in hub.output, (
            f"exit status {hub.proc.returncode}\n{hub.output}")


def sign_in(page, url: str, user: str, password: str, next_path: str = "") -> None:
    page.goto(f"{url}/hub/login" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def grid_row(page, user: str):
    """The dashboard's row for ``user`` (its header cell links the name to the participant's page)."""
    return page.locator(f'table.grid tbody tr[data-user="{user}"]')


def columns(page, row) -> dict[str, str]:
    """A grid row's cells by their column heading (the row's header cell: name and login)."""
    heads = [h.strip() for h in page.locator("table.grid thead th").all_inner_texts()]
    cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
    assert len(heads) == len(cells), (heads, cells)
    return dict(zip(heads, cells))


def test_participant_sends_and_facilitator_sees_and_downloads(demo, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, password = demo.wait_running()
    dashboard = f"{url}/services/leading-edge/"
    name = sample(PARTICIPANT)["participant"]["name"]
    markup_name = sample(MARKUP)["participant"]["name"]
    shots = []

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            # -- the facilitator: the participant is listed but has sent nothing yet
            fac = browser.new_context(viewport={"width": 1280, "height": 900})
            board = fac.new_page()
            shots.append(board)
            dialogs = []
            board.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            sign_in(board, url, FACILITATOR, password, "/services/leading-edge/")
            # expect() polls from Playwright's side: the dashboard's CSP forbids the eval that
            # page.wait_for_function would need.
            expect(board.locator("table.grid")).to_be_visible(timeout=60 * MS)
            assert board.url.startswith(dashboard), board.url
            row = grid_row(board, PARTICIPANT)
            expect(row).to_have_count(1)
            assert row.locator("td.s").first.get_attribute("aria-label").endswith("nothing sent")

            # -- the participant: sign in, the hub spawns a server and opens orientation
            part = browser.new_context(viewport={"width": 1280, "height": 900})
            lab = part.new_page()
            shots.append(lab)
            sign_in(lab, url, PARTICIPANT, password)
            lab.wait_for_url(f"**/user/{PARTICIPANT}/lab/tree/notebooks/00_orientation.ipynb*",
                             timeout=180 * MS)
            expect(lab.locator(".jp-NotebookPanel")).to_be_visible(timeout=90 * MS)
            # The demo's servers do not expose window.jupyterapp (test_browser starts its own Lab
            # with --LabApp.expose_app_in_browser), so run the notebook as a participant would:
            # Run → Run All Cells. Wait for the kernel first so no cell races its start.
            expect(lab.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=120 * MS)
            lab.get_by_role("menuitem", name="Run", exact=True).click()
            lab.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
            send = lab.get_by_role("button", name=SEND)
            expect(send).to_be_visible(timeout=120 * MS)
            send.click()
            status = lab.locator(".llc-status").filter(has_text="Sent at")
            expect(status).to_be_visible(timeout=60 * MS)
            sent = re.search(r"Sent at (.+?): (\d+) answered questions", status.inner_text())
            assert sent, status.inner_text()
            answered = int(sent.group(2))
            assert answered > 0, status.inner_text()

            # -- the facilitator reloads: the answers are counted, with the time they were sent
            board.reload()
            row = grid_row(board, PARTICIPANT)
            expect(row).to_have_count(1, timeout=30 * MS)
            cells = [c.inner_text() for c in row.locator("td.s").all()]  # one per session, "a/total"
            counts = [int(c.split("/")[0]) for c in cells if "/" in c]
            assert cells and len(counts) == len(cells) and sum(counts) == answered, (cells, answered)
            shown = columns(board, row)
            assert row.locator("th a").inner_text() == name, shown  # from the answers she sent
            # in the cohort's zone (UTC without a cohort file), labelled
            assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}, \d\d:\d\d [A-Z]{3,4}", shown["Last sent"]), shown

            # The sample's markup participant is shown as typed, and nothing anyone sent became
            # markup or script (tmarkup's answers hold <script>alert('x')</script> and <b>).
            assert grid_row(board, MARKUP).locator("th a").inner_text() == markup_name
            assert board.locator("table.grid tbody").locator("script, img, b, i, iframe, svg").count() == 0
            # the only links are the participants' pages
            assert all(h.startswith("participants/") for h in board.locator("table.grid tbody a").evaluate_all(
                "as => as.map(a => a.getAttribute('href'))"))
            assert not dialogs, dialogs

            # -- build every workbook and download the participant's PDF
            board.get_by_role("button", name="Build all workbooks").click()
            expect(board.locator("#build-status")).to_contain_text("Built", timeout=300 * MS)
            build = board.locator("#build-status").inner_text()
            n = len(DEMO_PARTICIPANTS)
            assert f"Built {n} of {n} workbooks" in build, (build, board.locator("#build-files").inner_text())
            link = board.locator("#build-files a", has_text=f"{PARTICIPANT} — ")
            expect(link).to_have_text(f"{PARTICIPANT} — {name} (PDF)")
            resp = board.request.get(urljoin(board.url, link.get_attribute("href")))
            assert resp.status == 200 and resp.headers["content-type"] == "application/pdf"
            assert resp.body()[:5] == b"%PDF-"
            pdf = tmp_path / f"workbook-{PARTICIPANT}.pdf"
            pdf.write_bytes(resp.body())
            assert squash(name) in squash(pdf_text(pdf))
        except BaseException:
            for i, page in enumerate(shots):  # what the browser showed, kept in tmp_path
                try:
                    page.screenshot(path=str(tmp_path / f"failed-{i}.png"), full_page=True, timeout=5 * MS)
                except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
                    pass
            raise
        finally:
            browser.close()
