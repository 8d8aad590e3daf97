"""The deployment files in deploy/ and docs/deploy.md: run the configs the way the Hub does, and
check the chart values, images and guide agree with them and with the service."""
from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from jupyterhub.app import JupyterHub
from jupyterhub.spawner import LocalProcessSpawner
from traitlets.config import Config, LazyConfigValue, PyFileConfigLoader

from llc_exercises.hub.config import ACCESS_SCOPE, SERVICE_NAME

ROOT = Path(__file__).resolve().parents[1]
SINGLE = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
VALUES = ROOT / "deploy" / "z2jh" / "values.yaml"
HUB_DOCKERFILE = ROOT / "deploy" / "z2jh" / "Dockerfile.hub"
USER_DOCKERFILE = ROOT / "deploy" / "z2jh" / "Dockerfile.singleuser"
GUIDE = ROOT / "docs" / "deploy.md"
PROXY_URL = f"http://proxy-public/services/{SERVICE_NAME}/"
DEBS = ["libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core", "fonts-noto-color-emoji"]


def run_config(source: str, c: Config | None = None, bind_c: bool = True) -> Config:
    """Execute config code as JupyterHub's loader does: `c` and `get_config` in its namespace."""
    c = Config() if c is None else c
    namespace = {"get_config": lambda: c, "__file__": "jupyterhub_config.py"}
    if bind_c:
        namespace["c"] = c
    exec(compile(source, "jupyterhub_config.py", "exec"), namespace)  # noqa: S102
    return c


def value(section: Config, name: str, initial):
    """A setting as the configured class will see it (a lazy "append/update" applied to `initial`)."""
    if name not in section:
        return initial
    v = section[name]
    return v.get_value(initial) if isinstance(v, LazyConfigValue) else v


def service_of(services: list[dict]) -> dict:
    found = [s for s in services if s.get("name") == SERVICE_NAME]
    assert len(found) == 1, services
    return found[0]


def spawner(c: Config, class_name: str = "LocalProcessSpawner"):
    """A spawner of the named class configured from c, resolved exactly as JupyterHub does."""
    if class_name == "LocalProcessSpawner":
        return LocalProcessSpawner(config=c)
    return type(class_name, (LocalProcessSpawner,), {})(config=c)


def check_service_command(entry: dict, data_dir: str, ip: str) -> None:
    cmd = entry["command"]
    assert cmd[1:3] == ["-m", "llc_exercises.hub.service"], cmd
    args = dict(zip(cmd[3::2], cmd[4::2]))
    assert args["--data-dir"] == data_dir
    assert args["--facilitators-group"] == "facilitators"
    assert args["--ip"] == ip
    assert args["--port"] == str(urlparse(entry["url"]).port)


# ---- one machine: TLJH or a plain JupyterHub ----------------------------------------------------
@pytest.mark.parametrize("bind_c", [True, False], ids=["c-and-get_config", "get_config-only"])
def test_single_machine_config_registers_the_service(bind_c):
    c = run_config(SINGLE.read_text(encoding="utf-8"), bind_c=bind_c)
    hub = JupyterHub(config=c)
    entry = service_of(hub.services)
    check_service_command(entry, "/srv/leading-edge", "127.0.0.1")
    assert urlparse(entry["url"]).port == 10101

    server = spawner(c)
    assert ACCESS_SCOPE in server.server_token_scopes
    # the server token keeps the default `server` role's scopes next to ours
    assert {"access:servers!server", "users:activity!user"} <= set(server.server_token_scopes)
    assert server.environment["LLC_SERVICE_URL"] == f"http://127.0.0.1:10101/services/{SERVICE_NAME}/"
    assert ACCESS_SCOPE in hub.extra_user_scopes
    assert "leading-edge-service" in [r["name"] for r in hub.load_roles]


