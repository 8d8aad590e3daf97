"""Who is the participant: hub login, then LLC_PARTICIPANT, then what orientation remembered."""
from __future__ import annotations

import json
import time

import ipywidgets as w
import pytest

from llc_exercises.core import identity
from llc_exercises.core.paths import ParticipantIdError
from llc_exercises.notebook import identity_form


@pytest.fixture
def clean(tmp_path, monkeypatch):
    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LLC_PARTICIPANT", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    return tmp_path


def test_nobody_yet_gets_a_clear_pointer_to_orientation(clean):
    assert identity.current_participant_id() is None
    with pytest.raises(identity.NotIdentified, match="00_orientation"):
        identity.current_store()


def test_orientation_form_asks_once_and_remembers(clean):
    form = identity_form()
    assert not form.fields["id"].disabled
    form.fields["id"].value = "mquill"
    form.fields["name"].value = "Marigold Quill"
    form.fields["school"].value = "Thistle Creek (fictional)"
    form.button.click()
    assert "Saved" in form.message.value
    assert identity.current_participant_id() == "mquill"
    doc = json.loads((clean / "answers" / "mquill.json").read_text())
    assert doc["participant"] == {"id": "mquill", "name": "Marigold Quill", "school": "Thistle Creek (fictional)"}
    again = identity_form()  # next session: filled in from what was saved
    assert again.fields["name"].value == "Marigold Quill" and "mquill" in again.status.value


def test_bad_id_in_the_form_is_explained_and_nothing_is_written(clean):
    form = identity_form()
    form.fields["id"].value = "../../etc/x"
    form.button.click()
    assert "not allowed" in form.message.value
    assert not (clean / "participant.json").exists()


def test_precedence_hub_then_env_then_remembered(clean, monkeypatch):
    identity.remember("remembered")
    assert identity.current_participant_id() == "remembered"
    monkeypatch.setenv("LLC_PARTICIPANT", "from-env")
    assert identity.current_participant_id() == "from-env"
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    assert identity.current_participant_id() == "hubuser"
    assert identity.source_of_identity() == "your JupyterHub login"
    assert identity_form().fields["id"].disabled  # the hub decides; the form cannot change it
    assert identity.current_store().path == clean / "answers" / "hubuser.json"


def test_unsafe_hub_username_is_refused(clean, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "../evil")
    with pytest.raises(ParticipantIdError, match="JUPYTERHUB_USER"):
        identity.current_participant_id()


def test_on_a_first_visit_forms_wait_for_about_you_then_appear(clean, monkeypatch):
    """Run All (or app mode) before About you: each form is a note, and becomes the form, bound to
    the new participant's file, the moment About you is saved — no re-run, no reload."""
    from llc_exercises import notebook

    shown = []
    monkeypatch.setattr(notebook, "display", lambda *objs, **_kw: shown.extend(objs))
    monkeypatch.setattr(notebook, "_WAITING", [])
    notebook.show("orientation.before_survey")
    notebook.summary("orientation")
    notebook.carry()
    waiting = list(shown)
    assert len(waiting) == 3
    for box in waiting:
        assert "About you" in box.children[0].value and "llc-ws" not in box.children[0]._dom_classes

    form = identity_form()
    form.fields["id"].value = "mquill"
    form.button.click()
    survey, summary, carry = (box.children[0] for box in waiting)
    assert "llc-ws" in survey._dom_classes  # the live form itself
    assert "llc-carry" in carry._dom_classes
    assert "questions answered" in summary.outputs[0]["data"]["text/html"]
    assert notebook._WAITING == []
    # and the form saves to the file of the participant just named
    radios = [c for c in _walk(survey) if isinstance(c, w.RadioButtons)]
    radios[0].value = radios[0].options[1][1]
    saved = clean / "answers" / "mquill.json"
    deadline = time.monotonic() + 10
    while "orientation.before_survey" not in saved.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert json.loads(saved.read_text())["answers"][f"orientation.before_survey.{_first_field()}"]["value"] == 2


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _first_field() -> str:
    from llc_exercises.core import definitions as defs

    return defs.worksheet("orientation.before_survey").fields[0].id
