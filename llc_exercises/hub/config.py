"""JupyterHub integration for hub admins: one ``configure(c)`` call, and nbgitpuller links.

``configure`` registers the ``leading-edge`` service as a hub-managed process, gives it the
read-only scopes it needs to tell facilitators from participants, and lets every participant's
server token reach it (``access:services!service=leading-edge``) so ``llc.submit()`` works from a
notebook without any password.
"""
from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import quote

from .. import settings
from .cohorts import CohortFolder

SERVICE_NAME = "leading-edge"
DEFAULT_PORT = 10101
DEFAULT_GROUP = "facilitators"
COHORTS_FOLDER = "cohorts"  # under data_dir unless configure(cohorts_dir=...) says otherwise
ACCESS_SCOPE = f"access:services!service={SERVICE_NAME}"
# What the service itself may read from the Hub: user names, groups, admin flags, last activity.
# read:servers: whether a user's server runs ("online now" on the dashboard).
SERVICE_SCOPES = ["list:users", "read:users", "read:groups", "list:groups", "read:servers"]
# The `server` role's default scopes (JupyterHub 4+), which server_token_scopes replaces.
_SERVER_DEFAULT_SCOPES = ["users:activity!user", "access:servers!server"]


def _plain(section, name: str):
    """The value a config file set for ``name`` in this section; None when unset or only an
    "add this" instruction (a traitlets LazyConfigValue)."""
    from traitlets.config import LazyConfigValue

    if name in section and not isinstance(section[name], LazyConfigValue):
        return section[name]
    return None


def _base_url(c) -> str:
    base = str(_plain(c.JupyterHub, "base_url") or "/").strip("/")
    return f"/{base}/" if base else "/"


def service_prefix(c=None) -> str:
    return (_base_url(c) if c is not None else "/") + f"services/{SERVICE_NAME}/"


def _has_extra_user_scopes() -> bool:
    try:
        from jupyterhub.app import JupyterHub
    except ImportError:  # configuring without JupyterHub installed (docs, tests): assume current
        return True
    return hasattr(JupyterHub, "extra_user_scopes")  # JupyterHub 6+; TLJH and chart 4.x run 5


ORIENTATION = "/lab/tree/notebooks/00_orientation.ipynb"  # where a participant starts


def _login_of(user) -> tuple[str, bool, set[str]]:
    """(name, admin, group names) of a JupyterHub ``User`` (or its model as a dict, in tests)."""
    if isinstance(user, dict):
        return user.get("name", ""), bool(user.get("admin")), set(user.get("groups") or [])
    groups = {getattr(g, "name", g) for g in (getattr(user, "groups", None) or [])}
    return getattr(user, "name", ""), bool(getattr(user, "admin", False)), groups


class Landing:
    """Where a login lands and what a server opens first, by who it is: hub admins, the facilitators
    group and the facilitators named in cohort files (``hub_user``) land on the service's dashboard
    and their own server opens JupyterLab's file browser (their home holds no session notebooks, so
    opening orientation there would show JupyterLab's "Could not find path" dialog); everyone else
    lands on their server's orientation notebook. Cohort files are read in the Hub's process too,
    at most once a second (``cohorts.CohortFolder``), so a new cohort's facilitator needs no restart."""

    def __init__(self, service_url: str, group: str, cohorts_dir: Path, notebook: str, previous_hook=None):
        self.service_url, self.group, self.notebook = service_url, group, notebook
        self.cohorts_dir, self.previous_hook = cohorts_dir, previous_hook
        self._folder: CohortFolder | None = None

    def is_facilitator(self, user) -> bool:
        name, admin, groups = _login_of(user)
        if admin or self.group in groups:
            return True
        if self._folder is None:
            self._folder = CohortFolder(self.cohorts_dir)
        return any(name in c.facilitator_logins() for c in self._folder.book().cohorts.values())

    def __call__(self, handler) -> str:
        """``JupyterHub.default_url``: called with the Hub's request handler."""
        user = getattr(handler, "current_user", None)
        if user is None:
            return ""  # not signed in: the Hub's own default (its login page)
        if self.is_facilitator(user):
            return self.service_url
        name = _login_of(user)[0]
        base = getattr(handler, "base_url", "/") or "/"  # JupyterHub.base_url
        # /hub/spawn starts the server if it is not running, then goes on to the notebook
        target = f"{base}user/{quote(name)}{self.notebook}"
        return f"{base}hub/spawn/{quote(name)}?next={quote(target, safe='')}"

    async def pre_spawn_hook(self, spawner) -> None:
        """A facilitator's server opens the file browser, not a notebook their home may lack."""
        if self.previous_hook is not None:
            result = self.previous_hook(spawner)
            if hasattr(result, "__await__"):
                await result
        if "/tree/" in (spawner.default_url or "") and self.is_facilitator(spawner.user):
            spawner.default_url = "/lab"


