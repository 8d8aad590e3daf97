"""One rule for who can read what the kit writes (README, "Who can read the files"): a file holding
a participant's answers is 0600 whatever the umask; anything else follows the user's umask.

The whole-kit test runs what `make demo` runs (read from the Makefile, so the two cannot drift),
plus the participant's own outputs, under umask 022, and holds every file written to ``RULE``:
a new kind of output fails the test until it is classified here."""
from __future__ import annotations

import fnmatch
import json
import os
import shlex
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from llc_exercises.core import files
from llc_exercises.core.files import PRIVATE, SHARED
from llc_exercises.core.store import AnswerStore

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "datasets" / "sample_cohort"
PID = "avellum"  # a sample participant with answers in every session

# (path under the output folder, who may read it, why). First match wins; no match is a failure.
RULE: list[tuple[str, files.Access, str]] = [
    ("workbooks/workbook-*.html", PRIVATE, "a participant's workbook: their answers"),
    ("workbooks/workbook-*.pdf", PRIVATE, "a participant's workbook: their answers"),
    ("workbooks/index.html", SHARED, "the facilitator's list of who was built: names, links, status"),
    ("workbooks/build-report.csv", SHARED, "the same list as index.html, for a spreadsheet"),
    ("facilitator/cohort.ics", SHARED, "the cohort's meeting dates"),
    ("facilitator/report/*.html", SHARED, "the anonymous cohort report: counts and themes, no names"),
    ("facilitator/report/*.pdf", SHARED, "the anonymous cohort report"),
    ("facilitator/certificates/certificate-*.pdf", SHARED, "handed out: a name, hours and a code"),
    ("facilitator/certificates/certificates.csv", SHARED, "the register: names, hours, codes"),
    ("facilitator/certificates/not-yet-qualified.csv", SHARED, "names and hours still missing"),
    ("guide/*", SHARED, "the facilitator's guide: the kit's own text and the cohort's dates"),
    ("one/workbook-*.ipynb", PRIVATE, "a kept notebook: the answers it was filled with"),
    ("one/workbook-*.html", PRIVATE, "one participant's workbook"),
    ("answers/*.json", PRIVATE, "an answers file"),
    ("answers/*.json.bak", PRIVATE, "the answers file's previous version"),
    ("exports/plans.xlsx", PRIVATE, "a participant's plans"),
    ("exports/plans-*.csv", PRIVATE, "a participant's plans, one file per plan"),
    ("letter/letter.pdf", PRIVATE, "a letter quoting a participant's answers"),
]


def rule_for(relative: str) -> tuple[files.Access, str] | None:
    for pattern, access, why in RULE:
        if fnmatch.fnmatchcase(relative, pattern):
            return access, why
    return None


def expected_mode(access: files.Access, umask: int) -> int:
    return 0o600 if access is PRIVATE else 0o666 & ~umask


