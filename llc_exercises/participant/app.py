"""App mode (``llc app``): the session notebooks as plain forms, no code, served by Voila on 127.0.0.1
with nothing fetched from the web, under the kit's own index of the sessions; on a hub, ``hub_link``
opens the same pages there."""
from __future__ import annotations

import os
import socket
import sys
import urllib.parse
import webbrowser
from dataclasses import dataclass
from pathlib import Path

from .. import settings
from ..core import definitions as defs
from ..core import identity
from ..core.links import nbgitpuller_link
from ..core.paths import kit_folder
from ..core.ports import free_port
from ..core.store import NothingSaved
from ..core.values import progress
from ..documents import pages
from ..errors import LeadingEdgeError, first_line
from . import assets, my_files

DEFAULT_PORT = 8866
TEMPLATE = "leading-edge"
# A Jupyter data directory holding voila/templates/leading-edge/, put first on JUPYTER_PATH.
TEMPLATE_ROOT = Path(__file__).resolve().parent / "app_template"
# In a checkout (the kit is installed editable) the notebooks sit beside the package.
CHECKOUT_NOTEBOOKS = kit_folder("notebooks", "participant/notebooks")
DEFAULT_OPEN = "notebooks/00_orientation.ipynb"
# What a participant reads when a cell fails with something other than the kit's own error (those
# show their message): Voila's default asks for command-line flags.
CELL_ERROR_HINT = ("Reload the page to try again. If it happens again, open this session in JupyterLab "
                   "(make lab), which shows what went wrong, or tell your facilitator.")


class AppError(LeadingEdgeError, RuntimeError):
    pass


@dataclass(frozen=True)
class Entry:
    session: defs.Session
    notebook: str  # file name inside the notebooks folder


def notebook_name(s: defs.Session) -> str:
    """``01_visioning.ipynb``: how the kit names each session's notebook."""
    return f"{s.number:02d}_{s.id}.ipynb"


def session_notebooks(directory: Path) -> list[Entry]:
    """The sessions whose notebook is in ``directory``, in series order."""
    return [Entry(s, notebook_name(s)) for s in defs.sessions() if (directory / notebook_name(s)).is_file()]


def notebooks_dir(given: str | Path | None = None) -> Path:
    """The folder to serve: ``given``, else the kit's own (a checkout's notebooks/, or the copy
    installed with the package); an AppError says what to pass."""
    if given is None:
        if not CHECKOUT_NOTEBOOKS.is_dir():
            raise AppError(f"there is no notebooks folder at {CHECKOUT_NOTEBOOKS} (a copy of the kit "
                           "installed without its notebooks): pass --notebooks DIR, the folder with "
                           "00_orientation.ipynb and the session notebooks.")
        directory = CHECKOUT_NOTEBOOKS
    else:
        directory = Path(given).expanduser().resolve()
        if not directory.is_dir():
            raise AppError(f"--notebooks {given}: there is no folder {directory}. Pass the folder with "
                           "00_orientation.ipynb and the session notebooks (in a copy of the kit: notebooks/).")
    if not session_notebooks(directory):
        names = ", ".join(notebook_name(s) for s in defs.sessions())
        raise AppError(f"{directory} has none of the session notebooks ({names}): pass --notebooks DIR, the "
                       "folder that holds them.")
    return directory


def pick_port(port: int | None) -> int:
    """``port`` when given (an AppError when it is taken); else 8866, or any free port if that is taken."""
    wanted = DEFAULT_PORT if port is None else port
    with socket.socket() as s:
        if os.name != "nt":  # as tornado listens: a port left in TIME_WAIT by the last run is free
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", wanted))
        except OSError:
            if port is not None:
                raise AppError(f"port {port} on 127.0.0.1 is in use (is the app already running?): choose "
                               "another with --port N, or leave --port out to get a free one.") from None
            return free_port()
    return wanted


