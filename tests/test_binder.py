"""Binder: the files repo2docker reads, checked with repo2docker's own build-pack code, then installed
the way the Dockerfile it renders would install them (a fresh environment from binder/environment.yml,
then the repository copied in and binder/postBuild run), as far as a machine without Docker or conda
allows: pip stands in for mamba, a venv for the conda prefix.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import yaml
from helpers import ROOT

BINDER = ROOT / "binder"
# conda-forge names that differ from PyPI's
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib"}


def binder_env() -> dict:
    return yaml.safe_load((BINDER / "environment.yml").read_text(encoding="utf-8"))


def conda_specs(env: dict) -> list[str]:
    return [d for d in env["dependencies"] if isinstance(d, str)]


def pip_requirement(spec: str) -> str:
    """``matplotlib-base>=3.8`` → ``matplotlib>=3.8``: the same requirement in PyPI's words."""
    from rattler import MatchSpec

    ms = MatchSpec(spec, strict=False)
    name = ms.name.normalized
    return CONDA_TO_PYPI.get(name, name) + (str(ms.version) if ms.version else "")


def buildpack():
    from repo2docker.buildpacks import CondaBuildPack

    bp = CondaBuildPack("docker.io/library/buildpack-deps:jammy")
    bp.platform = "linux/amd64"
    return bp


def test_repo2docker_picks_the_conda_buildpack_with_the_binder_folder(monkeypatch):
    from repo2docker.app import Repo2Docker

    monkeypatch.chdir(ROOT)
    # repo2docker tries its build packs in this order and takes the first that detects the repo
    chosen = next(type(bp) for bp in (cls("docker.io/library/buildpack-deps:jammy")
                                      for cls in Repo2Docker().buildpacks) if bp.detect())
    assert chosen.__name__ == "CondaBuildPack"
    bp = buildpack()
    assert bp.binder_dir == "binder"  # binder/ wins over the top-level environment.yml
    assert bp.python_version == "3.11"
    assert bp.get_post_build_scripts() == ["binder/postBuild"]


def test_the_rendered_dockerfile_builds_the_environment_before_it_copies_the_kit(monkeypatch):
    monkeypatch.chdir(ROOT)
    dockerfile = buildpack().render()
    env_step = dockerfile.index('--file "binder/environment.yml"')
    copy_repo = dockerfile.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    post_build = dockerfile.index("RUN ./binder/postBuild")
    # so the environment cannot install the kit itself (`pip: -e .` would find no repository):
    # postBuild, which runs after the copy, does
    assert env_step < copy_repo < post_build


def test_binder_environment_parses_and_lists_what_the_kit_needs():
    from rattler import MatchSpec

    env = binder_env()
    assert env["channels"] == ["conda-forge"]
    specs = conda_specs(env)
    for spec in specs:
        MatchSpec(spec, strict=False)  # raises on a malformed spec
    assert not [d for d in env["dependencies"] if isinstance(d, dict)], "no pip section: postBuild installs the kit"
    top = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    # everything the conda users' environment.yml installs (it is checked against pyproject.toml)
    wanted = {s for s in conda_specs(top) if not s.startswith("python") and s != "pip"}
    assert wanted <= set(specs), f"binder/environment.yml lacks {sorted(wanted - set(specs))}"


def test_post_build_is_a_strict_bash_script():
    script = BINDER / "postBuild"
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n")
    assert re.search(r"^set -e", text, re.M), "postBuild must stop at the first failing command"
    assert os.access(script, os.X_OK) or (subprocess.run(  # git keeps the executable bit
        ["git", "ls-files", "-s", "binder/postBuild"], cwd=ROOT, capture_output=True, text=True
    ).stdout.startswith("100755"))
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_readme_binder_link_opens_the_orientation_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://mybinder\.org/v2/[^\s)\]]+", readme)
    assert links, "README has no Binder link"
    for link in links:
        assert "urlpath=lab/tree/notebooks/00_orientation.ipynb" in link, link
    assert (ROOT / "notebooks" / "00_orientation.ipynb").exists()


