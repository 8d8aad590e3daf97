"""The participant's own workbook and letter as PDF downloads: built on request from their answers
file, the way ``llc build --answers`` and ``llc letter`` print them. The notebooks' buttons and the
app's index links both come here."""
from __future__ import annotations

from collections.abc import Callable

from ..core import cohort as cohorts
from ..core import identity
from ..core.store import AnswerStore, saved_file

WORKBOOK_FILE = "my-workbook.pdf"
LETTER_FILE = "letter-to-my-principal.pdf"
PDF = "application/pdf"
# Seconds a build takes, said before it starts: at first as measured on a 2-core machine (a
# workbook ~7.5 s in the process, ~10 s the first time through the app; a letter ~1.3 s), then
# this process's own last build.
SECONDS = {"workbook": 10.0, "letter": 2.0}


def working_line(kind: str) -> str:
    """'Building your workbook… this takes about 10 seconds.' (plain text)."""
    what = "Building your workbook" if kind == "workbook" else "Writing your letter"
    return f"{what}… this takes about {max(1, round(SECONDS[kind]))} seconds."


def _timed(kind: str, make: Callable[[], bytes]) -> bytes:
    import time

    start = time.monotonic()
    data = make()
    SECONDS[kind] = time.monotonic() - start
    return data


def workbook_file(store: AnswerStore | None = None) -> tuple[str, bytes, str]:
    """(file name, PDF, mime type): the participant's whole workbook, as ``llc build --answers``
    prints it (cover with this cohort's dates when LLC_COHORT names them, every session, charts)."""
    from ..documents.workbook import build_files

    store = store if store is not None else identity.current_store()
    answers = saved_file(store.path, "print")
    cohort, original, _problem = cohorts.dates_for_now()
    files = _timed("workbook", lambda: next(iter(build_files(
        answers, formats=("pdf",), expected_id=store.path.stem,
        cohort=None if original else cohort).values())))
    return WORKBOOK_FILE, files, PDF


def letter_file(store: AnswerStore | None = None) -> tuple[str, bytes, str]:
    """(file name, PDF, mime type): the one-page letter to the principal, as ``llc letter`` prints it."""
    from ..documents.letter import letter_pdf

    store = store if store is not None else identity.current_store()
    answers = saved_file(store.path, "print")
    return LETTER_FILE, _timed("letter", lambda: letter_pdf(answers)[0]), PDF


def pages_line(name: str, data: bytes) -> str:
    """'Downloaded my-workbook.pdf, 33 pages.' (plain text)."""
    from ..documents.pdf import page_count

    n = page_count(data)
    return f"Downloaded {name}, {n} page{'' if n == 1 else 's'}. Look for it in your browser's downloads."


# What each download button says: its label and the line under it.
FORMS = {
    "workbook": ("Download my workbook (PDF)",
                 "Your whole workbook as it stands now: a cover, every session's answers and charts. "
                 "It is built from your answers file when you press the button."),
    "letter": ("My letter to my principal (PDF)",
               "One page from your answers: what you want remembered, your growth plan, PD hours, "
               "how you track the library's value and your request. Printed when you press the button."),
}


def download_form_for(kind: str, store: AnswerStore):
    """The button that builds the participant's workbook or letter and hands it to the browser."""
    from .downloads import download_form

    label, help_text = FORMS[kind]
    make = workbook_file if kind == "workbook" else letter_file
    return download_form(label, lambda: make(store), help_text=help_text, working=working_line(kind),
                         done=pages_line)


def workbook_form(store: AnswerStore):
    return download_form_for("workbook", store)


def letter_form(store: AnswerStore):
    return download_form_for("letter", store)
