"""Helpers for tests against a real JupyterHub: a hub with tokens for its users, REST calls, a
kernel in a user's own server, a browser login, and letting test-only Unix users reach the
project's virtualenv."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

from helpers import ROOT

from llc_exercises.core.ports import free_port
from llc_exercises.hub.demo import HubSettings, start_hub, stop_hub


@contextlib.contextmanager
def running_hub(state: Path, participants: list[str], facilitators: list[str],
                **settings) -> Iterator[tuple[HubSettings, dict[str, str]]]:
    """A real JupyterHub (proxy, the leading-edge service) and an API token for each of its users;
    stopped, with everything it started, on leaving. ``settings``: more ``HubSettings`` fields."""
    s = HubSettings(state=state, port=free_port(), password=secrets.token_hex(8), participants=participants,
                    facilitators=facilitators, admin_token=secrets.token_hex(24), **settings)
    proc = start_hub(s)
    try:
        tokens = {}
        for u in [*participants, *facilitators]:
            status, body = call(f"{s.url}/hub/api/users/{u}/tokens", s.admin_token, "POST",
                                {"note": "leading-edge test"})
            assert status in (200, 201), (status, body)
            tokens[u] = body["token"]
        yield s, tokens
    finally:
        stop_hub(proc, state)


@contextlib.contextmanager
def hub_of_unix_users(state: Path, participants: list[str], facilitators: list[str],
                      **settings) -> Iterator[tuple[HubSettings, dict[str, str], dict[str, Path]]]:
    """``running_hub`` whose users are real Unix users with servers spawned as them (needs root),
    each able to reach the project's virtualenv; also yields their homes."""
    users = [*participants, *facilitators]
    homes = {u: ensure_unix_user(u) for u in users}
    granted = grant_traverse(users, project_paths())
    try:
        with running_hub(state, participants, facilitators, local_users=True, **settings) as (s, tokens):
            yield s, tokens, homes
    finally:
        revoke(granted)


def open_as_app(page, s: HubSettings, user: str, home: Path, notebook: str = "notebooks/01_visioning.ipynb") -> None:
    """Put the kit where nbgitpuller would (owned by ``user``) and open ``notebook`` through the app
    link a facilitator hands out, signed in as ``user`` in a playwright ``page``."""
    from llc_exercises.participant.app import hub_link

    kit = home / "leading-edge"
    shutil.copytree(ROOT / "notebooks", kit / "notebooks", dirs_exist_ok=True)
    for path in [kit, *kit.rglob("*")]:
        shutil.chown(path, user, user)
    link = hub_link(s.url, "https://git.example.org/district/leading-edge.git", open_path=notebook)
    urlpath = dict(urllib.parse.parse_qsl(link.partition("?")[2]))["urlpath"]
    browser_login(page, s, user, next_path=f"/user/{user}/{urlpath}")


def browser_login(page, s: HubSettings, user: str, next_path: str = "/services/leading-edge/") -> None:
    """Sign ``user`` in on the Hub's login page in a playwright ``page``; lands on ``next_path``."""
    page.goto(f"{s.url}/hub/login?next={urllib.parse.quote(next_path)}")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(s.password)
    page.get_by_role("button", name="Sign in").click()


def call(url: str, token: str | None = None, method: str = "GET", body=None, raw: bytes | None = None,
         timeout: float = 60, form: dict | list | None = None):
    """(status, parsed JSON or bytes) for one HTTP request; never raises on an HTTP error status.
    ``body`` is sent as JSON, ``form`` (a dict or (name, value) pairs) as a posted HTML form."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
    headers = {"Authorization": f"token {token}"} if token else {}
    if data is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded" if form is not None else "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, payload, kind = resp.status, resp.read(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        status, payload, kind = exc.code, exc.read(), exc.headers.get("Content-Type", "")
    if "json" in kind:
        return status, json.loads(payload or b"null")
    return status, payload


def ensure_unix_user(name: str) -> Path:
    if subprocess.run(["id", name], capture_output=True).returncode:
        subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True)
    home = Path(os.path.expanduser(f"~{name}"))
    shutil.rmtree(home / ".leading-edge", ignore_errors=True)  # a fresh participant every run
    return home


def grant_traverse(users: list[str], paths: list[Path]) -> list[tuple[str, Path]]:
    """Let test users pass through (not list) folders above the project and its venv that others
    may not enter, e.g. a CI clone inside a 0700 temp folder. Returns what to undo."""
    granted = []
    for path in paths:
        for d in [path, *path.parents]:
            if d.stat().st_mode & stat.S_IXOTH:
                continue
            for u in users:
                subprocess.run(["setfacl", "-m", f"u:{u}:x", str(d)], check=True)
                granted.append((u, d))
    return granted


def revoke(granted: list[tuple[str, Path]]) -> None:
    for u, d in granted:
        subprocess.run(["setfacl", "-x", f"u:{u}", str(d)], check=False)


def project_paths() -> list[Path]:
    return [ROOT, Path(sys.prefix).resolve(), Path(sys.executable).resolve().parent]


def start_server(hub_url: str, admin_token: str, user: str, timeout: float = 120) -> None:
    status, body = call(f"{hub_url}/hub/api/users/{user}/server", admin_token, "POST", {})
    assert status in (201, 202, 400), (status, body)  # 400: already running
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, model = call(f"{hub_url}/hub/api/users/{user}", admin_token)
        server = (model.get("servers") or {}).get("")
        if server and server.get("ready"):
            return
        time.sleep(0.5)
    raise AssertionError(f"{user}'s server did not become ready in {timeout}s")


def run_in_kernel(hub_url: str, user: str, token: str, code: str, timeout: float = 120) -> str:
    """Execute ``code`` in a new kernel of ``user``'s own server; returns its stdout. A Python error
    in the kernel fails the test with its traceback."""
    base = f"{hub_url}/user/{user}/api/kernels"
    status, kernel = call(base, token, "POST", {"name": "python3"})
    assert status == 201, (status, kernel)
    try:
        return asyncio.run(_execute(base.replace("http", "ws", 1) + f"/{kernel['id']}/channels",
                                    token, code, timeout))
    finally:
        call(f"{base}/{kernel['id']}", token, "DELETE")


async def _execute(ws_url: str, token: str, code: str, timeout: float) -> str:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"}))
    msg_id = uuid.uuid4().hex
    conn.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
                   "session": uuid.uuid4().hex, "date": "", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    out, errors = [], []
    deadline = time.monotonic() + timeout
    while True:
        raw = await asyncio.wait_for(conn.read_message(), max(1, deadline - time.monotonic()))
        assert raw is not None, "kernel websocket closed"
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if kind == "stream":
            out.append(msg["content"]["text"])
        elif kind == "error":
            errors.append("\n".join(msg["content"]["traceback"]))
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            break
    conn.close()
    assert not errors, errors[0]
    return "".join(out)


def find_service_pid(data_dir: Path) -> int | None:
    from llc_exercises.hub.demo import processes_mentioning

    for pid in processes_mentioning(data_dir):
        try:
            if b"llc_exercises.hub.service" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    return None
