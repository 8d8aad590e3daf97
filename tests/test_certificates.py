"""Attendance, hours and certificates: who qualifies, what the certificate says, that its code
verifies, and that every mistake in the attendance sheet stops the run with the file and line named
before anything is written.

Certificates are printed for a five-person copy of the sample cohort (two qualify), once per module;
one test prints the whole sample."""
from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import SAMPLE, PdfText

from llc_exercises.cli import main
from llc_exercises.core.attendance import blank_sheet, hours_for, read_sheet
from llc_exercises.core.cohort import load_cohort
from llc_exercises.core.roster import read_roster
from llc_exercises.facilitator.certificates import (
    CertificateError,
    normalise_code,
    not_qualified_csv,
    verification_code,
    verify,
)

HEADER = "id,name,visioning,relationships,coaching,influence,promotion,opportunity,kickoff,meeting_1,meeting_2," \
         "meeting_3,meeting_4,culmination"
MARKUP_NAME = "<b>Tess</b> $5 & Fatima 🦉📚 فاطمة"
# Hand-written rows (event hours: sessions 6, kickoff/culmination 3, meetings 1.5).
SMALL_SHEET = [
    HEADER,
    # 5×6 + 3 = 33 session hours; 3 + 1.5 + 1 + 3 = 8.5 meeting hours; PD log 2.5 + 1 = 3.5 → 45
    "ebookwright,Ezra Bookwright,yes,yes,yes,yes,yes,3,yes,no,yes,no,1,yes",
    "tmarkup,Tess,yes,y,x,present,YES,yes,no,n,absent,,no,no",  # 36 session hours, nothing else → 36
    "bpagecroft,Barnaby Pagecroft,no,no,no,no,no,yes,yes,no,no,no,no,no",  # 6 + 3 = 9
    "lhoneysucklestacks,Lark,yes,yes,yes,yes,no,no,yes,no,no,no,no,no",  # 24 + 3 = 27; answers file removed
    # mquillfeather (on the roster) has no row at all
]
SMALL_IDS = ["ebookwright", "tmarkup", "bpagecroft", "lhoneysucklestacks", "mquillfeather"]
DATE = "2026-05-19"


def copy_sample(dst: Path) -> Path:
    shutil.copytree(SAMPLE, dst, ignore=shutil.ignore_patterns("README.md"))
    return dst