def test_single_machine_config_loaded_by_tljh_keeps_tljh_settings(tmp_path):
    """TLJH runs jupyterhub_config.d/*.py with load_subconfig: a fresh `c`, merged afterwards."""
    main = tmp_path / "jupyterhub_config.py"
    main.write_text(
        'c.JupyterHub.services = [{"name": "cull-idle", "admin": True, "command": ["python3", "-m", "x"]}]\n'
        'c.Spawner.environment = {"TZ": "America/Chicago"}\n'
        'c.Spawner.default_url = "/lab"\n'
        f"load_subconfig({str(SINGLE)!r})\n", encoding="utf-8")
    c = PyFileConfigLoader(main.name, str(tmp_path)).load_config()

    hub = JupyterHub(config=c)
    assert [s["name"] for s in hub.services] == ["cull-idle", SERVICE_NAME]
    server = spawner(c)
    assert server.environment == {"TZ": "America/Chicago",
                                  "LLC_SERVICE_URL": f"http://127.0.0.1:10101/services/{SERVICE_NAME}/"}
    assert server.default_url == "/lab"
    assert ACCESS_SCOPE in server.server_token_scopes
    assert ACCESS_SCOPE in hub.extra_user_scopes


# ---- Zero to JupyterHub ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def values() -> dict:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


def chart_config(values: dict) -> Config:
    """What the chart's own jupyterhub_config.py has set by the time it runs hub.extraConfig."""
    c = Config()
    c.JupyterHub.services = [{"name": "other", "url": "http://other:9000"}]  # from hub.services
    c.JupyterHub.load_roles = []
    c.KubeSpawner.environment = dict(values.get("singleuser", {}).get("extraEnv") or {})  # default {}
    c.Spawner.default_url = values["singleuser"]["defaultUrl"]
    return c


def run_extra_config(values: dict, c: Config) -> Config:
    snippets = values["hub"]["extraConfig"]
    assert isinstance(snippets, dict) and snippets, "chart 4.x takes a dict of named snippets"
    for name in sorted(snippets):  # the chart runs them in key order
        run_config(snippets[name], c)
    return c


def ports(rules: list[dict]) -> set[int]:
    return {p["port"] for rule in rules for p in rule.get("ports", [])}


def test_z2jh_extra_config_registers_the_service_on_an_exposed_port(values):
    c = run_extra_config(values, chart_config(values))
    hub = JupyterHub(config=c)
    assert [s["name"] for s in hub.services] == ["other", SERVICE_NAME]  # the chart's services stay
    entry = service_of(hub.services)
    url = urlparse(entry["url"])
    assert url.hostname == "hub"  # the chart's k8s Service in front of the hub pod
    check_service_command(entry, "/srv/jupyterhub/leading-edge", "0.0.0.0")
    assert entry["command"][entry["command"].index("--data-dir") + 1].startswith("/srv/jupyterhub/")

    extra = values["hub"]["service"]["extraPorts"]
    assert any(p["port"] == url.port and p.get("targetPort", p["port"]) == url.port for p in extra), extra

    ingress = values["hub"]["networkPolicy"]["ingress"]
    assert url.port in ports(ingress)
    opened = [r for r in ingress if url.port in ports([r])]
    assert any(src == {"podSelector": {"matchLabels": {"hub.jupyter.org/network-access-hub": "true"}}}
               for r in opened for src in r["from"]), opened

    proxy_out = values["proxy"]["chp"]["networkPolicy"]["egress"]
    assert any(url.port in ports([r]) and any(t["podSelector"]["matchLabels"].get("component") == "hub"
                                              for t in r["to"]) for r in proxy_out), proxy_out


def test_z2jh_user_pods_get_the_proxy_url_despite_the_charts_extra_env(values):
    c = run_extra_config(values, chart_config(values))
    kube = spawner(c, "KubeSpawner")  # the chart's KubeSpawner.environment outranks Spawner.environment
    assert kube.environment["LLC_SERVICE_URL"] == PROXY_URL
    assert ACCESS_SCOPE in kube.server_token_scopes
    assert kube.default_url == "/lab"
    # user pods may reach the proxy pod's http port (8000), which proxy-public forwards to
    user_out = values["singleuser"]["networkPolicy"]["egress"]
    assert any(8000 in ports([r]) and any(t["podSelector"]["matchLabels"].get("component") == "proxy"
                                          for t in r["to"]) for r in user_out), user_out

    # what an admin sets in singleuser.extraEnv is kept, and wins
    theirs = chart_config(values)
    mine = {"TZ": "UTC", "LLC_SERVICE_URL": f"http://proxy-http:8000/services/{SERVICE_NAME}/"}
    theirs.KubeSpawner.environment = dict(mine)
    assert spawner(run_extra_config(values, theirs), "KubeSpawner").environment == mine