def hub_link(hub: str, repo: str, branch: str = "main", open_path: str = DEFAULT_OPEN) -> str:
    """The nbgitpuller link that pulls the kit into a participant's home on the hub and opens
    ``open_path`` as an app page (``voila/render/<repo folder>/<open_path>``) instead of in JupyterLab."""
    link = nbgitpuller_link(hub, repo, branch, open_path)  # its checks, and its name for the folder
    base, _, query = link.partition("?")
    params = dict(urllib.parse.parse_qsl(query))
    params["urlpath"] = "voila/render/" + params["urlpath"].removeprefix("lab/tree/")
    return f"{base}?{urllib.parse.urlencode(params)}"


# ---- the index page -------------------------------------------------------------------------------
# What the index offers to download: (address under the app, file name, label, kind: what is built)
DOWNLOADS = (("workbook.pdf", my_files.WORKBOOK_FILE, "Download my workbook (PDF)", "workbook"),
             ("letter.pdf", my_files.LETTER_FILE, "My letter to my principal (PDF)", "letter"))


def session_href(base_url: str, notebook: str) -> str:
    return base_url + "voila/render/" + urllib.parse.quote(notebook)


def index_html(entries: list[Entry], base_url: str = "/") -> str:
    """The app's home page (templates/index.html.j2): what this is, where answers go, where to
    continue, a link to each session with its progress, and the workbook and letter to download."""
    page: dict = {"participant": None, "unknown": False, "notice": "", "resume": None}
    answers = None
    try:
        pid = identity.current_participant_id()
        if pid:
            answers = identity.current_store()
            page.update(participant=pid, source=identity.source_of_identity(), answers_path=str(answers.path))
        else:
            page["unknown"] = True
    except LeadingEdgeError as exc:  # a bad id or a damaged answers file: say so, still list the sessions
        answers, page["notice"] = None, str(exc)
    sessions = []
    for e in entries:
        row: dict[str, object] = {"href": session_href(base_url, e.notebook), "heading": e.session.heading,
                                  "total": None}
        if answers is not None:
            try:
                n, total = progress(e.session, answers)
            except LeadingEdgeError as exc:
                page["notice"] = page["notice"] or str(exc)
            else:
                row.update(answered=n, total=total)
                if n < total and not page["resume"]:
                    page["resume"] = row
        sessions.append(row)
    downloads = [{"href": base_url + address, "filename": filename, "label": label,
                  "working": my_files.working_line(kind)} for address, filename, label, kind in DOWNLOADS]
    return pages.render(
        "index.html.j2", folders=(assets.TEMPLATES,), title="Leading Edge: your sessions",
        css=pages.safe(assets.stylesheet("index")), script=pages.safe(assets.script("index").read_text("utf-8")),
        sessions=sessions, all_answered=answers is not None and bool(sessions) and not page["notice"],
        downloads=downloads if answers is not None else [],
        orientation=session_href(base_url, notebook_name(defs.sessions()[0])), **page)


