"""One-line calls for notebooks: the session notebooks and the workbook template use only these."""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from IPython.display import display

from . import cohort as cohorts
from . import definitions as defs
from . import identity, render
from .store import AnswerStore, read_document, saved_file

# Forms asked for before the kit knew who the participant is (a first visit: Run All, or app
# mode, which runs every cell as the page opens). Each shows a note and becomes its form as soon
# as "About you" is saved in the same notebook, so nobody has to re-run or reload.
_WAITING: list[Callable[[AnswerStore], None]] = []
ORIENTATION = "00_orientation.ipynb"  # beside every session notebook: a relative link works in Voila and Lab
# The first note on a page in full; the later ones (up to seven more) short, with the same link.
NOT_YET = (f'This part appears here as soon as you save <a href="{ORIENTATION}">About you</a> in Orientation. '
           "Saved it in another notebook or tab? Run this notebook again (in app mode: reload the page).")
NOT_YET_AGAIN = f'This part too appears here as soon as you save <a href="{ORIENTATION}">About you</a>.'


def waiting_note(first: bool) -> str:
    """The placeholder's HTML: in full for the first on a page, short for the rest."""
    return f'<p class="llc-waiting">{NOT_YET if first else NOT_YET_AGAIN}</p>'


def _for_participant(make: Callable[[AnswerStore], Any]) -> None:
    """Display ``make(store)`` for the current participant, or a note that turns into it once known."""
    if identity.current_participant_id():
        display(make(identity.current_store()))
        return
    import ipywidgets as w

    box = w.VBox([w.HTML(waiting_note(first=not _WAITING))])
    _WAITING.append(lambda store: setattr(box, "children", (make(store),)))
    display(box)


def _identified(store: AnswerStore) -> None:
    while _WAITING:
        _WAITING.pop(0)(store)


def show(key: str) -> None:
    """Show worksheet ``session.worksheet`` as a live form bound to your answers file."""
    from .widgets import WorksheetView  # ipywidgets only where forms are shown

    ws = defs.worksheet(key)  # a typo fails now, not once the participant is known
    _for_participant(lambda store: WorksheetView(ws, store).widget)


def summary(session_id: str, answers: AnswerStore | None = None) -> None:
    """'My answers': a static copy of a session's answers that survives Save and Export."""
    s = defs.session(session_id)
    if answers is None and not identity.current_participant_id():
        _for_participant(lambda store: _static_widget(_summary(s, store)))
        return
    display(_summary(s, answers if answers is not None else identity.current_store()))


def _summary(s: defs.Session, answers) -> render.Static:
    return render.Static(render.session_html(s, answers), render.session_markdown(s, answers))


def _static_widget(static: render.Static):
    """A static render shown where a widget must stand (a note's place, after About you)."""
    import ipywidgets as w

    out = w.Output()
    out.append_display_data(static)
    return out


def overview() -> None:
    """The series at a glance, with your progress in each session."""
    answers = identity.current_store() if identity.current_participant_id() else {}
    cohort, original, _problem = cohort_dates()  # a problem is shown by schedule(), once
    display(render.overview(defs.sessions(), answers, None if original else cohort))


def cohort_dates() -> tuple[cohorts.Cohort, bool, str]:
    """(cohort, original, problem): this cohort's dates from LLC_COHORT, or the original series
    dates (``original``) when none is set — or when it cannot be read, with the reason as
    ``problem``: a notebook shows that message rather than a traceback."""
    try:
        current = cohorts.current_cohort()
    except cohorts.CohortError as exc:
        return cohorts.seed_cohort(), True, str(exc)
    return (current, False, "") if current is not None else (cohorts.seed_cohort(), True, "")


def schedule_static() -> render.Static:
    """What ``schedule()`` shows, for exports and tests."""
    return render.schedule(*cohort_dates())


def schedule() -> None:
    """Orientation: the dates of this cohort's sessions and meetings (or the original series dates)."""
    display(schedule_static())


def whoami() -> None:
    """Orientation: show who the kit thinks you are and where answers go; let you set your details."""
    display(identity_form())


def identity_form():
    """The 'About you' form: id and details, saved once and remembered on this computer."""
    import ipywidgets as w

    from . import a11y
    from .paths import ParticipantIdError, answers_path, data_dir

    pid = identity.current_participant_id()
    store = AnswerStore(answers_path(pid)) if pid else None
    # `is not None`: a store is a Mapping, falsy until it holds an answer
    known = store.participant if store is not None and store.path.exists() else {}
    # A hub login or LLC_PARTICIPANT decides the id; only a remembered id may be changed here.
    fixed = identity.identity_from_environment()
    style = {"description_width": "initial"}
    fields = {
        "id": w.Text(value=pid or "", description="Participant id (letters, digits, . _ - only)",
                     style=style, disabled=fixed),
        "name": w.Text(value=known.get("name", ""), description="Your name", style=style),
        "school": w.Text(value=known.get("school", ""), description="School", style=style),
        "district": w.Text(value=known.get("district", ""), description="District", style=style),
        "cohort": w.Text(value=known.get("cohort", ""), description="Cohort", style=style),
    }
    button = w.Button(description="Save my details", button_style="primary", icon="check")
    message = w.HTML()
    message.add_class("llc-live")  # "Saved." and a refused id are announced

    def describe(current: str | None) -> str:
        if not current:
            return ("<b>The kit does not know who you are yet.</b> Fill in the boxes and press "
                    "<i>Save my details</i>; you will only be asked once.")
        return (f"You are <b>{html.escape(current)}</b> (from {html.escape(identity.source_of_identity())}). "
                f"Your answers are saved in <code>{html.escape(str(answers_path(current)))}</code>, "
                f"outside the notebooks, in the folder <code>{html.escape(str(data_dir()))}</code>.")

    status = w.HTML(describe(pid))

    def save(_b):
        try:
            new = identity.remember(fields["id"].value, **{k: f.value.strip() for k, f in fields.items()
                                                           if k != "id"})
        except ParticipantIdError as exc:
            message.value = f'<span style="color:#a4161a" role="alert">{html.escape(str(exc))}</span>'
            return
        status.value = describe(new.participant["id"])
        message.value = "Saved."
        _identified(new)

    button.on_click(save)
    for f in fields.values():
        f.layout.width = "32rem"
    form = a11y.form(w.VBox([status, *fields.values(), button, message]))
    form.fields, form.button, form.message, form.status = fields, button, message, status
    return form