def test_z2jh_values_name_custom_images_and_lab(values):
    for part in ("hub", "singleuser"):
        image = values[part]["image"]
        assert image["name"] and isinstance(image["tag"], str) and image["tag"]
        assert "k8s-hub" not in image["name"] and "k8s-singleuser-sample" not in image["name"]
    assert values["singleuser"]["defaultUrl"] == "/lab"


def test_z2jh_values_use_only_chart_keys_that_were_checked(values):
    """Every key path was checked against the chart's values.schema.yaml; a new one needs the same."""
    checked = {"hub.image.name", "hub.image.tag", "hub.extraConfig", "hub.service.extraPorts",
               "hub.networkPolicy.ingress", "hub.resources", "hub.db.pvc.storage",
               "proxy.chp.networkPolicy.egress", "singleuser.image.name", "singleuser.image.tag",
               "singleuser.defaultUrl", "singleuser.networkPolicy.egress", "singleuser.extraEnv"}

    def leaves(d: dict, prefix: str = ""):
        for k, v in d.items():
            path = f"{prefix}{k}"
            if isinstance(v, dict) and path not in checked:
                yield from leaves(v, path + ".")
            else:
                yield path

    assert set(leaves(values)) <= checked


@pytest.mark.parametrize("source", ["single", "z2jh"])
def test_jupyterhub_5_gets_the_access_scope_through_the_user_role(source, values, monkeypatch):
    """JupyterHub 5 (TLJH, chart 4.x) has no extra_user_scopes: the user role must carry the scope."""
    monkeypatch.delattr(JupyterHub, "extra_user_scopes")
    if source == "single":
        c = run_config(SINGLE.read_text(encoding="utf-8"))
    else:
        c = run_extra_config(values, chart_config(values))
    roles = value(c.JupyterHub, "load_roles", [])
    user = [r for r in roles if r["name"] == "user"]
    assert len(user) == 1 and set(user[0]["scopes"]) == {"self", ACCESS_SCOPE}
    assert not value(c.JupyterHub, "extra_user_scopes", set())
    assert ACCESS_SCOPE in value(c.Spawner, "server_token_scopes", [])


# ---- images --------------------------------------------------------------------------------------
def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in lines]


def makefile_debs() -> list[str]:
    m = re.search(r"^DEMO_DEBS\s*:=\s*(.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    return m.group(1).split()


@pytest.mark.parametrize("dockerfile", [HUB_DOCKERFILE, USER_DOCKERFILE], ids=["hub", "singleuser"])
def test_images_install_the_kit_from_a_copy_of_the_repository(dockerfile):
    steps = instructions(dockerfile)
    copied = {}
    for kind, arg in steps:
        if kind == "COPY":
            words = [w for w in shlex.split(arg) if not w.startswith("--")]
            for src in words[:-1]:
                copied[src] = words[-1]
                assert (ROOT / src).exists(), f"{dockerfile.name} copies {src}, not in the repository"
    for needed in ("pyproject.toml", "README.md", "llc_exercises", "workbook", "datasets"):
        assert needed in copied and copied[needed].startswith("/opt/leading-edge"), (needed, copied)

    runs = " && ".join(arg for kind, arg in steps if kind == "RUN")
    assert re.search(r"pip install [^&]*-e /opt/leading-edge(\s|$)", runs), runs
    apt = re.search(r"apt-get install ([^&]+)", runs)
    assert apt and set(DEBS) <= set(apt.group(1).split()), "the Debian packages WeasyPrint needs"
    assert set(DEBS) <= set(makefile_debs())
    if dockerfile == HUB_DOCKERFILE:  # the hub builds cohorts: the fast engine's browser too
        assert set(makefile_debs()) <= set(apt.group(1).split())


def base_image(dockerfile: Path) -> str:
    steps = instructions(dockerfile)
    args = dict(re.findall(r"(\w+)=(\S+)", " ".join(a for k, a in steps if k == "ARG")))
    frm = next(a for k, a in steps if k == "FROM")
    return re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], frm)


