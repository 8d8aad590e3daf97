"""Certificates of completion for everyone whose hours meet the cohort's requirement, each with a
verification code (HMAC-SHA256 keyed by the cohort's ``certificate_secret`` over the printed facts,
12 Crockford base-32 characters), a register of codes and a list of who has not qualified yet and
why; all files are written or none."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from pathlib import Path

from ..core.attendance import Hours, Sheet, cohort_hours, fmt_hours, how_to_make, read_sheet, short_title
from ..core.cohort import Cohort, load_cohort
from ..core.files import SHARED, write_all
from ..core.roster import csv_safe, read_roster
from ..documents import pages
from ..documents.pdf import open_printer
from ..documents.render import ISOLATE
from ..errors import LeadingEdgeError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O or U
CODE_CHARS = 12  # 60 bits of the HMAC: 4-4-4, like 7KQ4-M2XD-91TB
REGISTER = "certificates.csv"
NOT_QUALIFIED = "not-yet-qualified.csv"
REGISTER_COLUMNS = ("code", "id", "name", "cohort", "hours", "sessions_attended", "meetings_attended", "date")
NOT_QUALIFIED_COLUMNS = ("id", "name", "session_hours", "meeting_hours", "pd_hours_counted", "total_hours",
                         "required_hours", "reason")


class CertificateError(LeadingEdgeError, ValueError):
    """Certificates cannot be issued or a code cannot be verified; the message says why and what to do."""


# ---- verification codes --------------------------------------------------------------------------
def verification_code(secret: str, cohort_name: str, pid: str, name: str, hours: str, date: str) -> str:
    """The code printed on a certificate: HMAC-SHA256 over its facts, 60 bits in Crockford base 32."""
    facts = json.dumps([cohort_name, pid, name, hours, date], ensure_ascii=False).encode("utf-8")
    digest = hmac.new(secret.encode("utf-8"), facts, hashlib.sha256).digest()
    bits = int.from_bytes(digest[:8], "big") >> (64 - 5 * CODE_CHARS)
    chars = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(CODE_CHARS)))
    return "-".join(chars[i:i + 4] for i in range(0, CODE_CHARS, 4))


def normalise_code(text: str) -> str:
    """A code as typed ('7kq4 m2xd 91tb', with O for 0 or l for 1) → '7KQ4-M2XD-91TB'; '' if malformed."""
    chars = "".join(text.split()).replace("-", "").upper().translate(str.maketrans("OIL", "011"))
    if len(chars) != CODE_CHARS or any(c not in ALPHABET for c in chars):
        return ""
    return "-".join(chars[i:i + 4] for i in range(0, CODE_CHARS, 4))


def _uncsv(text: str) -> str:
    """Undo ``csv_safe``: the register's names are guarded against spreadsheet formulas."""
    return text[1:] if text[:1] == "'" and csv_safe(text[1:]) != text[1:] else text


def verify(code: str, register: Path | str, cohort: Cohort | None = None) -> dict[str, str]:
    """The register's row for ``code``, or CertificateError. With ``cohort`` (its secret), the row's
    facts must also produce the code, so an edited register does not pass either."""
    register = Path(register).expanduser()
    wanted = normalise_code(code)
    if not wanted:
        raise CertificateError(f"{code!r} is not a verification code: it has {CODE_CHARS} letters and digits, "
                               "grouped like 7KQ4-M2XD-91TB.")
    try:
        text = register.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CertificateError(f"Certificate register {register} not found; it is the {REGISTER} written "
                               "beside the certificates by `llc certificates`.") from None
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    row = next((r for r in rows if normalise_code(r.get("code") or "") == wanted), None)
    if row is None:
        raise CertificateError(f"Code {wanted} is not in {register}: no certificate with that code was issued "
                               "from this register. Check each character against the certificate.")
    row = {k: _uncsv(v or "") for k, v in row.items() if k}
    if cohort is not None:
        if not cohort.certificate_secret:
            raise CertificateError(f"{cohort.source}: no certificate_secret, so codes cannot be checked.")
        expected = verification_code(cohort.certificate_secret, row.get("cohort", ""), row.get("id", ""),
                                     row.get("name", ""), row.get("hours", ""), row.get("date", ""))
        if expected != wanted:
            raise CertificateError(f"Code {wanted} is in {register}, but the facts beside it (name, hours, date "
                                   f"or cohort) do not match it under {cohort.source}'s secret: the register "
                                   "row was changed after issue, or it comes from another cohort.")
    return row


