"""One module lists every setting and is the only one that reads the environment; the README's table
is that list; and the settings do what the table says."""
from __future__ import annotations

import ast
import re

from helpers import ROOT

from llc_exercises import settings
from llc_exercises.core import definitions, identity, paths
from llc_exercises.participant import carry

PKG = ROOT / "llc_exercises"


def reads_environment(tree: ast.AST) -> list[int]:
    """Lines that touch os.environ or os.getenv."""
    return sorted(n.lineno for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr in ("environ", "getenv")
            and isinstance(n.value, ast.Name) and n.value.id == "os")


def test_only_the_settings_module_reads_the_environment():
    offenders = {str(p.relative_to(ROOT)): lines for p in PKG.rglob("*.py")
                 if p.name != "settings.py" and (lines := reads_environment(ast.parse(p.read_text(encoding="utf-8"))))}
    assert offenders == {}


def test_the_check_above_finds_a_read():
    assert reads_environment(ast.parse("import os\nx = os.environ.get('LLC_X')\ny = os.getenv('Y')")) == [2, 3]


def test_every_llc_variable_named_in_the_package_is_a_setting():
    named = {m for p in PKG.rglob("*.py") for m in re.findall(r"\bLLC_[A-Z_]+\b", p.read_text(encoding="utf-8"))}
    assert named <= {s.name for s in settings.SETTINGS}
    assert {"LLC_CHROMIUM", "LLC_LIBRARY_DATA_DIR", "LLC_TEMPORARY_STORAGE"} <= {s.name for s in settings.SETTINGS}


def test_the_readme_table_is_the_list():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- settings:begin -->\n", 1)[1].split("\n<!-- settings:end -->", 1)[0]
    assert table == settings.markdown_table()
    for s in settings.SETTINGS:
        assert s.meaning and f"`{s.name}`" in table


def test_settings_take_effect_and_a_blank_value_counts_as_unset(monkeypatch, tmp_path):
    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path / "here"))
    assert paths.data_dir() == tmp_path / "here"
    monkeypatch.setenv("LLC_DATA_DIR", "   ")
    assert paths.data_dir() == paths.Path.home() / ".leading-edge"
    monkeypatch.setenv("LLC_SESSIONS_DIR", str(tmp_path))
    assert definitions.sessions_dir() == tmp_path
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setenv("LLC_PARTICIPANT", "mquill")
    assert identity.current_participant_id() == "mquill"
    assert identity.source_of_identity() == "the LLC_PARTICIPANT setting"
    monkeypatch.setenv("JUPYTERHUB_USER", "rinkwell")
    assert identity.current_participant_id() == "rinkwell"


def test_temporary_storage_from_the_setting_or_binder(monkeypatch):
    for s in (settings.TEMPORARY_STORAGE, *settings.BINDER):
        monkeypatch.delenv(s.name, raising=False)
    assert not carry.temporary_storage()
    monkeypatch.setenv("LLC_TEMPORARY_STORAGE", "1")
    assert carry.temporary_storage()
    monkeypatch.delenv("LLC_TEMPORARY_STORAGE")
    monkeypatch.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    assert carry.temporary_storage()