# ---- errors in a cell -------------------------------------------------------------------------------
def kit_error_names() -> frozenset[str]:
    """Class names of the kit's own errors that a session cell can raise: their messages say what
    to do, so the app shows them where Voila would hide every error behind one generic line."""
    from . import carry, submit, widgets  # noqa: F401  (imported so their error classes exist)

    names, todo = set(), [LeadingEdgeError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return frozenset(names)


def show_kit_errors() -> None:
    """Make Voila keep the message (not the traceback) of the kit's errors. Voila builds its
    executor by name in ``voila.notebook_renderer`` and has no setting for the class."""
    import voila.notebook_renderer as renderer
    from voila.execute import VoilaExecutor

    names = kit_error_names()

    class KitErrorsExecutor(VoilaExecutor):
        def strip_code_cell_errors(self, cell):
            kept = [(o, o.get("evalue", "")) for o in cell.get("outputs", [])
                    if o.get("output_type") == "error" and o.get("ename") in names]
            super().strip_code_cell_errors(cell)
            for output, message in kept:
                output["ename"], output["evalue"], output["traceback"] = "Leading Edge", message, [message]
            return cell

    renderer.VoilaExecutor = KitErrorsExecutor


# ---- serving ------------------------------------------------------------------------------------------
def offline_page_config(page_config: dict, **_context) -> dict:
    """Voila's page config hook: both MathJax settings "null" make Voila's bundle use the MathJax
    it ships (JupyterLab's mathjax-extension) instead of loading MathJax 2 from cdnjs."""
    page_config["fullMathjaxUrl"] = "null"
    page_config["mathjaxConfig"] = "null"
    return page_config


def voila_argv(notebooks: Path, port: int) -> list[str]:
    """Voila's settings, as command-line arguments: they outrank any voila.json a user has."""
    return [
        str(notebooks),
        "--Voila.ip=127.0.0.1", f"--Voila.port={port}", "--Voila.port_retries=0",
        "--Voila.open_browser=True",  # Voila then calls launch_browser(), which prints the line to open
        "--Voila.token=",  # local only: no token to copy
        "--Voila.log_level=ERROR",  # the friendly line is ours; Voila warns "not trusted" on every page
        f"--VoilaConfiguration.template={TEMPLATE}",
        "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.show_margins=True",  # a centred page of readable width
        "--VoilaConfiguration.preheat_kernel=False",  # a fresh kernel for every page
        "--VoilaConfiguration.resources=llc_index_url=/",
        # one failing worksheet should not hide the rest of the page (Voila stops at an error otherwise)
        "--VoilaExecutor.allow_errors=True",
        f"--VoilaExecutor.cell_error_instruction={CELL_ERROR_HINT}",
        # A page's kernel goes when the page does: leaving it (a link, reload, closing the tab) posts
        # Voila's shutdown; a page that could not say goodbye (a crashed or killed browser, a tab
        # closed mid-load, a laptop lid) leaves a kernel with no connection, each ~120-170 MB. The
        # server's culler shuts those down after a quiet minute (checked every 15 s). It never
        # touches a kernel with a page connected (cull_connected) or one still running a notebook
        # (cull_busy), however long a participant reads; a culled kernel shuts down cleanly, so
        # widgets.py's exit hook writes any pending save (which waits at most MAX_WAIT_S anyway).
        # Voila's kernel manager is jupyter_server's AsyncMappingKernelManager: these apply to it.
        "--MappingKernelManager.cull_idle_timeout=60", "--MappingKernelManager.cull_interval=15",
        "--MappingKernelManager.cull_connected=False", "--MappingKernelManager.cull_busy=False",
    ] + ([] if os.name == "nt" else [
        # kernels talk over Unix sockets in Voila's private folder, not TCP ports (no TCP warning per page)
        "--KernelManager.transport=ipc"])


def configured_app(notebooks: str | Path | None = None, port: int | None = None, open_browser: bool = True):
    """The kit's Voila application, configured and ready to ``start()``; AppError when the folder
    or the port will not do."""
    directory = notebooks_dir(notebooks)
    chosen = pick_port(port)
    # Voila finds templates on the Jupyter data path; the kit's comes first (kernels inherit it: harmless).
    settings.search_path("JUPYTER_PATH", str(TEMPLATE_ROOT))
    show_kit_errors()
    voila = app_class()(entries=session_notebooks(directory), open_page=open_browser)
    voila.initialize(voila_argv(directory, chosen))
    voila.voila_configuration.page_config_hook = offline_page_config
    return voila


def run(notebooks: str | Path | None = None, port: int | None = None, open_browser: bool = True) -> int:
    """Serve the session notebooks until Ctrl+C (or SIGTERM); every kernel is shut down on the way out."""
    configured_app(notebooks, port, open_browser).start()  # returns once stopped, kernels shut down
    print("Stopped. Your answers are saved.", file=sys.stderr)
    return 0


def app_class():
    """Voila with the kit's index page at ``/``; built on first use (importing Voila takes a second)."""
    import tornado.web
    from jupyter_server.utils import url_path_join
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler

    class IndexHandler(tornado.web.RequestHandler):
        def initialize(self, entries: list[Entry], base_url: str) -> None:
            self.entries, self.base_url = entries, base_url

        def get(self) -> None:
            _ = self.xsrf_token  # reading it sets the _xsrf cookie: see SessionHandler
            self.set_header("Content-Type", "text/html; charset=utf-8")
            self.set_header("Cache-Control", "no-store")  # progress changes as answers are saved
            self.finish(index_html(self.entries, self.base_url))

        def head(self) -> None:
            # a form's guard asks whether the app is still there (guard.py): answer at once, cheaply
            self.set_header("Cache-Control", "no-store")
            self.finish()

    class DownloadHandler(tornado.web.RequestHandler):
        """GET /workbook.pdf, /letter.pdf: the current participant's file, built when asked for, on a
        thread (the server keeps serving pages and saving answers meanwhile), as an attachment."""

        def initialize(self, kind: str) -> None:
            self.kind = kind

        async def get(self) -> None:
            from tornado.ioloop import IOLoop

            from ..documents.pdf import page_count

            make = my_files.workbook_file if self.kind == "workbook" else my_files.letter_file
            self.set_header("Cache-Control", "no-store")  # always the answers as they are now
            try:
                name, data, mime = await IOLoop.current().run_in_executor(None, make)
                pages = page_count(data)
            except LeadingEdgeError as exc:  # says what to do: About you first, a damaged file, …
                self.set_status(409 if isinstance(exc, (identity.NotIdentified, NothingSaved)) else 500)
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish(f"Not downloaded. {exc}")
                return
            except Exception as exc:  # noqa: BLE001 - the participant reads this, not a log
                self.set_status(500)
                self.set_header("Content-Type", "text/plain; charset=utf-8")
                self.finish(f"Not downloaded: something unexpected went wrong ({first_line(exc)}). Try "
                            "again; if it happens again, tell your facilitator.")
                return
            self.set_header("Content-Type", mime)
            self.set_header("Content-Disposition", f'attachment; filename="{name}"')
            self.set_header("X-LLC-Pages", str(pages))
            self.finish(data)

    class SessionHandler(TornadoVoilaHandler):
        """Voila's page, plus the _xsrf cookie: leaving a page posts that cookie to shut its kernel
        down, and Voila sets it only on its own file tree, so without it every kernel would stay."""

        async def prepare(self, **kwargs) -> None:
            await super().prepare(**kwargs)
            _ = self.xsrf_token  # reading it sets the cookie

    class LeadingEdgeApp(Voila):
        def __init__(self, entries: list[Entry], open_page: bool, **kwargs):
            super().__init__(**kwargs)
            self.entries, self.open_page = entries, open_page

        def init_handlers(self) -> list:
            # first, so it wins over Voila's own file tree at the same address
            index = (url_path_join(self.server_url, "/?"), IndexHandler,
                     {"entries": self.entries, "base_url": self.base_url})
            files = [(url_path_join(self.server_url, f"/{address}"), DownloadHandler, {"kind": kind})
                     for address, _name, _label, kind in DOWNLOADS]
            return [index, *files, *((h[0], SessionHandler, *h[2:]) if h[1] is TornadoVoilaHandler else h
                             for h in super().init_handlers())]

        def launch_browser(self) -> None:
            # Voila calls this once it listens, on the port it got: the moment to say where to go.
            url = f"http://127.0.0.1:{self.port}{self.base_url}"
            print(f"Leading Edge app: open {url} in your browser (answers save as you type). "
                  "Press Ctrl+C here to stop.", flush=True)
            if self.open_page:
                webbrowser.open(url)

    return LeadingEdgeApp
