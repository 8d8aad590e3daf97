"""Carry my answers (llc.carry()): Download my answers, Upload answers (checked, then merged by key,
newest answer winning), the table of what changed, Undo, and the notice where storage is temporary.

The form is driven as ipywidgets drives it: FileUpload.value set to what the browser sends, the
download widget's message handler called with the button's message. Every file is real, on disk.
One test does all of it in JupyterLab in Chromium, by keyboard.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import time

import pytest

from llc_exercises import settings
from llc_exercises.core import identity, schema
from llc_exercises.core.store import AnswerStore, backup_path
from llc_exercises.participant import carry, downloads

PID = "ann"
WHY = "visioning.core_beliefs.why"
WHAT = "visioning.core_beliefs.what_i_do"
BELIEFS = "visioning.core_beliefs.beliefs"
VISION = "visioning.mission_vision.vision"
BUDGET = "visioning.strategic_plan.budget"
HOPES = "orientation.before_survey.hopes"
OLD, MID, NEW = "2026-09-01T10:00:00.000+00:00", "2026-10-01T10:00:00.000+00:00", "2026-11-01T10:00:00.000+00:00"
TEMPORARY_VARIABLES = (settings.TEMPORARY_STORAGE.name, *(s.name for s in settings.BINDER))


def doc(answers: dict, participant: dict | None = None, **extra) -> dict:
    """An answers document; ``answers`` maps key → (value, updated)."""
    return {"schema_version": schema.SCHEMA_VERSION, "participant": participant or {"id": PID}, **extra,
            "answers": {k: {"value": v, "updated": t} for k, (v, t) in answers.items()}}


def write(store: AnswerStore, document: dict) -> bytes:
    """Put ``document`` in the store's file the way the kit writes it; returns the bytes on disk."""
    store.update({})
    store.rewrite(lambda _doc, _raw: document)
    return store.path.read_bytes()


def upload(form, data, name: str = f"{PID}.json", modified: dt.datetime | None = None) -> None:
    """What ipywidgets 8 sets when the browser has read the chosen file."""
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode("utf-8")
    form.upload.value = ({"name": name, "type": "application/json", "size": len(raw), "content": memoryview(raw),
                          "last_modified": modified or dt.datetime(2026, 8, 1, tzinfo=dt.timezone.utc)},)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("LLC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LLC_PARTICIPANT", PID)
    for var in (*TEMPORARY_VARIABLES, "JUPYTERHUB_USER"):
        monkeypatch.delenv(var, raising=False)
    return identity.current_store()


@pytest.fixture
def here(store):
    """This computer's file: two answers and a name, in programme year 2026-27."""
    write(store, doc({WHY: ("why, typed here", OLD), WHAT: ("what, typed here later", NEW),
                      VISION: ("only on this computer", OLD), BUDGET: (300, MID)},
                     {"id": PID, "name": "Ann Here", "school": ""}, program_year="2026-27"))
    return store


THERE = doc({WHY: ("why, <b>newer</b> & better", MID),   # newer than here: wins
             WHAT: ("what, typed there earlier", MID),    # older than here: the copy here stays
             BUDGET: (450, MID),                          # same time, different value: a tie keeps here
             BELIEFS: ([{"belief": "Every student reads"}, {"belief": "<i>b</i>"}, {"belief": "c"}], OLD),
             HOPES: ("to lead", OLD)},
            {"id": PID, "name": "Someone Else", "school": "Oak <Primary>", "district": "North"},
            program_year="2026-27", last_year={"year": "2025-26", "answers": {}})