def submit() -> None:
    """'Send my answers to my facilitator' on a hub; elsewhere, a download of the answers file."""
    from .submit import submit_form

    _for_participant(submit_form)


def carry() -> None:
    """'Carry my answers': Download my answers, Upload answers (checked, then merged), Undo."""
    from .carry import carry_form  # anywidget only where the form is shown

    _for_participant(carry_form)


# ---- the workbook and the letter, as downloads -------------------------------------------------
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
    from .workbook import build_files

    store = store if store is not None else identity.current_store()
    answers = saved_file(store.path, "print")
    cohort, original, _problem = cohort_dates()
    files = _timed("workbook", lambda: next(iter(build_files(
        answers, formats=("pdf",), expected_id=store.path.stem,
        cohort=None if original else cohort).values())))
    return WORKBOOK_FILE, files, PDF


def letter_file(store: AnswerStore | None = None) -> tuple[str, bytes, str]:
    """(file name, PDF, mime type): the one-page letter to the principal, as ``llc letter`` prints it."""
    from .letter import letter_pdf

    store = store if store is not None else identity.current_store()
    answers = saved_file(store.path, "print")
    return LETTER_FILE, _timed("letter", lambda: letter_pdf(answers)[0]), PDF


def pages_line(name: str, data: bytes) -> str:
    """'Downloaded my-workbook.pdf, 33 pages.' (plain text)."""
    from .pdf import page_count

    n = page_count(data)
    return f"Downloaded {name}, {n} page{'' if n == 1 else 's'}. Look for it in your browser's downloads."


def workbook_form(store: AnswerStore):
    from .downloads import download_form

    return download_form(
        "Download my workbook (PDF)", lambda: workbook_file(store),
        help_text="Your whole workbook as it stands now: a cover, every session's answers and charts. "
                  "It is built from your answers file when you press the button.",
        working=working_line("workbook"), done=pages_line)


def letter_form(store: AnswerStore):
    from .downloads import download_form

    return download_form(
        "My letter to my principal (PDF)", lambda: letter_file(store),
        help_text="One page from your answers: what you want remembered, your growth plan, PD hours, "
                  "how you track the library's value and your request. Printed when you press the button.",
        working=working_line("letter"), done=pages_line)


def workbook() -> None:
    """'Download my workbook (PDF)': the whole workbook, built now, saved by the browser."""
    _for_participant(workbook_form)


def letter() -> None:
    """Opportunity: 'My letter to my principal (PDF)', printed now, saved by the browser."""
    _for_participant(letter_form)


# ---- the workbook template ---------------------------------------------------------------------
def load_answers(path: str | Path) -> AnswerStore:
    """Open an answers file for reading; a missing or damaged file raises a clear error at once."""
    read_document(Path(path))
    return AnswerStore(path)


def workbook_cover(answers: AnswerStore, generated_on: str = "", details: dict | None = None,
                   cohort_name: str = "", cohort_schedule: list | None = None) -> None:
    on = dt.date.fromisoformat(generated_on) if generated_on else dt.date.today()
    progress = [(s, render.progress(s, answers)) for s in defs.sessions()]
    participant = {**(details or {}), **{k: v for k, v in answers.participant.items() if v}}
    who = participant.get("name") or participant.get("id", "")
    schedule = cohort_schedule or []
    markdown = f"# On the Leading Edge — {render.md_escape(who)}"
    if schedule:
        markdown += f"\n\n## Cohort dates — {render.md_escape(cohort_name)}\n\n{render.schedule_markdown(schedule)}"
    display(render.Static(render.cover_html(participant, on, progress, cohort_name, schedule), markdown))


def workbook_sessions(answers: AnswerStore) -> None:
    for s in defs.sessions():
        summary(s.id, answers)


def workbook_year_over_year(answers: AnswerStore) -> None:
    """'This year beside last year' (self-assessment levels, PD hours) after `llc new-year`; nothing
    for a file without a last year."""
    section = render.year_over_year(answers, answers.document_extra("last_year"),
                                    answers.document_extra("program_year"))
    if section is not None:
        display(section)


# ---- worked examples on the fictional sample data ----------------------------------------------
def practice_indicators() -> None:
    """Influence: impact indicators computed with pandas from the sample library data."""
    from . import practice

    display(*practice.indicators())


def practice_outreach() -> None:
    """Promotion: the sample outreach log over time, to start from before logging your own."""
    from . import practice

    display(*practice.outreach())


def practice_survey() -> None:
    """Relationships: what the sample stakeholder survey says, by role."""
    from . import practice

    display(*practice.survey())
