"""Feedback in the participant's kernel (issue 20, item 4): under each form, in ``llc.feedback()``,
and the time zone of the forms' "saved" line.

The service here is a real tornado server in a thread that answers ``api/feedback/<user>`` as the
hub service does (same paths, same JSON) and counts the requests: a real hub takes minutes to start
and cannot be told to fail or be counted per request, which caching, the speed line and the
unreachable-service cases need. tests/test_hub_feedback_kernel.py runs the same in a real hub.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import html.parser
import json
import threading
import time
from zoneinfo import ZoneInfo

import ipywidgets as w
import pytest
from tornado import httpserver, web

from llc_exercises import notebook as llc
from llc_exercises import settings
from llc_exercises.core import definitions as defs
from llc_exercises.core.ports import free_port
from llc_exercises.participant import feedback
from llc_exercises.participant.widgets import WorksheetView

HOSTILE = '<img src=x onerror="window.__pwned=1"> </textarea><script>alert(1)</script> & ✓'
SHEET = "visioning.core_beliefs"
OTHER = "visioning.mission_vision"


class Service:
    """What the fake service answers and what it was asked."""

    def __init__(self):
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Authorization)
        self.status = 200
        self.timezone: str | None = "America/Chicago"
        self.items = [
            {"id": 3, "user": "ann", "worksheet": OTHER, "author": "lead", "author_name": "Lee Leader",
             "text": "Your vision is clear.", "written": "2026-01-13T15:00:00+00:00", "read": True,
             "read_at": "2026-01-13T16:00:00+00:00"},
            {"id": 2, "user": "ann", "worksheet": SHEET, "author": "faca", "author_name": "Rosalind Inkwell",
             "text": "Say more about the why.\nSecond line.", "written": "2026-01-12T22:04:00+00:00",
             "read": False, "read_at": None},
            {"id": 1, "user": "ann", "worksheet": SHEET, "author": "faca", "author_name": '<b>Ros</b>',
             "text": HOSTILE, "written": "2026-07-01T12:30:00+00:00", "read": False, "read_at": None},
        ]

    def app(self) -> web.Application:
        service = self

        class Feedback(web.RequestHandler):
            def get(self, user):
                service.requests.append(("GET", self.request.path, self.request.headers.get("Authorization")))
                self.set_status(service.status)
                self.finish(json.dumps({"user": user, "cohort": "a", "timezone": service.timezone,
                                        "feedback": [i for i in service.items if i["user"] == user]}))

        class Read(web.RequestHandler):
            def post(self, user, fid):
                service.requests.append(("POST", self.request.path, self.request.headers.get("Authorization")))
                item = next((i for i in service.items if i["id"] == int(fid) and i["user"] == user), None)
                if item is None:
                    raise web.HTTPError(404)
                item.update(read=True, read_at=dt.datetime.now(dt.timezone.utc).isoformat())
                self.finish(json.dumps(item))

        return web.Application([(r"/services/leading-edge/api/feedback/([^/]+)", Feedback),
                                (r"/services/leading-edge/api/feedback/([^/]+)/(\d+)/read", Read)])


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    for s in (settings.SERVICE_URL, settings.HUB_API_TOKEN, settings.HUB_USER, settings.PARTICIPANT):
        monkeypatch.delenv(s.name, raising=False)
    monkeypatch.setenv(settings.DATA_DIR.name, str(tmp_path / "data"))
    feedback.forget()
    yield
    feedback.forget()


@pytest.fixture
def service():
    svc, port, ready = Service(), free_port(), threading.Event()
    loop = asyncio.new_event_loop()

    def serve():
        asyncio.set_event_loop(loop)
        server = httpserver.HTTPServer(svc.app())
        server.listen(port, "127.0.0.1")
        loop.call_soon(ready.set)
        loop.run_forever()
        server.stop()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    svc.url = f"http://127.0.0.1:{port}/services/leading-edge/"
    yield svc
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def on_hub(monkeypatch, url: str, user: str = "ann"):
    monkeypatch.setenv(settings.SERVICE_URL.name, url)
    monkeypatch.setenv(settings.HUB_API_TOKEN.name, "server-token")
    monkeypatch.setenv(settings.HUB_USER.name, user)


class Page(html.parser.HTMLParser):
    """The elements and the text a browser would make of some HTML."""

    def __init__(self, markup: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._in_style = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.text.append(data)

    def plain(self) -> str:
        return "".join(self.text)


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def shown_html(widget) -> str:
    return "".join(getattr(x, "value", "") for x in walk(widget) if isinstance(x, w.HTML))


def buttons(widget) -> list[w.Button]:
    return [x for x in walk(widget) if isinstance(x, w.Button)]


def test_off_a_hub_nothing_is_asked_and_nothing_shown(service, monkeypatch, store):
    # The service's address alone (no hub token, no hub user) is not a hub.
    monkeypatch.setenv(settings.SERVICE_URL.name, service.url)
    v = WorksheetView(defs.worksheet(SHEET), store)
    assert v.feedback is None
    assert not any("llc-feedback" in x._dom_classes for x in walk(v.widget))
    shown = []
    monkeypatch.setattr(llc, "display", shown.append)
    llc.feedback()
    assert len(shown) == 1 and "appears here when you work on the cohort's JupyterHub" in shown[0].html
    assert service.requests == []


def test_a_form_shows_its_worksheets_feedback_in_the_cohort_zone_escaped(service, monkeypatch, store):
    on_hub(monkeypatch, service.url)
    v = WorksheetView(defs.worksheet(SHEET), store)
    assert v.feedback is not None and v.feedback.widget in v.widget.children
    markup = v.feedback.text()
    page = Page(markup)
    text = page.plain()
    assert "Feedback from your facilitator (2 unread)" in text
    # 22:04 UTC on 12 January is 16:04 in Chicago (CST); 1 July 12:30 UTC is 07:30 CDT
    assert "From Rosalind Inkwell, 12 Jan, 16:04 CST: Say more about the why.\nSecond line." in text
    assert f"From <b>Ros</b>, 1 Jul, 07:30 CDT: {HOSTILE}" in text  # shown as typed, as text
    assert "Your vision is clear." not in text  # another worksheet's
    # hostile text is inert: no element or attribute it names exists
    assert {t for t, _ in page.tags} <= {"style", "h4", "div", "p", "span", "b"}
    assert not any(k.startswith("on") for _, attrs in page.tags for k in attrs)
    assert all(attrs.get("role") == "article" and attrs["aria-label"].startswith("From ")
               for t, attrs in page.tags if t == "div")
    labels = [b.description for b in buttons(v.feedback.widget)]
    assert labels == ["Mark as read", "Mark as read"]
    # the request carried the server's token to the participant's own address
    assert service.requests == [("GET", "/services/leading-edge/api/feedback/ann", "token server-token")]


def test_one_request_per_kernel(service, monkeypatch, store):
    """Forms share one answer per kernel (how fast: scripts/benchmark_cohort_pages.py)."""
    on_hub(monkeypatch, service.url)
    first = feedback.box_for(SHEET)  # what a form's first display adds: ask, then draw
    assert first is not None and "Rosalind Inkwell" in first.text()
    for key in (SHEET, OTHER, "visioning.communication_plan", SHEET):
        WorksheetView(defs.worksheet(key), store)
    assert [r[0] for r in service.requests] == ["GET"]
    # llc.feedback() is run to see what is new: it asks again, and every form's box follows
    service.items.insert(0, {**service.items[1], "id": 9, "text": "A new note.", "read": False})
    shown = []
    monkeypatch.setattr(llc, "display", shown.append)
    llc.feedback()
    assert [r[0] for r in service.requests] == ["GET", "GET"]
    assert "A new note." in first.text()
    listed = Page(shown_html(shown[0])).plain()
    assert "Feedback on all your worksheets (3 unread)" in listed
    # newest first, each naming its worksheet
    order = [listed.index(t) for t in ("A new note.", "Your vision is clear.", "Say more about", "1 Jul")]
    assert order == sorted(order)
    assert "On Core-beliefs inventory (Session 1: On the Leading Edge of Visioning)" in listed
    assert f"On {defs.worksheet(OTHER).title} (Session 1: On the Leading Edge of Visioning)" in listed


def test_mark_as_read_tells_the_service_and_updates_every_box(service, monkeypatch, store):
    on_hub(monkeypatch, service.url)
    v = WorksheetView(defs.worksheet(SHEET), store)
    shown = []
    monkeypatch.setattr(llc, "display", shown.append)
    llc.feedback()
    button = buttons(v.feedback.widget)[0]
    button.click()
    assert service.requests[-1] == ("POST", "/services/leading-edge/api/feedback/ann/2/read", "token server-token")
    assert service.items[1]["read"] is True
    # the same button stays (and keeps the keyboard focus), saying it is done
    assert buttons(v.feedback.widget)[0] is button and button.description == "Marked as read"
    assert "(1 unread)" in Page(v.feedback.text()).plain()
    assert "Marked as read." in v.feedback.message.value
    assert "(1 unread)" in Page(shown_html(shown[0])).plain()  # the list drew it read too
    button.click()  # again: nothing more to tell
    assert [r[0] for r in service.requests].count("POST") == 1


def test_an_unreachable_service_is_one_quiet_line_not_an_error(monkeypatch, store):
    on_hub(monkeypatch, f"http://127.0.0.1:{free_port()}/services/leading-edge/")
    v = WorksheetView(defs.worksheet(SHEET), store)
    assert v.feedback is not None
    lines = [x for x in walk(v.feedback.widget) if isinstance(x, w.HTML)]
    assert len(lines) == 1 and "could not be loaded" in lines[0].value
    assert buttons(v.feedback.widget) == []
    v.controls["why"].input.value = "Still saves."
    v.flush()
    assert "All changes saved" in v.status.value and store.get(f"{SHEET}.why") == "Still saves."


def test_a_failing_service_is_asked_once_per_kernel(service, monkeypatch, store):
    on_hub(monkeypatch, service.url)
    service.status = 500
    for key in (SHEET, OTHER, SHEET):
        v = WorksheetView(defs.worksheet(key), store)
        assert "could not be loaded (the service answered 500" in v.feedback.text()
    assert len(service.requests) == 1


def test_the_saved_line_names_the_cohort_zone_on_a_hub(service, monkeypatch, store):
    on_hub(monkeypatch, service.url)
    v = WorksheetView(defs.worksheet(SHEET), store)
    v.controls["why"].input.value = "Saved in Chicago time."
    v.flush()
    zone = dt.datetime.now(ZoneInfo("America/Chicago")).tzname()
    assert zone in ("CST", "CDT")
    said = Page(v.status.value).plain()
    assert said.startswith("All changes saved at ") and said.endswith(f" {zone}"), said


def test_the_saved_line_names_the_computers_zone_off_a_hub(monkeypatch, store):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        v = WorksheetView(defs.worksheet(SHEET), store)
        v.controls["why"].input.value = "Saved in Tokyo time."
        v.flush()
        assert "All changes saved at " in v.status.value and "JST" in v.status.value
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_cohort_without_a_zone_uses_the_computers(service, monkeypatch, store):
    on_hub(monkeypatch, service.url)
    service.timezone = None
    box = feedback.box_for(SHEET)
    local = dt.datetime.fromisoformat("2026-01-12T22:04:00+00:00").astimezone()
    assert f"From Rosalind Inkwell, {local.day} Jan, {local:%H:%M} {local.tzname()}:" in Page(box.text()).plain()


def test_no_feedback_is_a_friendly_line_in_the_list_and_nothing_under_a_form(service, monkeypatch, store):
    on_hub(monkeypatch, service.url)
    service.items = []
    v = WorksheetView(defs.worksheet(SHEET), store)
    assert v.feedback is not None and v.feedback.widget.children == ()
    shown = []
    monkeypatch.setattr(llc, "display", shown.append)
    llc.feedback()
    listed = Page(shown_html(shown[0])).plain()
    assert "No feedback yet." in listed and buttons(shown[0]) == []