def _repository_files() -> list[str]:
    """What a clone of the repository holds (plus files not committed yet, when run before a commit)."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         cwd=ROOT, capture_output=True, check=True).stdout
    return [f for f in out.decode().split("\0") if f and (ROOT / f).is_file()]


def test_installing_from_the_binder_files_gives_a_working_kit(tmp_path):
    prefix = tmp_path / "srv" / "notebook"  # stands in for ${NB_PYTHON_PREFIX}
    subprocess.run([sys.executable, "-m", "venv", str(prefix)], check=True)
    py = prefix / "bin" / "python"
    packages = [pip_requirement(s) for s in conda_specs(binder_env()) if not s.startswith("python")]
    # 1. the environment, from binder/environment.yml alone (the repository is not there yet)
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *packages],
                   check=True, timeout=900)
    # 2. the repository copied into ${REPO_DIR}, 3. ./binder/postBuild run there with the prefix on PATH
    repo = tmp_path / "home" / "jovyan"
    for f in _repository_files():
        (repo / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, repo / f)
    (repo / "binder" / "postBuild").chmod(0o755)
    env = {"PATH": f"{prefix / 'bin'}:/usr/bin:/bin", "HOME": str(repo), "LANG": "C.UTF-8",
           "BINDER_LAUNCH_HOST": "https://mybinder.org/", "LLC_DATA_DIR": str(tmp_path / "answers"),
           "LLC_PARTICIPANT": "binder-test", "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt"),
           "MPLBACKEND": "Agg"}
    subprocess.run(["./binder/postBuild"], cwd=repo, env=env, check=True, timeout=300)

    # the kit is importable from the copied repository, and Voila and anywidget are wired in
    where = subprocess.run([str(py), "-c", "import llc_exercises, sys; print(llc_exercises.__file__)"],
                           env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    assert where.strip().startswith(str(repo))
    ext = subprocess.run([str(prefix / "bin" / "jupyter"), "labextension", "list"], env=env,
                         capture_output=True, text=True, check=True)
    assert "anywidget" in ext.stdout + ext.stderr and "@jupyter-widgets/jupyterlab-manager" in ext.stdout + ext.stderr
    srv = subprocess.run([str(prefix / "bin" / "jupyter"), "server", "extension", "list"], env=env,
                         capture_output=True, text=True, check=True)
    listed = re.sub(r"\x1b\[[0-9;]*m", "", srv.stdout + srv.stderr)  # without its colours
    assert re.search(r"voila\S*\s+enabled", listed)

    # the notebook Binder opens runs there and warns that the answers folder is temporary
    out = tmp_path / "orientation.ipynb"
    subprocess.run([str(prefix / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                    "--output", str(out), str(repo / "notebooks" / "00_orientation.ipynb")],
                   env=env, cwd=repo, check=True, timeout=300, capture_output=True)
    # (the notice is an HTML widget: its text is in the saved widget state, not in the prose)
    ran = json.loads(out.read_text(encoding="utf-8"))
    shown = json.dumps([ran["metadata"], [c.get("outputs") for c in ran["cells"]]]).lower()
    assert "temporary" in shown, "no notice that Binder's answers folder is temporary"


def test_llc_link_binder_prints_the_launch_link_for_a_copy_of_the_kit(capsys):
    from llc_exercises import cli

    assert cli.main(["link", "--binder", "--repo", "https://github.com/your-district/leading-edge.git"]) == 0
    assert capsys.readouterr().out.strip() == (
        "https://mybinder.org/v2/gh/your-district/leading-edge/main"
        "?urlpath=lab/tree/notebooks/00_orientation.ipynb")
    # another git host, and the app view of a session on a branch
    assert cli.main(["link", "--binder", "--app", "--branch", "cohort-2027", "--open", "notebooks/01_visioning.ipynb",
                     "--repo", "https://git.example.org/district/leading-edge.git"]) == 0
    assert capsys.readouterr().out.strip() == (
        "https://mybinder.org/v2/git/https%3A%2F%2Fgit.example.org%2Fdistrict%2Fleading-edge.git/cohort-2027"
        "?urlpath=voila/render/notebooks/01_visioning.ipynb")
    assert cli.main(["link", "--binder", "--repo", "leading-edge"]) == 2
    assert "--repo must be the web address" in capsys.readouterr().err
    assert cli.main(["link", "--repo", "https://github.com/a/b"]) == 2
    assert "needs --hub URL" in capsys.readouterr().err