# ---- the page (certificate.html.j2, static/certificate.css) ------------------------------------------

def name_size(name: str) -> str:
    """Font size for the name: large, but a long name still fits on two lines."""
    n = len(name)
    return "40pt" if n <= 26 else "32pt" if n <= 40 else "25pt" if n <= 64 else "20pt" if n <= 96 else "15pt"


def offered_phrase(offered: str) -> str:
    """'Continuing professional education (CPE) hours' → 'continuing professional education (CPE) hours',
    to follow a number; an acronym at the start ('PD credits') keeps its capitals."""
    if len(offered) > 1 and offered[0].isupper() and not offered[1].isupper():
        return offered[0].lower() + offered[1:]
    return offered


def fmt_day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def sessions_text(h: Hours) -> str:
    """'Visioning · Coaching (3 of 6 hours)' — short titles, partial attendance with its hours."""
    return " · ".join(short_title(e) + (f" ({fmt_hours(got)} of {fmt_hours(e.hours)} hours)"
                                        if got < e.hours - 1e-9 else "")
                      for e, got in h.attended if e.kind == "session")


def meetings_text(cohort: Cohort, h: Hours) -> str:
    return f"{len(h.meetings)} of {len(cohort.meetings)}"


def certificate_html(cohort: Cohort, h: Hours, on: dt.date, code: str) -> str:
    """One certificate as a standalone landscape page (``certificate.html.j2``, which escapes every
    piece of text); names are bidi isolates, so right-to-left text cannot reorder what is around it."""
    details = []
    if h.sessions:
        details.append(("Sessions attended", sessions_text(h)))
    if cohort.meetings:
        details.append(("Cohort meetings", meetings_text(cohort, h)))
    if h.pd_hours_counted > 0:
        details.append(("Own professional development (PD log)", f"{fmt_hours(h.pd_hours_counted)} hours"))
    return pages.render(
        "certificate.html.j2", title=f"Certificate: {h.name}", organiser=cohort.organiser or "",
        name=ISOLATE.format(h.name), name_size=name_size(h.name), series=cohort.series,
        cohort=ISOLATE.format(cohort.name), award=f"{fmt_hours(h.total)} {offered_phrase(cohort.credit.offered)}",
        details=details, signatures=[(ISOLATE.format(f.name), f.role or "Facilitator") for f in cohort.facilitators],
        issued=fmt_day(on), code=code)


# ---- the registers -------------------------------------------------------------------------------
def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([[csv_safe(c) for c in r] for r in rows])
    return buf.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the names as UTF-8


def register_csv(cohort: Cohort, issued: list[tuple[Hours, str]], on: dt.date) -> bytes:
    return _csv([list(REGISTER_COLUMNS)] + [
        [code, h.id, h.name, cohort.name, fmt_hours(h.total), "; ".join(short_title(e) for e in h.sessions),
         meetings_text(cohort, h), on.isoformat()] for h, code in issued])


def not_qualified_csv(rows: list[Hours]) -> bytes:
    return _csv([list(NOT_QUALIFIED_COLUMNS)] + [
        [h.id, h.name, fmt_hours(h.session_hours), fmt_hours(h.meeting_hours), fmt_hours(h.pd_hours_counted),
         fmt_hours(h.total), fmt_hours(h.required), h.reason] for h in rows])


