"""The command line tells a newcomer what it can do: the module docstring and ``llc --help`` name
every command, and options shared by several commands are one definition with one meaning."""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from llc_exercises import cli


def commands() -> dict[str, argparse.ArgumentParser]:
    sub = next(a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_the_docstring_and_help_name_every_command(capsys):
    names = set(commands())
    assert len(names) >= 18
    in_doc = set(re.findall(r"``([a-z-]+)", cli.__doc__ or ""))
    assert names <= in_doc, f"not in the docstring: {sorted(names - in_doc)}"
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    shown = capsys.readouterr().out
    for name in names:
        assert re.search(rf"^\s+{re.escape(name)}\s", shown, re.M), name


def test_shared_options_read_the_same_everywhere():
    helps: dict[str, set] = {}
    for p in commands().values():
        for a in p._actions:
            for opt in ("--cohort", "--roster", "--answers-dir"):
                if opt in a.option_strings:
                    helps.setdefault(opt, set()).add((a.metavar, a.help.split(":")[0].split(" (")[0]))
    assert helps == {"--cohort": {("FILE", "the cohort file")},
                     "--roster": {("CSV", "cohort roster")},
                     "--answers-dir": {("DIR", "folder of the participants' <id>.json answers files")}}


def test_every_printing_command_takes_the_same_pdf_engine_option():
    printing = {name for name, p in commands().items()
                if any("--pdf-engine" in a.option_strings for a in p._actions)}
    assert printing == {"build", "guide", "letter", "certificates", "report"}
    choices = {tuple(a.choices) for name in printing for a in commands()[name]._actions
               if "--pdf-engine" in a.option_strings}
    assert choices == {("auto", "chromium", "weasyprint")}
    source = Path(cli.__file__).read_text(encoding="utf-8")
    for option in ("--pdf-engine", "--date", "--cohort", "--roster", "--answers-dir", "--answers"):
        assert source.count(f'"{option}"') == 1, f"{option} is defined more than once"


@pytest.mark.parametrize("command", ["build", "letter", "certificates"])
def test_a_date_that_does_not_exist_is_refused_by_every_command(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--date", "2025-02-30", "--out", "x"])
    assert exc.value.code == 2
    assert "expected a date as YYYY-MM-DD, got '2025-02-30'" in capsys.readouterr().err
