"""``llc hub-demo``: a real JupyterHub on 127.0.0.1 with the Leading Edge service, for trying it out.

One facilitator and a few demo participants, each with a home holding the session notebooks and
answers taken from the fictional sample cohort; all but the last have already sent them, so the
dashboard has something to show and the last can press Send and watch it arrive. Runs as an ordinary
user (each participant's server is a process of that user, in a home under the state folder).
The same config writer starts the suite's real-hub tests with real Unix users.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ..core.ports import free_port
from ..errors import LeadingEdgeError
from .config import SERVICE_NAME

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "datasets" / "sample_cohort"
FACILITATOR = "facilitator"
DEMO_PARTICIPANTS = ("bfablethorn", "ebookwright", "tmarkup", "mquillfeather")  # fictional sample cohort
# A second cohort on the same hub, a year later and in another time zone, with its own facilitator:
# each facilitator sees only their own cohort.
SECOND_FACILITATOR = "facilitator2"
SECOND_PARTICIPANTS = ("avellum", "bdogear")
# The partnership team of the first cohort: its leader reads and answers her two members' work.
TEAM = {"name": "North", "leader": "bfablethorn", "members": ["ebookwright", "tmarkup"]}
GROUPS = {"llc-2025": list(DEMO_PARTICIPANTS), "llc-2026": list(SECOND_PARTICIPANTS)}


class HubDemoError(LeadingEdgeError, RuntimeError):
    pass


def ensure_proxy() -> Path:
    """configurable-http-proxy from the npm registry, installed into the project once."""
    home = ROOT if (ROOT / "package.json").exists() else Path.home() / ".leading-edge" / "node"
    exe = home / "node_modules" / ".bin" / "configurable-http-proxy"
    if exe.exists():
        return exe
    npm = shutil.which("npm")
    if not npm:
        raise HubDemoError("JupyterHub's proxy needs Node.js and npm. On Debian/Ubuntu: "
                           "`sudo apt-get install nodejs npm`, then run this again.")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "package.json").exists():
        (home / "package.json").write_text(json.dumps(
            {"private": True, "dependencies": {"configurable-http-proxy": "^5.0.0"}}))
    print(f"Installing configurable-http-proxy into {home}/node_modules (once)…", flush=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=home,
                          capture_output=True, text=True)
    if done.returncode or not exe.exists():
        raise HubDemoError(f"npm could not install configurable-http-proxy: {done.stderr.strip()[-500:]}")
    return exe


@dataclass
class HubSettings:
    """Everything a local hub needs; ``write_config`` turns it into a jupyterhub_config.py."""
    state: Path
    port: int
    password: str
    participants: list[str]
    facilitators: list[str]
    local_users: bool = False  # True: LocalProcessSpawner and real Unix users (needs root)
    hub_port: int = field(default_factory=free_port)
    proxy_api_port: int = field(default_factory=free_port)
    service_port: int = field(default_factory=free_port)
    admin_token: str = ""  # an API token for scripts and tests (a service with admin scopes)
    default_url: str = "/lab/tree/notebooks/00_orientation.ipynb"
    cohort: Path | None = None  # the service's cohort file (its attendance page needs one)
    groups: dict[str, list[str]] = field(default_factory=dict)  # hub groups made at start (load_groups)
    cohort_files: dict[str, str] = field(default_factory=dict)  # <id>.yaml text for the cohorts folder

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def service_url(self) -> str:
        return f"{self.url}/services/{SERVICE_NAME}/"

    @property
    def service_data(self) -> Path:
        return self.state / "service"


def write_config(s: HubSettings) -> Path:
    s.state.mkdir(parents=True, exist_ok=True, mode=0o700)
    settings = {
        "port": s.port, "hub_port": s.hub_port, "proxy_api_port": s.proxy_api_port,
        "service_port": s.service_port, "state": str(s.state), "password": s.password,
        "users": sorted({*s.participants, *s.facilitators}), "facilitators": s.facilitators,
        "local_users": s.local_users, "proxy": str(ensure_proxy()), "python": sys.executable,
        "admin_token": s.admin_token, "default_url": s.default_url, "root": os.geteuid() == 0,
        "cohort": str(s.cohort) if s.cohort else None, "groups": s.groups,
    }
    path = s.state / "jupyterhub_config.py"
    path.write_text(CONFIG_TEMPLATE.replace("@SETTINGS@", json.dumps(settings, indent=2)))
    return path


CONFIG_TEMPLATE = '''# Written by `llc hub-demo`; a local, throwaway hub. See deploy/ for real deployments.
import json
from pathlib import Path

from llc_exercises.hub import configure

S = json.loads(r"""@SETTINGS@""")
state = Path(S["state"])
c = get_config()  # noqa: F821
c.JupyterHub.bind_url = f"http://127.0.0.1:{S['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = S["hub_port"]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [S["proxy"]]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{S['proxy_api_port']}"
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = S["password"]
c.Authenticator.allowed_users = set(S["users"])
c.Spawner.cmd = [S["python"], "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = S["default_url"]
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# A demo stops quickly: JupyterHub otherwise waits 30 s per server for SIGINT, then SIGTERM.
c.Spawner.interrupt_timeout = 5
c.Spawner.term_timeout = 5
if S["local_users"]:
    c.JupyterHub.spawner_class = "localprocess"  # each participant's server runs as their Unix user
else:
    c.JupyterHub.spawner_class = "simple"  # everyone is this Unix user; homes under the state folder
    c.SimpleLocalProcessSpawner.home_dir_template = str(state / "homes" / "{username}")
    # No "get Jupyter news?" pop-up in front of a participant's first notebook: JupyterLab reads
    # setting overrides from its app settings folder.
    lab_settings = state / "lab-settings"
    lab_settings.mkdir(exist_ok=True)
    (lab_settings / "overrides.json").write_text(json.dumps(
        {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}))
    c.Spawner.args = [f"--LabApp.app_settings_dir={lab_settings}"] + (["--allow-root"] if S["root"] else [])
if S["admin_token"]:
    c.JupyterHub.services = [{"name": "llc-admin", "api_token": S["admin_token"]}]
    # JupyterHub's own admin role (its default scopes are kept): scripts create users and tokens
    c.JupyterHub.load_roles = [{"name": "admin", "services": ["llc-admin"]}]
if S["groups"]:  # the cohorts' groups, as an admin would make them in the Hub's admin page
    c.JupyterHub.load_groups = {g: {"users": users} for g, users in S["groups"].items()}
configure(c, data_dir=state / "service", port=S["service_port"], facilitators=S["facilitators"],
          cohort=S["cohort"])
'''


def demo_cohorts() -> dict[str, str]:
    """The demo's two cohort files, made from the sample cohort's: LLC-2025 run by ``facilitator``
    with team North, and LLC-2026 (a year later, in Denver's time zone) run by ``facilitator2``."""
    sample = (SAMPLE / "cohort.yaml").read_text(encoding="utf-8")
    sample = sample.split("\n", 2)[2].replace("attendance: attendance.csv\n", "")  # the generator's header
    head = "# FICTIONAL demo cohort for `llc hub-demo`, made from datasets/sample_cohort/cohort.yaml.\n"
    first = sample.replace('    email: "rinkwell@example.org"\n',
                           f'    email: "rinkwell@example.org"\n    hub_user: {FACILITATOR}\n', 1)
    members = ", ".join(TEAM["members"])
    first += (f"hub_group: llc-2025\nteams:\n  - name: {TEAM['name']}\n    leader: {TEAM['leader']}\n"
              f"    members: [{members}]\n")
    second = (sample.replace("2026-", "2027-").replace("2025-", "2026-")
              .replace('name: "LLC-2025 (sample)"', 'name: "LLC-2026 (demo second cohort)"', 1)
              .replace("timezone: America/Chicago", "timezone: America/Denver", 1)
              .replace("    role: Cohort team leader\n",
                       f"    role: Lead facilitator\n    hub_user: {SECOND_FACILITATOR}\n", 1))
    second += "hub_group: llc-2026\n"
    return {"llc-2025": head + first, "llc-2026": head + second}


def prepare_homes(s: HubSettings) -> None:
    """Demo homes: the notebooks (as nbgitpuller would hand them out) and sample answers; the
    cohorts folder with the demo's cohort files."""
    from ..core.files import PRIVATE, SHARED, write_atomic
    from .submissions import SubmissionDB, check_submission

    cohorts = s.service_data / "cohorts"
    for cid, text in s.cohort_files.items():
        cohorts.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not (cohorts / f"{cid}.yaml").exists():  # a facilitator's edits survive a restart
            write_atomic(cohorts / f"{cid}.yaml", text.encode("utf-8"), access=SHARED)
    db = SubmissionDB(s.service_data / "submissions.sqlite")
    sheet = s.service_data / "attendance.csv"
    if s.cohort == SAMPLE / "cohort.yaml" and not sheet.exists():
        # the sample's attendance, so the demo's attendance page starts filled in like a real one
        write_atomic(sheet, (SAMPLE / "attendance.csv").read_bytes(), access=SHARED)
    try:
        already = db.counts()
        for pid in s.participants:
            home = s.state / "homes" / pid
            if not (home / "notebooks").exists():
                shutil.copytree(ROOT / "notebooks", home / "notebooks")
            answers = home / ".leading-edge" / "answers" / f"{pid}.json"
            if not answers.exists():
                answers.parent.mkdir(parents=True, mode=0o700)
                answers.parent.parent.chmod(0o700)
                write_atomic(answers, (SAMPLE / "answers" / f"{pid}.json").read_bytes(), access=PRIVATE)
            last = pid == DEMO_PARTICIPANTS[-1]
            if not last and pid not in already:  # the last one is left to press Send live
                db.add(pid, check_submission(pid, answers.read_bytes()))
    finally:
        db.close()


def wait_until_up(url: str, proc: subprocess.Popen | None = None, timeout: float = 90,
                  expect: str = "") -> None:
    """Poll ``url`` until it answers (with ``expect`` in the body: the proxy's own error pages
    answer 200 too while routes are still being added)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if expect in resp.read().decode("utf-8", "replace"):
                    return
            raise OSError("not ready")
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise HubDemoError(f"JupyterHub exited with status {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise HubDemoError(f"{url} did not answer within {timeout:.0f}s") from None
            time.sleep(0.3)


def start_hub(s: HubSettings, log_path: Path | None = None) -> subprocess.Popen:
    """Start JupyterHub with these settings; returns once the Hub and the service answer."""
    config = write_config(s)
    with open(log_path or s.state / "jupyterhub.log", "ab") as log:  # the child keeps its own handle
        proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=s.state,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        wait_until_up(f"{s.url}/hub/api/", proc, expect='"version"')
        wait_until_up(f"{s.service_url}api/health", proc, expect='"ok"')
    except BaseException:  # not only a failed start: Ctrl+C or `kill` while waiting, too
        stop_hub(proc, s.state)
        raise
    return proc


def processes_mentioning(path: Path) -> list[int]:
    """Pids whose command line names ``path`` or whose working folder is inside it (the Hub starts
    the proxy, servers and services in sessions of their own, so its process group does not hold
    them all, and their command lines do not all name the state folder)."""
    found, needle = [], str(path).encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cwd = os.readlink(entry / "cwd")
                if needle in (entry / "cmdline").read_bytes() or Path(cwd).is_relative_to(path):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def stop_hub(proc: subprocess.Popen, state: Path | None = None) -> None:
    """Stop the Hub, its proxy, service and the servers it started, and any workbook build still
    running in ``state``."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(45)  # the Hub stops its servers and service first
        except subprocess.TimeoutExpired:
            pass
    leftovers = processes_mentioning(state) if state and Path("/proc").is_dir() else []
    for pid in [proc.pid, *leftovers]:
        try:
            os.killpg(pid, signal.SIGKILL) if pid == proc.pid else os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _interrupt(*_args):
    raise KeyboardInterrupt


def run(port: int = 8000, state: Path | None = None) -> int:
    state = (state or Path("build") / "hub-demo").resolve()
    password_file = state / "demo-password"
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not password_file.exists():
        password_file.write_text(f"demo-{secrets.token_hex(4)}")
        password_file.chmod(0o600)
    s = HubSettings(state=state, port=port, password=password_file.read_text().strip(),
                    participants=[*DEMO_PARTICIPANTS, *SECOND_PARTICIPANTS],
                    facilitators=[FACILITATOR, SECOND_FACILITATOR],
                    cohort=SAMPLE / "cohort.yaml", groups=GROUPS, cohort_files=demo_cohorts())
    prepare_homes(s)
    print(f"Starting JupyterHub on {s.url} (state in {state}) …", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the hub too, not just this process
    # Started in the background from a script, SIGINT is ignored and children inherit that:
    # give the Hub, proxy and service the ordinary Ctrl+C so they stop when asked.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = start_hub(s)
    except KeyboardInterrupt:
        print("Stopped before the hub was up.", file=sys.stderr)
        return 130
    waiting = DEMO_PARTICIPANTS[-1]
    print(f"""
Leading Edge demo hub is running: {s.url}/
  Password for every login below: {s.password}
  Cohort LLC-2025 (Chicago time), group llc-2025:
    Facilitator:  {FACILITATOR}  → dashboard at {s.service_url}
    Participants: {', '.join(DEMO_PARTICIPANTS)}
    Team {TEAM['name']}: {TEAM['leader']} leads {' and '.join(TEAM['members'])} (she sees and answers their work)
    ({waiting} has not sent yet: sign in as {waiting}, run the orientation notebook and press
     "Send my answers to my facilitator", and watch the facilitator's dashboard.)
  Cohort LLC-2026 (Denver time), group llc-2026:
    Facilitator:  {SECOND_FACILITATOR}   Participants: {', '.join(SECOND_PARTICIPANTS)}
  Cohort files: {s.service_data / 'cohorts'} (add, change or remove one; the hub notices within seconds)
Press Ctrl+C to stop. Hub log: {state / 'jupyterhub.log'}
""", flush=True)
    try:
        while proc.poll() is None:
            time.sleep(1)
        print(f"llc: JupyterHub stopped (status {proc.returncode}); see {state / 'jupyterhub.log'}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopping the demo hub…", flush=True)
        return 0
    finally:
        stop_hub(proc, state)
