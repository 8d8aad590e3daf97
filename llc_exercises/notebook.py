"""One-line calls for notebooks: the session notebooks and the workbook template use only these."""
from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from IPython.display import display

from .core import cohort as cohorts
from .core import definitions as defs
from .core import identity
from .core.store import AnswerStore, read_document
from .documents import render
from .participant import my_files

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
    from .participant.widgets import WorksheetView  # ipywidgets only where forms are shown

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
    cohort, original, _problem = cohorts.dates_for_now()  # a problem is shown by schedule(), once
    display(render.overview(defs.sessions(), answers, None if original else cohort))


def schedule_static() -> render.Static:
    """What ``schedule()`` shows, for exports and tests."""
    return render.schedule(*cohorts.dates_for_now())


def schedule() -> None:
    """Orientation: the dates of this cohort's sessions and meetings (or the original series dates)."""
    display(schedule_static())


def whoami() -> None:
    """Orientation: show who the kit thinks you are and where answers go; let you set your details."""
    display(identity_form())


def identity_form():
    """The 'About you' form: id and details, saved once and remembered on this computer."""
    import ipywidgets as w

    from .core.paths import ParticipantIdError, answers_path, data_dir
    from .participant import a11y

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
    from .participant.submit import submit_form

    _for_participant(submit_form)


def feedback() -> None:
    """All the feedback your facilitator and team leader wrote to you, newest first, each naming its
    worksheet, with "Mark as read"; off a hub, a line saying where it will appear."""
    from .participant import a11y
    from .participant import feedback as fb

    box = fb.box_for(None)
    if box is None:
        display(render.Static(
            '<p class="llc-help">Feedback from your facilitator appears here when you work on the '
            "cohort's JupyterHub: everything they write about your worksheets, newest first.</p>",
            "Feedback from your facilitator appears here when you work on the cohort's JupyterHub."))
        return
    import ipywidgets as w

    display(a11y.form(w.VBox([box.widget])))  # its own box: a redraw replaces the feedback box's children


def carry() -> None:
    """'Carry my answers': Download my answers, Upload answers (checked, then merged), Undo."""
    from .participant.carry import carry_form  # anywidget only where the form is shown

    _for_participant(carry_form)


def workbook() -> None:
    """'Download my workbook (PDF)': the whole workbook, built now, saved by the browser."""
    _for_participant(my_files.workbook_form)


def letter() -> None:
    """Opportunity: 'My letter to my principal (PDF)', printed now, saved by the browser."""
    _for_participant(my_files.letter_form)


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


def workbook_sessions(answers: AnswerStore, feedback: dict | None = None) -> None:
    """Every session's answers; ``feedback`` (from a hub export) under the worksheets it is about."""
    for s in defs.sessions():
        if feedback:
            display(render.Static(render.session_html(s, answers, feedback=feedback),
                                  render.session_markdown(s, answers, feedback)))
        else:
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
    from .participant import practice

    display(*practice.indicators())


def practice_outreach() -> None:
    """Promotion: the sample outreach log over time, to start from before logging your own."""
    from .participant import practice

    display(*practice.outreach())


def practice_survey() -> None:
    """Relationships: what the sample stakeholder survey says, by role."""
    from .participant import practice

    display(*practice.survey())
