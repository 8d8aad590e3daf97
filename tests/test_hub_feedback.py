"""Feedback kept by the hub service (``hub.feedback``): what a body must hold, and rows on a real
SQLite file that survive the service closing and opening it again."""
from __future__ import annotations

import json
import stat

import pytest

from llc_exercises.hub.feedback import MAX_CHARS, FeedbackDB, FeedbackRejected, check_feedback

HOSTILE = "</main><script>alert(1)</script> & <b>bold</b>"


def body(**doc) -> bytes:
    return json.dumps(doc).encode("utf-8")


def test_a_good_body_gives_the_worksheet_and_the_text_as_written():
    assert check_feedback(body(worksheet="visioning.core_beliefs", text=HOSTILE)) == (
        "visioning.core_beliefs", HOSTILE)


@pytest.mark.parametrize(("raw", "status", "words"), [
    (b"not json", 400, "not JSON"),
    (b"\xff\xfe", 400, "not JSON"),
    (b"[1, 2]", 400, "must be a JSON object"),
    (body(text="hi"), 400, "'worksheet' is missing"),
    (body(worksheet="visioning.no_such", text="hi"), 400, "'visioning.no_such' is not a worksheet"),
    (body(worksheet="nowhere.core_beliefs", text="hi"), 400, "'nowhere.core_beliefs' is not a worksheet"),
    (body(worksheet="visioning.core_beliefs", text="   "), 400, "'text' is empty"),
    (body(worksheet="visioning.core_beliefs", text=7), 400, "'text' is empty"),
    (body(worksheet="visioning.core_beliefs", text="x" * (MAX_CHARS + 1)), 413, "20,001 characters"),
])
def test_a_bad_body_is_refused_naming_the_field(raw, status, words):
    with pytest.raises(FeedbackRejected) as caught:
        check_feedback(raw)
    assert caught.value.status == status and words in str(caught.value), str(caught.value)


def test_exactly_the_limit_is_accepted():
    assert check_feedback(body(worksheet="visioning.core_beliefs", text="x" * MAX_CHARS))[1] == "x" * MAX_CHARS


def test_rows_are_kept_newest_first_and_only_the_participant_marks_theirs_read(tmp_path):
    path = tmp_path / "service" / "submissions.sqlite"
    db = FeedbackDB(path)
    first = db.add("ann", "visioning.core_beliefs", "faca", HOSTILE)
    second = db.add("ann", "coaching.grow", "lead", "Good GROW plan.")
    db.add("bob", "visioning.core_beliefs", "faca", "Hello Bob")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [f.id for f in db.for_user("ann")] == [second.id, first.id]
    assert db.unread_counts() == {"ann": 2, "bob": 1}
    assert db.mark_read("bob", first.id) is None  # not Bob's: nothing changes
    marked = db.mark_read("ann", first.id)
    assert marked is not None and marked.read is not None
    assert db.mark_read("ann", first.id).read == marked.read  # the first time counts
    db.close()
    again = FeedbackDB(path)  # after a restart of the service
    items = {f.id: f for f in again.for_user("ann")}
    assert items[first.id].text == HOSTILE and items[first.id].as_json()["read"] is True
    assert items[second.id].as_json() == {
        "id": second.id, "user": "ann", "worksheet": "coaching.grow", "author": "lead",
        "text": "Good GROW plan.", "written": second.written, "read": False, "read_at": None}
    assert again.unread_counts() == {"ann": 1, "bob": 1}
    again.close()