def write_pd_log(answers: Path, rows: list[dict]) -> None:
    doc = json.loads(answers.read_text(encoding="utf-8"))
    doc["answers"]["opportunity.pd_log.log"] = {"value": rows, "updated": "2026-04-01T12:00:00+00:00"}
    answers.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def make_small(dst: Path) -> Path:
    """Five roster members with attendance written by hand above, one with markup in their name."""
    c = copy_sample(dst)
    rows = {r["id"]: r for r in csv.DictReader((c / "roster.csv").open(encoding="utf-8"))}
    rows["tmarkup"]["name"] = MARKUP_NAME
    with (c / "roster.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "name", "school", "district", "cohort"])
        w.writeheader()
        w.writerows(rows[i] for i in SMALL_IDS)
    (c / "attendance.csv").write_text("\n".join(SMALL_SHEET) + "\n", encoding="utf-8")
    write_pd_log(c / "answers" / "ebookwright.json", [
        {"activity": "Webinar", "hours": 2.5}, {"activity": "Site visit", "hours": 1}, {"activity": "Planned"}])
    (c / "answers" / "lhoneysucklestacks.json").unlink()
    return c


def llc(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def cert_args(c: Path, out: Path, *extra: str) -> list[str]:
    return ["certificates", "--cohort", str(c / "cohort.yaml"), "--roster", str(c / "roster.csv"),
            "--answers-dir", str(c / "answers"), "--out", str(out), "--date", DATE, *extra]


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The five-person cohort, certificates printed once for every test that reads them."""
    c = make_small(tmp_path_factory.mktemp("small") / "cohort")
    out = c.parent / "certs"
    out.mkdir()  # an earlier run's output: a certificate no longer earned, and a file of the facilitator's
    (out / "certificate-formerly.pdf").write_bytes(b"from an earlier run")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    code, stdout, stderr = llc(*cert_args(c, out))
    assert code == 0, stderr
    return c, out, stdout


# ---- the run on the small cohort ------------------------------------------------------------------
def test_certificates_exactly_for_those_with_enough_hours(small):
    c, out, stdout = small
    assert sorted(p.name for p in out.iterdir()) == [
        "certificate-ebookwright.pdf", "certificate-tmarkup.pdf", "certificates.csv", "not-yet-qualified.csv",
        "notes.txt"]
    assert stdout.strip() == (f"2 certificates written to {out}/; 3 not yet qualified "
                              f"(see {out}/not-yet-qualified.csv); removed 1 certificate(s) from an earlier run "
                              "that no longer qualify: certificate-formerly.pdf")
    assert sorted(p.name for p in out.parent.iterdir()) == ["certs", "cohort"]  # no temporary folder left
    register = {r["id"]: r for r in read_csv(out / "certificates.csv")}
    assert register["ebookwright"]["hours"] == "45"  # 33 + 8.5 + 3.5, by hand
    assert register["tmarkup"]["hours"] == "36"
    assert register["tmarkup"]["name"] == MARKUP_NAME
    assert register["ebookwright"]["sessions_attended"] == "Visioning; Relationships; Coaching; Influence; " \
                                                           "Promotion; Opportunity"
    assert register["ebookwright"]["meetings_attended"] == "4 of 6"
    assert {r["date"] for r in register.values()} == {DATE}
    for pdf in out.glob("*.pdf"):
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert re.search(r"^Pages:\s+1$", info, re.M) and "792 x 612" in info, info  # one landscape Letter page


def test_the_certificate_says_who_what_how_many_hours_when_and_by_whom(small):
    c, out, _ = small
    text = PdfText(out / "certificate-ebookwright.pdf")
    code = {r["id"]: r for r in read_csv(out / "certificates.csv")}["ebookwright"]["code"]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", code)
    for expected in ["Ezra Bookwright", "On the Leading Edge", "LLC-2025 (sample)",
                     "Sparrowgate Regional Service Center (fictional)".upper(),
                     "45 continuing professional education (CPE) hours", "Opportunity",
                     "Opportunity (3 of 6 hours)", "Cohort meetings: 4 of 6", "19 May 2026",
                     "Rosalind Inkwell (fictional)", "Lead facilitator", "Tobias Marginalia (fictional)", code]:
        assert expected in text, expected


def test_a_name_with_markup_emoji_and_arabic_prints_literally(small):
    _, out, _ = small
    text = PdfText(out / "certificate-tmarkup.pdf")
    assert "<b>Tess</b> $5 & Fatima" in text
    assert "فاطمة" in text
    assert "36 continuing professional education" in text


def test_the_code_verifies_and_a_tampered_one_does_not(small, capsys):
    c, out, _ = small
    register = out / "certificates.csv"
    code = {r["id"]: r for r in read_csv(register)}["tmarkup"]["code"]
    row = verify(code.lower().replace("-", " "), register, load_cohort(c / "cohort.yaml"))
    assert (row["id"], row["name"], row["hours"], row["date"]) == ("tmarkup", MARKUP_NAME, "36", DATE)
    assert main(["certificates", "--verify", code, "--register", str(register)]) == 0
    assert f"Valid: {code}" in capsys.readouterr().out

    tampered = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert main(["certificates", "--verify", tampered, "--register", str(register)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"llc: Code {tampered} is not in {register}")
    with pytest.raises(CertificateError, match="not a verification code"):
        verify("7KQ4-M2XD", register)


def test_an_edited_register_row_fails_against_the_cohort_secret(small, tmp_path):
    c, out, _ = small
    edited = tmp_path / "certificates.csv"
    edited.write_text((out / "certificates.csv").read_text(encoding="utf-8-sig").replace(",36,", ",46,"),
                      encoding="utf-8")
    code = {r["id"]: r for r in read_csv(edited)}["tmarkup"]["code"]
    verify(code, edited)  # without the secret only the lookup is possible
    with pytest.raises(CertificateError, match="do not match it"):
        verify(code, edited, load_cohort(c / "cohort.yaml"))


def test_not_yet_qualified_lists_each_with_hours_and_a_reason(small):
    _, out, _ = small
    rows = {r["id"]: r for r in read_csv(out / "not-yet-qualified.csv")}
    assert list(rows) == ["bpagecroft", "lhoneysucklestacks", "mquillfeather"]  # roster order
    b = rows["bpagecroft"]
    assert (b["session_hours"], b["meeting_hours"], b["pd_hours_counted"], b["total_hours"],
            b["required_hours"]) == ("6", "3", "0", "9", "32")
    assert b["reason"] == ("9 of 32 hours: missed Visioning, Relationships, Coaching, Influence and Promotion; "
                           "missed 5 of 6 meetings; 0 PD-log hours counted of up to 8")
    assert rows["lhoneysucklestacks"]["reason"] == (
        "27 of 32 hours: missed Promotion and Opportunity; missed 5 of 6 meetings; "
        "0 PD-log hours counted of up to 8; no answers file, so no PD log")
    assert rows["mquillfeather"]["reason"] == "0 of 32 hours: no attendance row; 0 PD-log hours counted of up to 8"


# ---- the whole sample ---------------------------------------------------------------------------
def hand_count(c: Path) -> dict[str, float]:
    """Totals computed here, independently of the module: attendance cells plus the PD log, capped at 8."""
    worth = {"kickoff": 3, "culmination": 3, **{f"meeting_{i}": 1.5 for i in range(1, 5)}}
    total = {}
    for row in csv.DictReader((c / "attendance.csv").open(encoding="utf-8-sig")):
        hours = 0.0
        for col, cell in row.items():
            if col in ("id", "name"):
                continue
            full = worth.get(col, 6)
            hours += full if cell == "yes" else 0 if cell in ("no", "") else float(cell)
        doc = json.loads((c / "answers" / f"{row['id']}.json").read_text(encoding="utf-8"))
        log = (doc["answers"].get("opportunity.pd_log.log") or {}).get("value") or []
        total[row["id"]] = hours + min(8, sum(r.get("hours") or 0 for r in log))
    return total


def test_the_whole_sample_cohort(tmp_path):
    c = copy_sample(tmp_path / "cohort")
    out = tmp_path / "certs"
    code, stdout, stderr = llc(*cert_args(c, out))
    assert code == 0, stderr
    totals = hand_count(c)
    roster = [r["id"] for r in csv.DictReader((c / "roster.csv").open(encoding="utf-8"))]
    assert sorted(totals) == sorted(roster)
    qualified = sorted(i for i, t in totals.items() if t >= 32)
    assert 0 < len(qualified) < len(roster), "the sample should hold a realistic mix"
    assert sorted(p.name for p in out.glob("certificate-*.pdf")) == [f"certificate-{i}.pdf" for i in qualified]
    register = read_csv(out / "certificates.csv")
    assert sorted(r["id"] for r in register) == qualified
    assert all(float(r["hours"]) == totals[r["id"]] for r in register)
    assert len({r["code"] for r in register}) == len(register)
    late = read_csv(out / "not-yet-qualified.csv")
    assert sorted(r["id"] for r in late) == sorted(set(roster) - set(qualified))
    assert all(float(r["total_hours"]) == totals[r["id"]] and r["reason"] for r in late)
    assert stdout.strip() == (f"{len(qualified)} certificates written to {out}/; {len(late)} not yet qualified "
                              f"(see {out}/not-yet-qualified.csv)")


# ---- bad input: named, and nothing written ------------------------------------------------------
BAD_SHEETS = {
    "not on roster": (lambda s: s.replace("bpagecroft,", "bpagecrof,"),
                      r"attendance\.csv, line 4: 'bpagecrof' is not on the roster .*Did you mean 'bpagecroft'\?"),
    "duplicate row": (lambda s: s + "tmarkup,again,yes,,,,,,,,,,,\n",
                      r"attendance\.csv, line 6: 'tmarkup' already has a row \(line 3\)"),
    "not a number": (lambda s: s.replace("ebookwright,Ezra Bookwright,yes,yes,yes", "ebookwright,E,yes,yes,half"),
                     r"attendance\.csv, line 2, column 'coaching': 'half' is not yes, no or a number of hours"),
    "too many hours": (lambda s: s.replace(",1,yes\n", ",2,yes\n"),
                       r"attendance\.csv, line 2, column 'meeting_4': '2' hours is more than the 1\.5 hours"),
    "negative hours": (lambda s: s.replace(",1,yes\n", ",-1,yes\n"),
                       r"attendance\.csv, line 2, column 'meeting_4': '-1' hours is negative"),
    "unknown column": (lambda s: s.replace(",meeting_4,", ",meeting_5,"),
                       r"attendance\.csv, line 1, column 13: 'meeting_5' is not a session or meeting of cohort "
                       r"'LLC-2025 \(sample\)'; the columns can be id, name and: kickoff, visioning"),
    "no id column": (lambda s: s.replace("id,name,", "who,name,", 1), r"attendance\.csv, line 1: no 'id' column"),
    "missing file": (None, r"Attendance sheet .*attendance\.csv not found; `llc attendance init --cohort "),
}


@pytest.mark.parametrize("case", list(BAD_SHEETS))
def test_each_bad_attendance_sheet_is_named_and_nothing_is_written(tmp_path, case):
    c = make_small(tmp_path / "cohort")
    change, message = BAD_SHEETS[case]
    sheet = c / "attendance.csv"
    if change is None:
        sheet.unlink()
    else:
        sheet.write_text(change(sheet.read_text(encoding="utf-8")), encoding="utf-8")
    out = tmp_path / "certs"
    out.mkdir()
    (out / "certificate-old.pdf").write_bytes(b"earlier run")
    code, stdout, stderr = llc(*cert_args(c, out))
    assert code == 1 and stdout == ""
    assert stderr.startswith("llc: ") and str(c) in stderr
    assert re.search(message, stderr), stderr
    assert [p.name for p in out.iterdir()] == ["certificate-old.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["certs", "cohort"]  # no temporary folder left


def test_no_certificate_secret_stops_with_how_to_add_one(tmp_path):
    c = make_small(tmp_path / "cohort")
    cohort = c / "cohort.yaml"
    cohort.write_text(re.sub(r"(?m)^certificate_secret:.*\n", "", cohort.read_text(encoding="utf-8")),
                      encoding="utf-8")
    code, _, stderr = llc(*cert_args(c, tmp_path / "certs"))
    assert code == 1 and "no certificate_secret" in stderr and "`llc cohort init` writes one" in stderr
    assert not (tmp_path / "certs").exists()


def test_a_damaged_answers_file_or_pd_log_is_an_error_naming_the_file(tmp_path):
    c = make_small(tmp_path / "cohort")
    bad = c / "answers" / "bpagecroft.json"
    write_pd_log(bad, [{"hours": 2}, {"hours": "three"}])
    code, _, stderr = llc(*cert_args(c, tmp_path / "certs"))
    assert code == 1 and f"{bad}: PD log ('opportunity.pd_log.log') row 2: hours 'three' is not a number" in stderr
    bad.write_text("{not json", encoding="utf-8")
    code, _, stderr = llc(*cert_args(c, tmp_path / "certs"))
    assert code == 1 and f"Answers file {bad} is damaged" in stderr
    assert not (tmp_path / "certs").exists()


def test_a_printing_failure_leaves_the_output_folder_as_it_was(tmp_path, monkeypatch):
    c = make_small(tmp_path / "cohort")
    out = tmp_path / "certs"
    out.mkdir()
    (out / "certificates.csv").write_text("earlier register", encoding="utf-8")
    # No browser to be found: printing fails after the checks, once the temporary folder exists.
    monkeypatch.delenv("LLC_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    code, _, stderr = llc(*cert_args(c, out, "--pdf-engine", "chromium"))
    assert code == 1 and "needs a Chromium browser" in stderr
    assert [p.name for p in out.iterdir()] == ["certificates.csv"]
    assert (out / "certificates.csv").read_text(encoding="utf-8") == "earlier register"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["certs", "cohort"]


# ---- hours, sheets and codes without printing -----------------------------------------------------
def test_hours_cap_partial_sessions_and_reasons(tmp_path):
    c = make_small(tmp_path / "cohort")
    cohort = load_cohort(c / "cohort.yaml")
    h = hours_for(cohort, "p", "P", {"visioning": 6, "coaching": 2.5, "kickoff": 3, "meeting_1": 1.5}, 12)
    assert (h.session_hours, h.meeting_hours, h.pd_log_hours, h.pd_hours_counted, h.total) == (8.5, 4.5, 12, 8, 21)
    assert not h.qualified and [e.id for e in h.sessions] == ["visioning", "coaching"]
    assert h.reason == ("21 of 32 hours: missed Relationships, Influence, Promotion and Opportunity; part of "
                        "Coaching (2.5 of 6 hours); missed 4 of 6 meetings; 8 PD-log hours counted of up to 8")
    exactly = {e.id: e.hours for e in cohort.sessions[:5]} | {"meeting_1": 1.5}
    assert hours_for(cohort, "p", "P", exactly, 0.5).qualified  # 30 + 1.5 + 0.5 = 32, the requirement
    assert not hours_for(cohort, "p", "P", exactly, 0.25).qualified
    uncapped = dataclasses.replace(cohort, credit=dataclasses.replace(cohort.credit, pd_log_max_hours=None))
    assert hours_for(uncapped, "p", "P", exactly, 12).total == 43.5
    full = {e.id: e.hours for e in cohort.events()}
    assert hours_for(cohort, "p", "P", full, None).qualified
    assert hours_for(cohort, "p", "P", full, None).total == 48


def test_a_bom_and_case_are_tolerated_and_missing_columns_count_nothing(tmp_path):
    c = make_small(tmp_path / "cohort")
    cohort = load_cohort(c / "cohort.yaml")
    members, _ = read_roster(c / "roster.csv")
    sheet = c / "attendance.csv"
    sheet.write_bytes("\ufeffID,Visioning\nEbookwright,Yes\ntmarkup,\n".encode())
    got = read_sheet(sheet, cohort, members)
    assert got.attended("ebookwright") == {"visioning": 6.0}
    assert got.attended("tmarkup") == {"visioning": 0.0}
    assert got.attended("bpagecroft") is None


def test_attendance_init_writes_a_blank_sheet_once(tmp_path):
    c = make_small(tmp_path / "cohort")
    (c / "attendance.csv").unlink()
    args = ["attendance", "init", "--cohort", str(c / "cohort.yaml"), "--roster", str(c / "roster.csv")]
    code, stdout, _ = llc(*args)
    assert code == 0 and str(c / "attendance.csv") in stdout
    rows = list(csv.reader((c / "attendance.csv").open(encoding="utf-8")))
    cohort = load_cohort(c / "cohort.yaml")
    assert rows[0] == ["id", "name", *(e.id for e in cohort.events())]
    assert [r[0] for r in rows[1:]] == SMALL_IDS
    assert rows[2][1] == MARKUP_NAME and all(cell == "" for r in rows[1:] for cell in r[2:])
    before = (c / "attendance.csv").read_bytes()
    code, _, stderr = llc(*args)
    assert code == 1 and "already exists" in stderr and (c / "attendance.csv").read_bytes() == before
    # The blank sheet is a valid sheet: everyone attended nothing yet.
    assert all(h == 0 for h in read_sheet(c / "attendance.csv", cohort, read_roster(c / "roster.csv")[0])
               .rows["tmarkup"].values())


def test_a_formula_in_a_name_is_neutralised_in_every_csv(tmp_path):
    c = make_small(tmp_path / "cohort")
    roster = c / "roster.csv"
    roster.write_text(roster.read_text(encoding="utf-8").replace("Barnaby Pagecroft", "=HYPERLINK(\"x\")"),
                      encoding="utf-8")
    cohort = load_cohort(c / "cohort.yaml")
    members, _ = read_roster(roster)
    assert "'=HYPERLINK" in blank_sheet(cohort, members).decode()
    h = hours_for(cohort, "bpagecroft", "=HYPERLINK(\"x\")", None, 0)
    assert "'=HYPERLINK" in not_qualified_csv([h]).decode("utf-8-sig")


def test_codes_are_deterministic_grouped_and_forgiving_to_type(tmp_path):
    a = verification_code("s", "C", "p", "P", "36", DATE)
    assert a == verification_code("s", "C", "p", "P", "36", DATE)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){2}", a)
    assert len({a, verification_code("t", "C", "p", "P", "36", DATE), verification_code("s", "C", "p", "P", "37", DATE),
                verification_code("s", "C", "p", "P", "36", "2026-05-20")}) == 4
    assert normalise_code(a.lower().replace("-", " ")) == a
    assert normalise_code("7KQ4-M2XD-9ITB") == "7KQ4-M2XD-91TB"  # I read as 1
    assert normalise_code("7KQ4-M2XD") == ""