# ---- merging -----------------------------------------------------------------------------------
def test_upload_merges_newest_answer_per_question_and_keeps_the_rest(here):
    form = carry.carry_form(here)
    upload(form, THERE)
    saved = json.loads(here.path.read_text(encoding="utf-8"))
    answers = saved["answers"]
    assert answers[WHY] == {"value": "why, <b>newer</b> & better", "updated": MID}  # the upload's, with its time
    assert answers[WHAT] == {"value": "what, typed here later", "updated": NEW}
    assert answers[BUDGET]["value"] == 300  # same time: this computer's answer is kept
    assert answers[VISION]["value"] == "only on this computer"
    assert answers[BELIEFS]["value"][0] == {"belief": "Every student reads"} and answers[HOPES]["value"] == "to lead"
    # details: kept here, blanks filled in from the upload
    assert saved["participant"] == {"id": PID, "name": "Ann Here", "school": "Oak <Primary>", "district": "North"}
    assert saved["program_year"] == "2026-27" and saved["last_year"]["year"] == "2025-26"  # none here: taken
    assert backup_path(here.path).exists()
    assert form.undo.layout.display is None and form.undo.description == "Undo the last upload"
    assert form.upload.value == ()  # ready for the next file


def test_the_change_table_names_each_question_and_escapes_the_answers(here):
    form = carry.carry_form(here)
    upload(form, THERE)
    page = form.result.value
    assert "llc-live" in form.result._dom_classes  # a live region: the summary is announced
    assert ('>Merged ann.json: 2 answers added, 1 answer updated; 2 answers kept as they are '
            "because the copy here was newer. Filled in from the upload: your school, district. "
            "Taken from the upload: last_year.</p>") in page
    assert "why, &lt;b&gt;newer&lt;/b&gt; &amp; better" in page and "<b>newer" not in page
    assert "why, typed here" in page  # before
    # question and worksheet, tables as a row count, absent answers said so
    assert "Why do you do it? What difference do you want the library to make?" in page
    assert '<span class="llc-carry-ws">Core-beliefs inventory</span>' in page
    assert "<td><bdi>(not answered here)</bdi></td><td><bdi>3 rows</bdi></td>" in page
    assert '<th scope="col">On this computer before</th><th scope="col">Now</th>' in page
    assert "Where I start — the series survey (before)" in page
    assert "what, typed there" not in page and "450" not in page  # kept answers are not in the table
    assert page.count("<tr>") == 1 + 3  # header + why, beliefs, hopes


def test_a_long_answer_is_shortened_in_the_table():
    assert carry.short_text(WHY, "word " * 40).endswith("…") and len(carry.short_text(WHY, "word " * 40)) == 80
    assert carry.short_text(WHY, "  ") == "(blank)" and carry.short_text(BELIEFS, [{}]) == "1 row"
    assert carry.short_text(BUDGET, 1200) == "$1,200"


def test_undo_puts_the_file_back_byte_for_byte(here):
    before = here.path.read_bytes()
    form = carry.carry_form(here)
    upload(form, THERE)
    merged = here.path.read_bytes()
    assert merged != before
    form.undo.click()
    assert here.path.read_bytes() == before
    assert backup_path(here.path).read_bytes() == merged  # the undone merge is the backup now
    assert "back exactly as it was before the upload" in form.result.value
    assert form.undo.layout.display == "none"


def test_undo_after_a_later_save_keeps_that_save(here):
    form = carry.carry_form(here)
    upload(form, THERE)
    here.set(WHY, "typed after the upload")  # e.g. in a session notebook, between merge and Undo
    form.undo.click()
    saved = json.loads(here.path.read_text(encoding="utf-8"))
    assert saved["answers"][WHY]["value"] == "typed after the upload"
    assert BELIEFS not in saved["answers"] and HOPES not in saved["answers"]  # added by the upload: gone
    assert saved["participant"] == {"id": PID, "name": "Ann Here", "school": ""}
    assert "last_year" not in saved and saved["program_year"] == "2026-27"
    assert "Kept 1 answer you saved after the upload: Why do you do it?" in form.result.value