# ---- issuing -------------------------------------------------------------------------------------
@dataclass
class Issued:
    out: Path
    certificates: list[tuple[Hours, str]]  # (hours, verification code)
    not_qualified: list[Hours]
    removed: list[str]  # certificates from an earlier run for people who no longer qualify

    def summary(self) -> str:
        n = len(self.certificates)
        text = f"{n} certificate{'' if n == 1 else 's'} written to {self.out}/; "
        text += (f"{len(self.not_qualified)} not yet qualified (see {self.out / NOT_QUALIFIED})"
                 if self.not_qualified else "everyone on the roster qualified")
        if self.removed:
            text += (f"; removed {len(self.removed)} certificate(s) from an earlier run that no longer "
                     f"qualify: {', '.join(self.removed)}")
        return text


def _secret(cohort: Cohort) -> str:
    if not cohort.certificate_secret:
        raise CertificateError(
            f"{cohort.source}: no certificate_secret, which makes the verification codes unguessable. Add a line "
            "`certificate_secret: <long random text>` (for example the output of `python -c \"import secrets; "
            "print(secrets.token_hex(16))\"`; `llc cohort init` writes one), keep it private, and do not change "
            "it once certificates are issued.")
    return cohort.certificate_secret


def issue(cohort: Cohort | Path | str, roster: Path | str, answers_dir: Path | str, out: Path | str,
          attendance: Path | str | None = None, on: dt.date | None = None, engine: str = "auto") -> Issued:
    """Check everything, print a certificate for each qualified roster member and write both registers
    into ``out``. Raises a LeadingEdgeError (naming file and line) before anything is written."""
    cohort = cohort if isinstance(cohort, Cohort) else load_cohort(cohort)
    secret = _secret(cohort)
    roster, answers_dir, out = Path(roster).expanduser(), Path(answers_dir).expanduser(), Path(out).expanduser()
    on = on or dt.date.today()
    members, problems = read_roster(roster)
    if problems:
        raise CertificateError("The roster has problems; fix them first so nobody is left out:\n  "
                               + "\n  ".join(problems))
    if not members:
        raise CertificateError(f"Roster {roster} lists nobody; add one row per participant.")
    sheet_path = Path(attendance).expanduser() if attendance else cohort.attendance
    if sheet_path is None:
        raise CertificateError(f"{cohort.source} names no attendance sheet; add `attendance: attendance.csv` "
                               f"to it or pass --attendance FILE ({how_to_make(cohort, roster)}).")
    if not answers_dir.is_dir():
        raise CertificateError(f"Answers folder {answers_dir} not found; pass --answers-dir with the folder of "
                               "<id>.json answers files.")
    if out.exists() and not out.is_dir():
        raise CertificateError(f"{out} is a file; --out needs a folder.")
    sheet: Sheet = read_sheet(sheet_path, cohort, members, roster)
    everyone = cohort_hours(cohort, members, sheet, answers_dir)
    qualified = [h for h in everyone if h.qualified]
    issued = [(h, verification_code(secret, cohort.name, h.id, h.name, fmt_hours(h.total), on.isoformat()))
              for h in qualified]

    files: dict[Path, bytes] = {}
    if issued:
        with open_printer(engine) as printer:  # one browser for every certificate
            for h, code in issued:
                files[out / f"certificate-{h.id}.pdf"] = printer.pdf(certificate_html(cohort, h, on, code))
    files[out / REGISTER] = register_csv(cohort, issued, on)
    files[out / NOT_QUALIFIED] = not_qualified_csv([h for h in everyone if not h.qualified])
    out.mkdir(parents=True, exist_ok=True)
    write_all(files, access=SHARED)  # handed out; names and hours, no answers
    # certificates of an earlier run that this one did not issue would not be in the register
    removed = sorted(p.name for p in out.glob("certificate-*.pdf") if p not in files)
    for name in removed:
        (out / name).unlink()
    return Issued(out, issued, [h for h in everyone if not h.qualified], removed)