def configure(c, facilitators_group: str = DEFAULT_GROUP, data_dir: str | Path = "/srv/leading-edge",
              port: int = DEFAULT_PORT, ip: str = "127.0.0.1", url: str | None = None,
              url_for_users: str | None = None, facilitators: tuple[str, ...] | list[str] = (),
              build_jobs: int = 2, python: str | None = None, cohort: str | Path | None = None,
              cohorts_dir: str | Path | None = None) -> dict:
    """Register the Leading Edge service in a ``jupyterhub_config.py``; returns the service entry.

    ``facilitators_group``: hub group whose members (and all hub admins) see the dashboard.
    ``data_dir``: where submissions (SQLite) and built workbooks live; private to the hub's user.
    ``ip``/``port``: where the service listens; ``url``: how the Hub and proxy reach it (default
    ``http://ip:port``; on Kubernetes e.g. ``http://hub:10101`` with ``ip="0.0.0.0"``).
    ``url_for_users``: how participants' kernels reach it (default: the service URL plus its
    prefix; on Kubernetes the proxy, ``http://proxy-public/services/leading-edge/``).
    ``facilitators``: user names to put in the group (optional; admins can also manage it in the
    Hub's admin page).
    ``cohort``: the cohort file (``llc cohort init``); its sessions and meetings are the columns of
    the facilitators' attendance page, which saves ``attendance.csv`` in ``data_dir``.
    ``cohorts_dir``: the folder of cohort files the service runs (each ``*.yaml`` with its
    ``hub_group``, facilitators' ``hub_user`` and ``teams``); default ``data_dir/cohorts``. Files
    added, changed or removed there are noticed without a restart.

    Settings the file did not set itself are *added* rather than assigned, so this also works in
    a config file that is merged into another (TLJH's ``jupyterhub_config.d``): the host's own
    services (its idle culler), roles and environment are kept.
    """
    service_url = url or f"http://{ip}:{port}"
    command = [python or sys.executable, "-m", "llc_exercises.hub.service",
               "--data-dir", str(data_dir), "--facilitators-group", facilitators_group,
               "--ip", ip, "--port", str(port), "--build-jobs", str(build_jobs)]
    if cohort:
        command += ["--cohort", str(Path(cohort).expanduser().resolve())]
    if cohorts_dir:
        command += ["--cohorts-dir", str(Path(cohorts_dir).expanduser().resolve())]
    entry = {"name": SERVICE_NAME, "url": service_url, "command": command,
             "display": True, "oauth_no_confirm": True,
             "info": {"description": "Leading Edge: send answers, facilitator dashboard"}}
    hub = c.JupyterHub
    services = _plain(hub, "services")
    if services is not None:
        hub.services = [*(x for x in services if x.get("name") != SERVICE_NAME), entry]
    else:
        hub.services.append(entry)

    new_roles = [{"name": "leading-edge-service", "services": [SERVICE_NAME], "scopes": SERVICE_SCOPES,
                  "description": "Leading Edge service: tell facilitators from participants"}]
    roles = _plain(hub, "load_roles")
    user_role = next((r for r in roles or [] if r.get("name") == "user"), None)
    if user_role is not None:
        # A redefined user role makes JupyterHub ignore extra_user_scopes: add ours to it instead.
        user_role["scopes"] = sorted({*user_role.get("scopes", []), ACCESS_SCOPE})
    elif not _has_extra_user_scopes():
        new_roles.append({"name": "user", "scopes": ["self", ACCESS_SCOPE]})  # JupyterHub's default + ours
    elif _plain(hub, "extra_user_scopes") is not None:
        hub.extra_user_scopes = {*_plain(hub, "extra_user_scopes"), ACCESS_SCOPE}
    else:
        hub.extra_user_scopes.update({ACCESS_SCOPE})
    if roles is not None:
        hub.load_roles = [*(r for r in roles if r.get("name") != "leading-edge-service"), *new_roles]
    else:
        hub.load_roles.extend(new_roles)

    current = _plain(c.Spawner, "server_token_scopes")
    if callable(current):
        raise TypeError("c.Spawner.server_token_scopes is a function; add "
                        f"{ACCESS_SCOPE!r} to what it returns instead of calling configure() on it.")
    c.Spawner.server_token_scopes = sorted({*(current or _SERVER_DEFAULT_SCOPES), ACCESS_SCOPE})

    where = url_for_users or service_url.rstrip("/") + service_prefix(c)
    # z2jh copies singleuser.extraEnv into c.KubeSpawner.environment, which outranks
    # c.Spawner.environment: put the address in every environment a spawner will read.
    for name in ("Spawner", "KubeSpawner"):
        if name == "KubeSpawner" and name not in c:
            continue
        env = _plain(c[name], "environment")
        if env is not None:
            c[name].environment = {settings.SERVICE_URL.name: where, **env}  # a value set by hand wins
        else:
            c[name].environment.update({settings.SERVICE_URL.name: where})

    if facilitators:
        groups = _plain(hub, "load_groups")
        if groups is not None:
            groups = dict(groups)
            group = groups.get(facilitators_group)
            members = group.get("users", []) if isinstance(group, dict) else list(group or [])
            groups[facilitators_group] = {"users": sorted({*members, *facilitators})}
            hub.load_groups = groups
        else:
            hub.load_groups.update({facilitators_group: {"users": sorted(facilitators)}})

    # Landing: facilitators on the dashboard, participants on orientation (see Landing). A
    # default_url or pre_spawn_hook the config set itself is kept (the hook still runs, first).
    spawner_url = _plain(c.Spawner, "default_url")
    notebook = spawner_url if spawner_url and "/tree/" in str(spawner_url) else ORIENTATION
    folder = Path(cohorts_dir).expanduser().resolve() if cohorts_dir else Path(data_dir) / COHORTS_FOLDER
    landing = Landing(service_prefix(c), facilitators_group, folder, "/" + str(notebook).lstrip("/"),
                      _plain(c.Spawner, "pre_spawn_hook"))
    if _plain(hub, "default_url") is None:
        hub.default_url = landing
    if spawner_url:  # only a configured notebook can be missing from a facilitator's home
        c.Spawner.pre_spawn_hook = landing.pre_spawn_hook
    return entry
