"""A wheel that works alone: built from this tree, installed into a fresh venv, run from a folder
that is not the checkout. A learner who installs the kit with pip (or a hub image built from the
wheel) gets every template, stylesheet, script, session, notebook and practice data file, and the
commands work: ``llc schema``, a workbook, the guide, the service module and ``llc app``.

The venv borrows this environment's third-party packages through a .pth line, and their Jupyter data
(nbconvert's templates, kernel specs) through JUPYTER_PATH: installing jupyterlab, voila and
playwright afresh would take minutes and test pip, not the kit. The kit itself comes only from the
wheel, which the first test checks.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT

from llc_exercises.core.ports import free_port

SAMPLE = ROOT / "datasets" / "sample_cohort" / "answers" / "avellum.json"


def tracked(*folders: str) -> set[str]:
    out = subprocess.run(["git", "ls-files", *folders], cwd=ROOT, capture_output=True, text=True, check=True)
    return {line for line in out.stdout.splitlines() if line and not line.endswith("/")}


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(work / "dist"), str(ROOT)], check=True, cwd=work)
    wheel = next((work / "dist").glob("leading_edge-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", str(wheel)],
                   check=True, cwd=work)
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    home = work / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LLC_", "PYTHON", "JUPYTER"))}
    env.update(HOME=str(home), LLC_DATA_DIR=str(home / "answers-data"), PATH=f"{venv / 'bin'}:{env['PATH']}",
               JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
    return {"work": work, "wheel": wheel, "venv": venv, "py": py, "env": env}


def run(kit, *args, timeout=300):
    return subprocess.run([str(a) for a in args], cwd=kit["work"], env=kit["env"], capture_output=True,
                          text=True, timeout=timeout)


def test_the_kit_comes_from_the_wheel_not_the_checkout(kit):
    done = run(kit, kit["py"], "-c", "import llc_exercises; print(llc_exercises.__file__)")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(kit["venv"]), done.stdout


def test_every_file_of_the_package_and_its_shipped_folders_is_in_the_wheel(kit):
    names = set(zipfile.ZipFile(kit["wheel"]).namelist())
    package = {p for p in tracked("llc_exercises") if "__pycache__" not in p}
    assert package and package <= names, sorted(package - names)
    kinds = {Path(p).suffix for p in package}
    assert {".py", ".yaml", ".j2", ".css", ".ipynb", ".json"} <= kinds  # what the test is guarding
    notebooks = {f"llc_exercises/participant/notebooks/{Path(p).name}" for p in tracked("notebooks")
                 if p.endswith(".ipynb")}
    library = {f"llc_exercises/participant/library/{Path(p).name}" for p in tracked("datasets/library")
               if p.endswith((".csv", ".md"))}
    assert len(notebooks) == 7 and notebooks <= names, sorted(notebooks - names)
    assert library and library <= names, sorted(library - names)


def test_schema_and_validate(kit):
    done = run(kit, "llc", "schema")
    assert done.returncode == 0, done.stderr
    assert "visioning.core_beliefs" in json.dumps(json.loads(done.stdout))
    shutil.copy(SAMPLE, kit["work"] / "avellum.json")
    done = run(kit, "llc", "validate", "avellum.json")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_workbook_is_built_from_the_packaged_template(kit):
    shutil.copy(SAMPLE, kit["work"] / "avellum.json")
    done = run(kit, "llc", "build", "--answers", "avellum.json", "--out", "out", "--format", "html")
    assert done.returncode == 0, done.stdout + done.stderr
    page = (kit["work"] / "out" / "workbook-avellum.html").read_text(encoding="utf-8")
    name = json.loads(SAMPLE.read_text(encoding="utf-8"))["participant"]["name"]
    assert name in page and "Visioning" in page and "<style>" in page


def test_the_guide_is_printed(kit):
    done = run(kit, "llc", "guide", "--out", "guide")
    assert done.returncode == 0, done.stdout + done.stderr
    pdf = kit["work"] / "guide" / "facilitator-guide.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Visioning" in text and "Opportunity" in text


def test_the_service_module_imports_both_ways(kit):
    done = run(kit, kit["py"], "-c", "import llc_exercises.hub.service, llc_exercises.service; "
                                     "from llc_exercises.hub import configure; print('ok')")
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_llc_app_serves_the_packaged_notebooks(kit):
    port = free_port()
    proc = subprocess.Popen(["llc", "app", "--no-browser", "--port", str(port)], cwd=kit["work"], env=kit["env"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, page = time.monotonic() + 90, ""
        while time.monotonic() < deadline and not page:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    page = resp.read().decode("utf-8")
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.5)
        for title in ("Orientation", "Visioning", "Relationships", "Coaching", "Influence", "Promotion",
                      "Opportunity"):
            assert title in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/01_visioning.ipynb", timeout=120) as resp:
            assert resp.status == 200
            rendered = resp.read().decode("utf-8")
        assert "Visioning" in rendered
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