def test_an_upload_with_nothing_newer_changes_nothing(here):
    before, bak = here.path.read_bytes(), backup_path(here.path).read_bytes()
    stat = here.path.stat()
    form = carry.carry_form(here)
    upload(form, doc({WHY: ("why, typed here", OLD), WHAT: ("older there", OLD)}))
    assert here.path.read_bytes() == before and here.path.stat().st_mtime_ns == stat.st_mtime_ns  # not rewritten
    assert backup_path(here.path).read_bytes() == bak
    assert "nothing changed" in form.result.value and "copy on this computer is newer" in form.result.value
    assert form.undo.layout.display == "none"


def test_an_upload_that_changes_nothing_leaves_the_last_one_undoable(here):
    before = here.path.read_bytes()
    form = carry.carry_form(here)
    upload(form, THERE)
    upload(form, THERE)  # the same file again: already merged
    assert "nothing changed" in form.result.value and form.undo.layout.display is None
    form.undo.click()
    assert here.path.read_bytes() == before


def test_a_first_upload_on_a_new_computer_creates_the_file(store):
    assert not store.path.exists()
    form = carry.carry_form(store)
    upload(form, THERE)
    saved = json.loads(store.path.read_text(encoding="utf-8"))
    assert saved["answers"][WHY]["value"] == "why, <b>newer</b> & better" and saved["program_year"] == "2026-27"
    assert saved["participant"]["name"] == "Someone Else"  # nothing here yet: all details from the upload
    assert "5 answers added, 0 answers updated" in form.result.value


def test_an_old_schema_1_file_is_migrated_and_merged(here):
    v1 = {"participant": {"id": PID}, "answers": {WHY: "from the old kit", VISION: "old vision"}}
    when = dt.datetime(2026, 12, 24, 9, 30, tzinfo=dt.timezone.utc)  # the browser's time for the file
    form = carry.carry_form(here)
    upload(form, v1, name="old-ann.json", modified=when)
    saved = json.loads(here.path.read_text(encoding="utf-8"))
    assert saved["schema_version"] == schema.SCHEMA_VERSION
    assert saved["answers"][WHY] == {"value": "from the old kit", "updated": "2026-12-24T09:30:00.000+00:00"}
    assert saved["answers"][VISION]["value"] == "old vision"
    assert "Merged old-ann.json: 0 answers added, 2 answers updated" in form.result.value


# ---- refusals: each says why and what to do, and the file stays exactly as it was --------------------
def _many_problems() -> dict:
    bad = doc({WHY: (42, NEW), BUDGET: ("lots", NEW), "visioning.nope.x": ("?", NEW)})
    bad["answers"][VISION] = {"value": ["not", "text"], "updated": NEW}
    return bad


