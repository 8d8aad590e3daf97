"""Every setting the kit reads from the environment, in one list: its name, default and meaning.
This is the only module that reads ``os.environ`` (a test holds it to that), and the README's
settings table is checked against ``SETTINGS``, so a new variable is documented where it is added."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as the README shows it; "" when unset means "not set"
    meaning: str
    set_by: str = "you"  # or JupyterHub, Binder, the kit itself

    def raw(self) -> str:
        """The value as set, stripped; '' when unset or blank (a blank value counts as unset)."""
        return os.environ.get(self.name, "").strip()

    def is_set(self) -> bool:
        return bool(self.raw())


DATA_DIR = Setting(
    "LLC_DATA_DIR", "~/.leading-edge",
    "Folder of the participant's answers (`answers/<id>.json`) and remembered id, outside the notebooks.")
PARTICIPANT = Setting(
    "LLC_PARTICIPANT", "",
    "The participant id to use when there is no hub login; overrides the id entered in orientation.")
COHORT = Setting(
    "LLC_COHORT", "",
    "A cohort file (`llc cohort init`): its dates appear in orientation, on workbook covers and on the "
    "hub's attendance page.")
SESSIONS_DIR = Setting(
    "LLC_SESSIONS_DIR", "the kit's own",
    "A folder of session YAML files to use instead of the kit's own (`llc_exercises/core/sessions`).")
GUIDE_DIR = Setting(
    "LLC_GUIDE_DIR", "the kit's own",
    "A folder of facilitator agenda YAML files for `llc guide` (`llc_exercises/facilitator/guide`).")
SERVICE_URL = Setting(
    "LLC_SERVICE_URL", "",
    "Where a participant's kernel sends answers on a hub. `hub.configure(c)` sets it for every server.",
    "JupyterHub (through `configure`)")
CHROMIUM = Setting(
    "LLC_CHROMIUM", "the first of chromium, chromium-browser, google-chrome on PATH",
    "The Chromium or Chrome program the chromium PDF engine starts.")
LIBRARY_DATA_DIR = Setting(
    "LLC_LIBRARY_DATA_DIR", "datasets/library",
    "A folder of library CSVs for the practice exercises, instead of the bundled fictional sample.")
TEMPORARY_STORAGE = Setting(
    "LLC_TEMPORARY_STORAGE", "",
    "`1` says the answers folder will not last (as on Binder, which is detected by itself): forms then "
    "remind the participant to download their answers.")
BUILD_SCRATCH = Setting(
    "LLC_BUILD_SCRATCH", "the system's temporary folder",
    "A cohort build's private temporary folder, handed to its worker processes.", "the kit (`llc build`)")

SETTINGS = (DATA_DIR, PARTICIPANT, COHORT, SESSIONS_DIR, GUIDE_DIR, SERVICE_URL, CHROMIUM, LIBRARY_DATA_DIR,
            TEMPORARY_STORAGE, BUILD_SCRATCH)

# Read, never set, by the kit: JupyterHub gives them to a participant's server and to the service.
HUB_USER = Setting("JUPYTERHUB_USER", "", "The hub login: the participant's id on a hub.", "JupyterHub")
HUB_API_TOKEN = Setting("JUPYTERHUB_API_TOKEN", "", "Token for the Hub's API and the service.", "JupyterHub")
HUB_API_URL = Setting("JUPYTERHUB_API_URL", "", "Where the Hub's API is.", "JupyterHub")
HUB_SERVICE_PREFIX = Setting("JUPYTERHUB_SERVICE_PREFIX", "/services/leading-edge/",
                             "The service's address under the hub.", "JupyterHub")
BINDER = tuple(Setting(name, "", "Present on mybinder.org: storage there is temporary.", "Binder")
               for name in ("BINDER_LAUNCH_HOST", "BINDER_REQUEST", "BINDER_REPO_URL", "BINDER_REF_URL",
                            "BINDER_PERSISTENT_REQUEST"))
PROVIDED = (HUB_USER, HUB_API_TOKEN, HUB_API_URL, HUB_SERVICE_PREFIX, *BINDER)


def on_binder() -> bool:
    return any(s.is_set() for s in BINDER)


def for_child(setting: Setting, value: str) -> None:
    """Set ``setting`` for processes this one starts (a build's workers)."""
    os.environ[setting.name] = value


def search_path(name: str, first: str) -> None:
    """Put ``first`` at the front of a path-list variable (JUPYTER_PATH) for this process and its children."""
    os.environ[name] = os.pathsep.join(p for p in (first, os.environ.get(name)) if p)


def markdown_table() -> str:
    """The README's settings table."""
    rows = ["| Variable | Default | Set by | What it does |", "|---|---|---|---|"]
    for s in SETTINGS:
        rows.append(f"| `{s.name}` | {s.default or '(not set)'} | {s.set_by} | {s.meaning} |")
    return "\n".join(rows)