def test_hub_image_builds_on_the_chart_4_hub_image():
    assert re.fullmatch(r"quay\.io/jupyterhub/k8s-hub:4\.\d+\.\d+", base_image(HUB_DOCKERFILE))
    # the hub builds workbooks with papermill kernels and WeasyPrint: the kit must bring them
    tomllib = pytest.importorskip("tomllib")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    names = {re.split(r"[<>=!~ \[]", d, maxsplit=1)[0].lower() for d in deps}
    assert {"ipykernel", "ipywidgets", "papermill", "weasyprint"} <= names


def test_singleuser_image_has_nbgitpuller_and_widgets():
    assert base_image(USER_DOCKERFILE).startswith("quay.io/jupyter/minimal-notebook:")
    runs = " ".join(a for k, a in instructions(USER_DOCKERFILE) if k == "RUN")
    pip = re.search(r"pip install ([^&]+)", runs).group(1).split()
    assert {"nbgitpuller", "ipywidgets", "/opt/leading-edge"} <= set(pip)


# ---- the guide -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_guide_covers_tljh_and_z2jh_and_the_files(guide):
    headings = [ln for ln in guide.splitlines() if ln.startswith("#")]
    assert any("TLJH" in h for h in headings) and any("z2jh" in h for h in headings), headings
    for needed in ("/opt/tljh/config/jupyterhub_config.d/leading-edge.py", "deploy/z2jh/values.yaml",
                   "deploy/z2jh/Dockerfile.hub", "deploy/z2jh/Dockerfile.singleuser",
                   "deploy/jupyterhub/jupyterhub_config.py", "make hub-demo", "llc link --hub",
                   "submissions.sqlite", "facilitators", "Download answers (zip)", "Build all workbooks",
                   "Send my answers to my facilitator", "LLC_SERVICE_URL", "missing scope"):
        assert needed in guide, needed
    for path in re.findall(r"`(deploy/[\w./-]+)`", guide):
        assert (ROOT / path).exists(), path


def test_guide_documents_every_api_call_the_service_routes(guide):
    from llc_exercises.hub.handlers import default_handlers

    routes = [path for path, _ in default_handlers]
    documented = {"POST api/submissions": "api/submissions",
                  "GET api/submissions/<user>": "api/submissions/ana",
                  "GET api/progress": "api/progress", "GET api/export.zip": "api/export.zip"}
    for call, concrete in documented.items():
        assert f"`{call}`" in guide, call
        assert any(re.fullmatch(r, concrete) for r in routes), (concrete, routes)
    api = guide[guide.index("## The service's API"):]
    api = api[:api.index("\n## ", 1)]
    for status in ("401", "403", "413", "400", "5 MB"):
        assert status in api, status


def test_guide_names_no_real_hosts(guide):
    hosts = {urlparse(u).hostname for u in re.findall(r"https?://[^\s)`\"']+", guide)}
    placeholders_and_cluster_names = {"hub.example.org", "git.example.org", "127.0.0.1",
                                      "hub", "proxy-public", "proxy-http"}
    assert hosts <= placeholders_and_cluster_names, hosts


@pytest.mark.parametrize("module", ["llc_exercises.hub.service", "llc_exercises.service"])
def test_both_service_commands_start_and_say_they_need_the_hub(module, tmp_path):
    """Hub configs written before the hub package ran ``-m llc_exercises.service``; both paths start
    the same service, which outside a hub stops at once with a line saying how to register it."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "JUPYTERHUB_API_TOKEN"}
    done = subprocess.run([sys.executable, "-m", module, "--data-dir", str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "llc_exercises.hub.configure(c)" in done.stderr