def demo_commands(workbooks: Path, facilitator: Path) -> list[list[str]]:
    """The `llc` commands of the Makefile's demo target, writing into the given folders."""
    printed = subprocess.run(["make", "-n", "-s", "demo", f"OUT={workbooks}", f"FAC={facilitator}", "BIN=BIN"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    commands = [shlex.split(line) for line in printed.replace("\\\n", " ").splitlines()
                if line.startswith("BIN/llc ")]
    assert [c[1] for c in commands] == ["build", "calendar", "report", "certificates"], printed
    return [[sys.executable, "-m", "llc_exercises.cli", *c[1:]] for c in commands]


@pytest.fixture
def umask():
    """Set the umask of this process for one test (the store writes here, not in a child)."""
    saved = os.umask(0o022)

    def set_to(value: int) -> None:
        os.umask(value)
    yield set_to
    os.umask(saved)


def test_every_output_of_the_demo_and_of_a_participant_follows_the_rule(tmp_path, umask):
    out = tmp_path / "out"
    child_umask = 0o022  # the usual one: shared files come out 0644, private ones must still be 0600
    commands = demo_commands(out / "workbooks", out / "facilitator")
    answers = out / "answers" / f"{PID}.json"
    commands += [
        [sys.executable, "-m", "llc_exercises.cli", "guide", "--cohort", str(SAMPLE / "cohort.yaml"),
         "--out", str(out / "guide")],
        [sys.executable, "-m", "llc_exercises.cli", "build", "--answers", str(SAMPLE / "answers" / f"{PID}.json"),
         "--format", "html", "--keep-notebooks", "--out", str(out / "one")],
        [sys.executable, "-m", "llc_exercises.cli", "export", "--answers", str(answers),
         "--out", str(out / "exports" / "plans.xlsx")],
        [sys.executable, "-m", "llc_exercises.cli", "export", "--answers", str(answers),
         "--out", str(out / "exports" / "plans.csv")],
        [sys.executable, "-m", "llc_exercises.cli", "letter", "--answers", str(answers),
         "--out", str(out / "letter" / "letter.pdf")],
    ]
    # the participant's answers file, saved by the store under the same umask (twice: a .bak too)
    umask(child_umask)
    store = AnswerStore(answers, participant={"id": PID})
    sample = json.loads((SAMPLE / "answers" / f"{PID}.json").read_text(encoding="utf-8"))
    store.update({k: e["value"] for k, e in sample["answers"].items()}, participant=sample["participant"])
    store.set("visioning.core_beliefs.why", "Because every student deserves a library.")
    for cmd in commands:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, umask=child_umask, timeout=900)
        assert done.returncode == 0, (cmd, done.stdout[-2000:], done.stderr[-2000:])

    written = sorted(p for p in out.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert len(written) > 60  # 30 workbooks twice, the facilitator's files, the participant's own
    wrong, unclassified = [], []
    for path in written:
        relative = path.relative_to(out).as_posix()
        found = rule_for(relative)
        if found is None:
            unclassified.append(relative)
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode != expected_mode(found[0], child_umask):
            wrong.append(f"{relative}: {mode:04o}, should be {expected_mode(found[0], child_umask):04o} "
                         f"({found[0].value}: {found[1]})")
    assert unclassified == [], "outputs not in RULE: say whether each holds answers"
    assert wrong == []
    kinds = {rule_for(p.relative_to(out).as_posix())[0] for p in written}  # type: ignore[index]
    assert kinds == {PRIVATE, SHARED}


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077, 0o002])
def test_a_shared_write_honours_the_umask_and_a_private_one_is_0600(tmp_path, umask, mask):
    umask(mask)
    files.write_atomic(tmp_path / "shared.txt", b"s", access=SHARED)
    files.write_atomic(tmp_path / "private.txt", b"p", access=PRIVATE)
    files.write_atomic(tmp_path / "default.txt", b"d")  # a writer that did not say: private
    files.write_atomic(tmp_path / "new.txt", b"n", exclusive=True, access=SHARED)
    files.write_all({tmp_path / "a.csv": b"a", tmp_path / "b.pdf": b"b"}, access=SHARED)
    files.write_all({tmp_path / "c.json": b"c"}, access=PRIVATE)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    shared = 0o666 & ~mask
    assert modes == {"shared.txt": shared, "private.txt": 0o600, "default.txt": 0o600, "new.txt": shared,
                     "a.csv": shared, "b.pdf": shared, "c.json": 0o600}


def test_rewriting_a_file_takes_the_rule_not_the_old_files_mode(tmp_path, umask):
    umask(0o027)
    target = tmp_path / "report.html"
    target.write_bytes(b"old")
    target.chmod(0o600)
    files.write_atomic(target, b"new", access=SHARED)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_bytes() == b"new"
    target.chmod(0o644)
    files.write_all({target: b"private now"}, access=PRIVATE)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_private_is_0600_even_under_a_umask_that_takes_the_owners_bits(tmp_path, umask):
    umask(0o277)
    files.write_atomic(tmp_path / "p.json", b"{}", access=PRIVATE)
    assert stat.S_IMODE((tmp_path / "p.json").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]  # no temporary file left