REFUSALS = {
    "not JSON": (b"{this is not json", ["ann.json is not an answers file: it is not valid JSON",
                                        "Upload the file that Download my answers saved"]),
    "not UTF-8": (b"\xff\xfe{\x00}\x00", ["not text (UTF-8)"]),
    "empty": (b"  \n", ["ann.json is empty"]),
    "not an answers document": (b"[1, 2]", ["JSON but not a Leading Edge answers file"]),
    "another participant": (doc({WHY: ("ben's", NEW)}, {"id": "ben"}),
                            ["participant 'ben'", "you are 'ann' here", "Upload your own answers file (ann.json)"]),
    "newer schema": ({**doc({WHY: ("from the future", NEW)}), "schema_version": 3},
                     ["newer version of the kit (schema_version 3; this kit reads up to 2)", "Update the kit"]),
    "schema problems": (_many_problems(), ["does not fit this kit's questions (4 problems:", "and 1 more",
                                           "visioning.nope.x", "upload an unchanged copy"]),
    "a later programme year": (doc({WHY: ("next year", NEW)}, program_year="2027-28"),
                               ["programme year 2027-28", "on this computer are for 2026-27",
                                "llc new-year --year 2027-28"]),
    "an earlier programme year": (doc({WHY: ("last year", NEW)}, program_year="2025-26"),
                                  ["programme year 2025-26", "already moved on to 2026-27", "`llc new-year`"]),
    "too large": (b'{"answers": {}, "x": "' + b"x" * carry.MAX_UPLOAD_BYTES + b'"}', ["too large", "5 MB"]),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_bad_upload_is_refused_and_nothing_changes(here, case):
    data, words = REFUSALS[case]
    upload(carry.carry_form(here), THERE)  # an earlier good upload: a backup exists, Undo is offered
    before, bak = here.path.read_bytes(), backup_path(here.path).read_bytes()
    form = carry.carry_form(here)
    upload(form, data)
    message = form.result.value
    assert message.startswith('<p class="llc-carry-error" role="alert">Not merged. ')
    for w in words:
        assert html.escape(w) in message, (w, message)
    assert "Nothing was changed." in message
    assert here.path.read_bytes() == before and backup_path(here.path).read_bytes() == bak
    assert form.undo.layout.display is None  # the earlier upload (made before this form) is still undoable


def test_a_refused_upload_on_a_new_computer_creates_no_file(store):
    form = carry.carry_form(store)
    upload(form, doc({WHY: ("ben's", NEW)}, {"id": "ben"}))
    assert html.escape("participant 'ben'") in form.result.value and not store.path.exists()


def test_a_refusal_keeps_the_previous_upload_undoable(here):
    before = here.path.read_bytes()
    form = carry.carry_form(here)
    upload(form, THERE)
    upload(form, b"nope")
    assert "Not merged" in form.result.value and form.undo.layout.display is None
    form.undo.click()
    assert here.path.read_bytes() == before


def test_a_damaged_file_here_is_named_and_left_alone(here):
    here.path.write_bytes(b"{damaged")
    form = carry.carry_form(here)
    upload(form, THERE)
    assert "damaged" in form.result.value and "llc restore" in form.result.value
    assert here.path.read_bytes() == b"{damaged"


# ---- download -------------------------------------------------------------------------------------
def sent_by(form, monkeypatch) -> list:
    sent: list = []
    monkeypatch.setattr(form.download, "send", lambda content, buffers=None: sent.append((content, buffers)))
    return sent


def press(form):
    """A click on Download my answers; the file is read on a thread, as the kernel does it."""
    thread = form.download.handle_message(form.download, {"request": "download"}, [])
    if thread is not None:
        thread.join(10)
    return thread


def test_download_sends_the_file_as_it_is_on_disk_at_the_click(here, monkeypatch):
    form = carry.carry_form(here)
    sent = sent_by(form, monkeypatch)
    press(form)
    assert sent[-1][1] == [here.path.read_bytes()]
    here.set(WHY, "saved after the form was shown")
    press(form)
    data = sent[-1][1][0]
    assert data == here.path.read_bytes() and b"saved after the form was shown" in data  # not a stale copy
    assert sent[-1] == ({"reply": "download", "filename": "ann.json", "mime": "application/json"}, [data])
    assert "Downloading ann.json: 4 answers" in form.download_status.value
    assert "llc-live" in form.download_status._dom_classes
    assert form.download.handle_message(form.download, {"request": "other"}, []) is None and len(sent) == 2


def test_download_with_nothing_saved_says_so(store, monkeypatch):
    form = carry.carry_form(store)
    sent = sent_by(form, monkeypatch)
    press(form)
    assert not sent and "not saved any answers on this computer yet" in form.download_status.value


def test_download_of_a_damaged_file_says_how_to_restore(here, monkeypatch):
    form = carry.carry_form(here)
    sent = sent_by(form, monkeypatch)
    here.path.write_bytes(b"{damaged")
    press(form)
    assert not sent and 'role="alert"' in form.download_status.value and "llc restore" in form.download_status.value


def test_the_download_button_is_a_labelled_button():
    assert carry.DownloadButton.description.default_value == "Download my answers"
    assert isinstance(carry.DownloadButton(AnswerStore("x.json"), carry.w.HTML()), downloads.DownloadButton)
    script = str(downloads.DownloadButton._esm)  # static/download.js, read by anywidget
    assert 'createElement("button")' in script and 'button.type = "button"' in script


@pytest.mark.parametrize("variable, value, shown", [
    ("BINDER_LAUNCH_HOST", "https://mybinder.org/", True),
    ("BINDER_REPO_URL", "https://github.com/a/b", True),
    ("LLC_TEMPORARY_STORAGE", "1", True),
    ("LLC_TEMPORARY_STORAGE", "0", False),
    (None, None, False),
])
def test_temporary_storage_notice(store, monkeypatch, variable, value, shown):
    if variable:
        monkeypatch.setenv(variable, value)
    form = carry.carry_form(store)
    assert ("temporary" in form.notice.value.lower()) is shown
    if shown:  # above the download button, and says what to do
        assert form.children.index(form.notice) < form.children.index(form.download)
        assert "Download my answers" in form.notice.value and "Upload answers" in form.notice.value


def test_llc_carry_shows_the_form_for_the_current_participant(store, monkeypatch):
    from llc_exercises import notebook

    shown = []
    monkeypatch.setattr(notebook, "display", shown.append)
    notebook.carry()
    (form,) = shown
    assert form.download.store.path == store.path and form.upload.description == "Upload answers"
    assert form.upload.accept == ".json" and not form.upload.multiple


# ---- in a real browser ----------------------------------------------------------------------------
def test_download_upload_and_undo_by_keyboard_in_jupyterlab(tmp_path):
    from labtools import answers_file, chromium, open_in_lab, running_lab

    pid = "browser-test"
    path = answers_file(tmp_path, pid)
    store = AnswerStore(path, participant={"id": pid})
    store.set(WHY, "typed on this computer")
    before = path.read_bytes()
    later = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat(timespec="milliseconds")
    other = tmp_path / "from-the-laptop.json"
    other.write_text(json.dumps(doc({WHY: ("typed on the <laptop> & newer", later)}, {"id": pid})), encoding="utf-8")

    with running_lab(tmp_path, pid) as url, chromium() as browser:
        page = browser.new_page(accept_downloads=True, viewport={"width": 1280, "height": 900})
        # a listener from the start turns on Chromium's file-chooser interception before the first
        # press; set up only inside expect_file_chooser, it can miss the first chooser opened
        page.on("filechooser", lambda _chooser: None)
        open_in_lab(page, url, "00_orientation.ipynb")
        download = page.get_by_role("button", name="Download my answers")
        download.wait_for(timeout=60_000)
        download.focus()
        with page.expect_download() as got:
            page.keyboard.press("Enter")
        assert got.value.suggested_filename == f"{pid}.json"
        assert got.value.path().read_bytes() == path.read_bytes() == before

        # ipywidgets' upload button opens a file input it keeps out of the page: take the chooser
        choose = page.get_by_role("button", name="Upload answers")
        choose.focus()
        with page.expect_file_chooser() as chooser:
            page.keyboard.press("Enter")
        chooser.value.set_files(str(other))
        table = page.locator("table.llc-carry-table")
        table.wait_for(timeout=30_000)
        assert "typed on the <laptop> & newer" in table.inner_text() and "typed on this computer" in table.inner_text()
        assert page.get_by_role("status").filter(has_text="1 answer updated").count() == 1
        assert json.loads(path.read_text(encoding="utf-8"))["answers"][WHY]["value"] == "typed on the <laptop> & newer"

        page.get_by_role("button", name="Undo the last upload").focus()
        page.keyboard.press("Enter")
        deadline = time.monotonic() + 15
        while path.read_bytes() != before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert path.read_bytes() == before
        page.get_by_text("back exactly as it was before the upload").wait_for(timeout=15_000)
